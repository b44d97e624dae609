/**
 * Keeps secrets out of everything Baton writes: step errors (and so records, events and listings,
 * which copy them) and logs. Resolved secret header values are replaced wherever they appear, in
 * the forms a service may echo them (as sent, URL-encoded, base64); excerpts of service bodies are
 * also capped, flattened and stripped of anything shaped like a credential.
 */

export const REDACTED = "[REDACTED]";
/** Shorter values are not searched for: replacing every "ab" would garble messages, not hide a key. */
const MIN_SECRET_LENGTH = 4;
/** Characters of a service body kept in a step error. */
export const EXCERPT_CHARS = 200;

/** Credential shapes masked in excerpts of service bodies, whatever their origin. */
const CREDENTIAL_SHAPES: readonly RegExp[] = [
  /\b(?:sk|pk|rk)[-_][0-9A-Za-z_-]{8,}/g, // sk-..., sk_live_...
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[0-9A-Za-z]{20,}/g,
  /\beyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}(?:\.[0-9A-Za-z_-]*)?/g, // JWT
];
/** Long opaque tokens: letters and digits mixed (UUIDs, 36 characters, and plain paths stay). */
const OPAQUE_TOKEN = /[0-9A-Za-z+/_=-]{40,}/g;
const isOpaque = (run: string): boolean => /\d/.test(run) && /[A-Za-z]/.test(run);
const AUTH_SCHEME = /\b(bearer|basic|digest|token)(\s+)[0-9A-Za-z._~+/=-]{6,}/gi;

export class Redactor {
  readonly #needles: readonly string[];

  constructor(secrets: Iterable<string> = []) {
    const needles = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < MIN_SECRET_LENGTH) continue;
      needles.add(secret);
      needles.add(encodeURIComponent(secret));
      needles.add(JSON.stringify(secret).slice(1, -1));
      needles.add(Buffer.from(secret).toString("base64").replace(/=+$/, ""));
    }
    // Longest first, so a secret containing another is replaced whole.
    this.#needles = [...needles]
      .filter((n) => n.length >= MIN_SECRET_LENGTH)
      .sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.#needles.length === 0;
  }

  /** The text with every secret replaced by `[REDACTED]`. */
  redact(text: string): string {
    let result = text;
    for (const needle of this.#needles) result = result.split(needle).join(REDACTED);
    return result;
  }
}

/**
 * A one-line excerpt of a service's answer for an error message: control characters and runs of
 * whitespace become one space, credential shapes are masked, and it is cut at `EXCERPT_CHARS`.
 */
export function sanitizeExcerpt(text: string, redactor?: Redactor): string {
  let clean = (redactor ? redactor.redact(text) : text)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, " ")
    .trim()
    .replace(AUTH_SCHEME, `$1$2${REDACTED}`);
  for (const shape of CREDENTIAL_SHAPES) clean = clean.replace(shape, REDACTED);
  clean = clean.replace(OPAQUE_TOKEN, (run) => (isOpaque(run) ? REDACTED : run));
  return clean.length > EXCERPT_CHARS ? `${clean.slice(0, EXCERPT_CHARS - 3)}...` : clean;
}
