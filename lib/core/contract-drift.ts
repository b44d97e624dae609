/**
 * Drift: what a changed contract breaks, judged by the rules of the static check (never a text
 * diff of the documents). Given the contract problems of the same workflows checked against the
 * previous and the new copies, drift is every problem the new copy raises at a call site (same
 * file, code and JSON pointer) that the previous copy did not.
 */
import type { FileProblem } from "./problems.ts";

const isContractProblem = (p: FileProblem): boolean =>
  p.problem.code === "E_CONTRACT_ROUTE" ||
  p.problem.code === "E_CONTRACT_BODY" ||
  p.problem.code === "W_CONTRACT_FIELD";

const key = (p: FileProblem): string => `${p.file}|${p.problem.code}|${p.problem.path}`;

export function contractDrift(
  before: readonly FileProblem[],
  after: readonly FileProblem[],
): FileProblem[] {
  const known = new Set(before.filter(isContractProblem).map(key));
  return after.filter((p) => isContractProblem(p) && !known.has(key(p)));
}
