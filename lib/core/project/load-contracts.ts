/**
 * The project pipeline's file edge for contracts (as `load.ts` is for workflow files: `node:fs`
 * only, never the network). Reads the contracts a services file names (`openapi:` on a service entry) for the static check,
 * offline: a file path (relative to the services file) or an inline document is read as it is; a
 * URL is never fetched here, its cached copy (`contract-cache.ts`, filled by a refresh in the runtime, which does the fetching) is used
 * when there is one, and otherwise `W_CONTRACT_UNCHECKED` says that service's calls were not
 * checked. A document that cannot be read, or is not OpenAPI 3.x, is `E_CONTRACT_DOCUMENT`.
 * Every problem points at the entry's `openapi` line in the services file.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ContractSet } from "../contract-check.ts";
import { isObject, readContract, type ServiceContract } from "../contract-openapi.ts";
import type { Json } from "../model.ts";
import { parseSource } from "../parse.ts";
import type { FileProblem, Problem } from "../problems.ts";
import { readCachedContract } from "./contract-cache.ts";

export interface LoadedContracts {
  readonly contracts: ContractSet;
  /** Problems in the services file (named as `file`). */
  readonly problems: readonly FileProblem[];
}

export interface LoadContractsOptions {
  /** How the services file is named in problems. @default the path as given */
  readonly shownAs?: string;
  /** Folder of cached URL documents. @default `.baton/contracts` under the working directory */
  readonly cacheDir?: string;
}

export const DEFAULT_CONTRACT_CACHE = ".baton/contracts";

export function loadContracts(
  servicesFile: string,
  options: LoadContractsOptions = {},
): LoadedContracts {
  const file = options.shownAs ?? servicesFile;
  const cacheDir = options.cacheDir ?? resolve(DEFAULT_CONTRACT_CACHE);
  const problems: FileProblem[] = [];
  let text: string;
  try {
    text = readFileSync(servicesFile, "utf8");
  } catch (error) {
    return {
      contracts: new Map(),
      problems: [{ file, problem: problemAt("E_READ", "", `cannot read: ${reason(error)}`) }],
    };
  }
  const parsed = parseSource(text, file);
  const add = (code: Problem["code"], pointer: string, message: string, hint?: string): void => {
    const line = parsed.lineOf(pointer);
    problems.push({
      file,
      problem: {
        ...problemAt(code, pointer, message, hint),
        ...(line === undefined ? {} : { line }),
      },
    });
  };
  const services = isObject(parsed.value) ? parsed.value.services : undefined;
  const contracts = new Map<string, ServiceContract>();
  if (!Array.isArray(services)) return { contracts, problems };
  services.forEach((entry, index) => {
    if (!isObject(entry) || typeof entry.name !== "string" || entry.openapi === undefined) return;
    const name = entry.name;
    const pointer = `/services/${index}/openapi`;
    const source = entry.openapi;
    const loaded = readSource(source, servicesFile, cacheDir);
    if ("unchecked" in loaded) {
      add(
        "W_CONTRACT_UNCHECKED",
        pointer,
        `the ${name} contract (${String(source)}) has no cached copy, so calls to ${name} were not checked against it`,
        "validation never fetches: refresh the contract once online (docs/contracts.md), or name a local copy",
      );
      return;
    }
    if ("error" in loaded) {
      add("E_CONTRACT_DOCUMENT", pointer, `the ${name} contract: ${loaded.error}`);
      return;
    }
    const read = readContract(name, loaded.shown, loaded.document);
    if (!read.ok) {
      add(
        "E_CONTRACT_DOCUMENT",
        pointer,
        `the ${name} contract (${loaded.shown}): ${read.problem}`,
      );
      return;
    }
    contracts.set(name, read.contract);
  });
  return { contracts, problems };
}

type Source =
  | { readonly document: Json; readonly shown: string }
  | { readonly unchecked: true }
  | { readonly error: string };

function readSource(source: Json, servicesFile: string, cacheDir: string): Source {
  if (isObject(source)) return { document: source, shown: "inline" };
  if (typeof source !== "string" || source.trim() === "") {
    return { error: "`openapi` must be a URL, a file path or an inline OpenAPI 3.x document" };
  }
  if (/^https?:\/\//i.test(source)) {
    const cached = readCachedContract(cacheDir, source);
    return cached === undefined
      ? { unchecked: true }
      : { document: cached.document, shown: source };
  }
  const path = resolve(dirname(servicesFile), source);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { error: `cannot read ${source}: ${reason(error)}` };
  }
  const parsed = parseSource(text, source);
  const broken = parsed.problems.find((p) => p.severity === "error");
  if (broken !== undefined) {
    return {
      error: `${source}${broken.line === undefined ? "" : `:${broken.line}`}: ${broken.message}`,
    };
  }
  return { document: parsed.value as Json, shown: source };
}

function problemAt(code: Problem["code"], path: string, message: string, hint?: string): Problem {
  return {
    code,
    severity: code.startsWith("W_") ? "warning" : "error",
    path,
    message,
    ...(hint === undefined ? {} : { hint }),
  };
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES") return "permission denied";
  return error instanceof Error ? error.message : String(error);
}
