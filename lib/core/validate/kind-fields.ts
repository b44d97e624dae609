/**
 * The fields each step kind keeps under its key (`wait: { seconds }`), read by the validator
 * (`kinds.ts`, `containers.ts`) and described by the editor schema (`lib/core/schema/`), so the
 * two cannot list different fields.
 */
export const KIND_FIELDS = {
  wait: ["seconds", "until"],
  emit: ["detailType", "detail"],
  await: ["signal", "timeout"],
  workflow: ["name", "input"],
  fail: ["error", "cause"],
  choice: ["cases", "otherwise"],
  choiceCase: ["when", "steps"],
  map: ["items", "maxConcurrency", "steps"],
  loop: ["steps", "until", "maxIterations"],
  onError: ["then", "steps", "when"],
  parallelBranch: ["steps"],
} as const;
