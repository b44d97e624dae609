/** Where the CLI writes, injectable so tests run commands in-process and read what they print. */
export interface CliIo {
  /** Writes a chunk to standard output (include the newline). */
  readonly stdout: (text: string) => void;
  /** Writes a chunk to standard error (include the newline). */
  readonly stderr: (text: string) => void;
  /** Directory relative paths resolve against. @default process.cwd() */
  readonly cwd?: string;
  /** Stops a long-running command (`dev`); when absent, SIGINT/SIGTERM stop it. */
  readonly signal?: AbortSignal;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Exit codes (SERVICE.md, CLI). */
export const EXIT = {
  ok: 0,
  /** Validation errors, or a failed execution. */
  failed: 1,
  /** Bad usage: unknown command or flag, missing argument, unreadable file. */
  usage: 2,
} as const;

/** Bad usage; `main` prints the message and the command's usage and exits with 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
