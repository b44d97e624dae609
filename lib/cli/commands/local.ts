import { UsageError } from "../io.ts";

/**
 * Imports a module of the local runtime (`lib/local/<name>.ts`) on demand, so `validate`, `compile`,
 * `graph` and `cost` never load it (nor its dependencies).
 */
export async function importLocal<T>(
  name: "server" | "run" | "simulate",
  exported: string,
): Promise<T> {
  const specifier = new URL(`../../local/${name}.ts`, import.meta.url).href;
  let module: Record<string, unknown>;
  try {
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (
      code === "ERR_MODULE_NOT_FOUND" &&
      String((error as Error).message).includes(`local/${name}.ts`)
    ) {
      throw new UsageError(
        `the local runtime is not available in this build (lib/local/${name}.ts is missing)`,
      );
    }
    throw error;
  }
  if (typeof module[exported] !== "function") {
    throw new UsageError(`lib/local/${name}.ts does not export ${exported}()`);
  }
  return module as T;
}
