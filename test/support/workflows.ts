/** Builders for normalized workflows in compiler tests (what the validator would produce). */
import {
  type CallStep,
  type Compensation,
  DEFAULT_CALL_TIMEOUT,
  DEFAULT_RETRY,
  type HttpMethod,
  type Json,
  type RetryPolicy,
  type Step,
  type Workflow,
} from "../../lib/core/model.ts";

export function workflow(steps: Step[], extra: Partial<Workflow> = {}): Workflow {
  return { name: "test-flow", version: 1, type: "standard", triggers: [], steps, ...extra };
}

/** Sequential dependencies as the validator resolves them: each step after the previous one. */
export function sequential<T extends Step>(steps: T[]): T[] {
  return steps.map((s, i) => {
    const prev = steps[i - 1];
    return s.explicitDependsOn ? s : { ...s, dependsOn: prev ? [prev.id] : [] };
  });
}

export interface CallOptions {
  service?: string;
  method?: HttpMethod;
  path?: string;
  body?: Json;
  retry?: RetryPolicy | null;
  timeout?: number;
  compensate?: Partial<Compensation> & { path?: string; method?: HttpMethod };
  when?: string;
  dependsOn?: string[];
  select?: string;
}

export function call(id: string, o: CallOptions = {}): CallStep {
  const service = o.service ?? "svc";
  return {
    kind: "call",
    id,
    pointer: `/steps/${id}`,
    dependsOn: o.dependsOn ?? [],
    explicitDependsOn: o.dependsOn !== undefined,
    call: {
      service,
      method: o.method ?? "POST",
      path: o.path ?? `/${id}`,
      ...(o.body === undefined ? {} : { body: o.body }),
    },
    timeout: o.timeout ?? DEFAULT_CALL_TIMEOUT,
    retry: o.retry === undefined ? DEFAULT_RETRY : o.retry,
    idempotent: false,
    ...(o.when === undefined ? {} : { when: o.when }),
    ...(o.select === undefined ? {} : { select: o.select }),
    ...(o.compensate
      ? {
          compensate: {
            call: {
              service,
              method: o.compensate.method ?? "DELETE",
              path: o.compensate.path ?? `/${id}`,
            },
            timeout: o.compensate.timeout ?? DEFAULT_CALL_TIMEOUT,
            retry:
              o.compensate.retry === undefined
                ? { ...DEFAULT_RETRY, maxAttempts: 5 }
                : o.compensate.retry,
          },
        }
      : {}),
  };
}
