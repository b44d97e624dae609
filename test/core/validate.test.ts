import { describe, expect, it } from "vitest";
import type { Workflow } from "../../lib/core/model.ts";
import { validateWorkflow } from "../../lib/core/validate.ts";

const retry3 = {
  maxAttempts: 3,
  interval: 1,
  backoff: 2,
  jitter: "full",
  on: ["Baton.Retryable"],
} as const;

function valid(value: unknown): Workflow {
  const result = validateWorkflow(value);
  expect(result.problems).toEqual([]);
  if (!result.workflow) throw new Error("no workflow");
  return result.workflow;
}

describe("validateWorkflow normalizes", () => {
  it("a minimal workflow with every default applied", () => {
    // Prepare
    const file = { workflow: "ping", steps: [{ id: "ping", call: "health GET /ping" }] };

    // Act
    const workflow = valid(file);

    // Assess
    expect(workflow).toEqual({
      name: "ping",
      version: 1,
      type: "standard",
      triggers: [],
      steps: [
        {
          id: "ping",
          kind: "call",
          dependsOn: [],
          explicitDependsOn: false,
          pointer: "/steps/0",
          call: { service: "health", method: "GET", path: "/ping" },
          timeout: 30,
          retry: retry3,
          idempotent: false,
        },
      ],
    });
  });

  it("call steps: string and object forms, defaults, retry merge, compensation", () => {
    const workflow = valid({
      workflow: "order-fulfillment",
      version: 3,
      description: "Reserve, charge",
      timeout: 900,
      defaults: { timeout: 20, retry: { maxAttempts: 4, maxDelay: 20 } },
      steps: [
        {
          id: "reserve",
          call: "inventory POST /orders/{{ input.id }}/reservations with {{ input.note }}",
          with: { orderId: "{{ input.orderId }}" },
          compensate: {
            call: "inventory DELETE /reservations/{{ steps.reserve.body.id }}",
            retry: { interval: 2 },
          },
        },
        {
          id: "charge",
          call: {
            service: "payments",
            method: "POST",
            path: "/charges",
            query: { dry: "false" },
            headers: { "x-order": "{{ input.orderId }}" },
            body: { amount: "{{ input.amount }}" },
          },
          timeout: 10,
          retry: { maxAttempts: 5, jitter: "none", on: ["Baton.ServiceError", "Custom"] },
          compensate: "payments POST /refunds/{{ steps.charge.body.id }}",
          select: "body.charge",
        },
        {
          id: "notify",
          call: "mail POST /send",
          retry: false,
          idempotent: true,
          dependsOn: ["reserve"],
        },
      ],
    });
    expect(workflow).toEqual({
      name: "order-fulfillment",
      version: 3,
      description: "Reserve, charge",
      type: "standard",
      timeout: 900,
      triggers: [],
      steps: [
        {
          id: "reserve",
          kind: "call",
          dependsOn: [],
          explicitDependsOn: false,
          pointer: "/steps/0",
          call: {
            service: "inventory",
            method: "POST",
            path: "/orders/{{ input.id }}/reservations with {{ input.note }}",
            body: { orderId: "{{ input.orderId }}" },
          },
          timeout: 20,
          retry: { ...retry3, maxAttempts: 4, maxDelay: 20 },
          compensate: {
            call: {
              service: "inventory",
              method: "DELETE",
              path: "/reservations/{{ steps.reserve.body.id }}",
            },
            timeout: 20,
            retry: { ...retry3, maxAttempts: 5, maxDelay: 20, interval: 2 },
          },
          idempotent: false,
        },
        {
          id: "charge",
          kind: "call",
          dependsOn: ["reserve"],
          explicitDependsOn: false,
          pointer: "/steps/1",
          call: {
            service: "payments",
            method: "POST",
            path: "/charges",
            query: { dry: "false" },
            headers: { "x-order": "{{ input.orderId }}" },
            body: { amount: "{{ input.amount }}" },
          },
          timeout: 10,
          retry: {
            ...retry3,
            maxAttempts: 5,
            maxDelay: 20,
            jitter: "none",
            on: ["Baton.ServiceError", "Custom"],
          },
          compensate: {
            call: {
              service: "payments",
              method: "POST",
              path: "/refunds/{{ steps.charge.body.id }}",
            },
            timeout: 20,
            retry: { ...retry3, maxAttempts: 5, maxDelay: 20 },
          },
          idempotent: false,
          select: "body.charge",
        },
        {
          id: "notify",
          kind: "call",
          dependsOn: ["reserve"],
          explicitDependsOn: true,
          pointer: "/steps/2",
          call: { service: "mail", method: "POST", path: "/send" },
          timeout: 20,
          retry: null,
          idempotent: true,
        },
      ],
    });
  });

  it("retry: false in defaults disables call retries but not compensation retries", () => {
    const workflow = valid({
      workflow: "w",
      defaults: { retry: false },
      steps: [
        { id: "a", call: "s PUT /a", compensate: { call: "s DELETE /a", timeout: 5 } },
        { id: "b", call: "s GET /b", retry: { maxAttempts: 2 } },
      ],
    });
    const [a, b] = workflow.steps;
    expect(a?.kind === "call" && a.retry).toBeNull();
    expect(a?.kind === "call" && a.compensate).toEqual({
      call: { service: "s", method: "DELETE", path: "/a" },
      timeout: 5,
      retry: { ...retry3, maxAttempts: 5 },
    });
    expect(b?.kind === "call" && b.retry).toEqual({ ...retry3, maxAttempts: 2 });
  });

  it("every other step kind", () => {
    const workflow = valid({
      workflow: "kinds",
      type: "standard",
      input: {
        type: "object",
        required: ["id", "items", "at"],
        properties: { items: { type: "array" } },
      },
      triggers: [
        {
          event: {
            source: ["shop"],
            detailType: ["Order Placed"],
            detail: { total: [{ numeric: [">", 0] }] },
          },
        },
        { schedule: "cron(0 12 * * ? *)", input: { items: [] } },
        { schedule: "rate(1 day)" },
        { event: { $or: [{ source: ["a"] }, { source: ["b"] }] } },
      ],
      steps: [
        {
          id: "start",
          emit: { detailType: "Started {{ input.id }}", detail: { id: "{{ input.id }}" } },
        },
        {
          id: "fan",
          parallel: [
            [{ id: "left", call: "s GET /l" }],
            { steps: [{ id: "right", wait: { seconds: 5 } }] },
          ],
        },
        {
          id: "route",
          dependsOn: ["fan"],
          when: "steps.left.status == 200",
          choice: {
            cases: [
              {
                when: "input.express == true",
                steps: [{ id: "fast", wait: { until: "{{ input.at }}" } }],
              },
            ],
            otherwise: [
              { id: "slow", fail: { error: "TooSlow", cause: "waited {{ steps.right }}" } },
            ],
          },
        },
        {
          id: "each",
          dependsOn: [],
          map: {
            items: "{{ input.items }}",
            maxConcurrency: 2,
            steps: [{ id: "line", call: "s GET /items/{{ item.sku }}?n={{ index }}" }],
          },
        },
        { id: "approve", dependsOn: ["each", "route"], await: { signal: "approved" } },
        { id: "child", workflow: { name: "other", input: { x: "{{ steps.approve.ok }}" } } },
        { id: "pause", wait: { until: "2030-01-01T00:00:00Z" } },
        { id: "done", succeed: null },
      ],
      output: { lines: "{{ steps.each }}", left: "{{ steps.left.body }}" },
    });
    const base = (id: string, pointer: string, dependsOn: string[], explicitDependsOn = false) => ({
      id,
      pointer,
      dependsOn,
      explicitDependsOn,
    });
    expect(workflow).toEqual({
      name: "kinds",
      version: 1,
      type: "standard",
      input: {
        type: "object",
        required: ["id", "items", "at"],
        properties: { items: { type: "array" } },
      },
      triggers: [
        {
          kind: "event",
          pattern: {
            source: ["shop"],
            "detail-type": ["Order Placed"],
            detail: { total: [{ numeric: [">", 0] }] },
          },
        },
        { kind: "schedule", expression: "cron(0 12 * * ? *)", input: { items: [] } },
        { kind: "schedule", expression: "rate(1 day)" },
        { kind: "event", pattern: { $or: [{ source: ["a"] }, { source: ["b"] }] } },
      ],
      steps: [
        {
          ...base("start", "/steps/0", []),
          kind: "emit",
          detailType: "Started {{ input.id }}",
          detail: { id: "{{ input.id }}" },
        },
        {
          ...base("fan", "/steps/1", ["start"]),
          kind: "parallel",
          branches: [
            [
              {
                ...base("left", "/steps/1/parallel/0/0", []),
                kind: "call",
                call: { service: "s", method: "GET", path: "/l" },
                timeout: 30,
                retry: retry3,
                idempotent: false,
              },
            ],
            [{ ...base("right", "/steps/1/parallel/1/steps/0", []), kind: "wait", seconds: 5 }],
          ],
        },
        {
          ...base("route", "/steps/2", ["fan"], true),
          when: "steps.left.status == 200",
          kind: "choice",
          cases: [
            {
              when: "input.express == true",
              steps: [
                {
                  ...base("fast", "/steps/2/choice/cases/0/steps/0", []),
                  kind: "wait",
                  until: "{{ input.at }}",
                },
              ],
            },
          ],
          otherwise: [
            {
              ...base("slow", "/steps/2/choice/otherwise/0", []),
              kind: "fail",
              error: "TooSlow",
              cause: "waited {{ steps.right }}",
            },
          ],
        },
        {
          ...base("each", "/steps/3", [], true),
          kind: "map",
          items: "{{ input.items }}",
          maxConcurrency: 2,
          steps: [
            {
              ...base("line", "/steps/3/map/steps/0", []),
              kind: "call",
              call: { service: "s", method: "GET", path: "/items/{{ item.sku }}?n={{ index }}" },
              timeout: 30,
              retry: retry3,
              idempotent: false,
            },
          ],
        },
        {
          ...base("approve", "/steps/4", ["each", "route"], true),
          kind: "await",
          signal: "approved",
          timeout: 3600,
        },
        {
          ...base("child", "/steps/5", ["approve"]),
          kind: "workflow",
          name: "other",
          input: { x: "{{ steps.approve.ok }}" },
        },
        { ...base("pause", "/steps/6", ["child"]), kind: "wait", until: "2030-01-01T00:00:00Z" },
        { ...base("done", "/steps/7", ["pause"]), kind: "succeed" },
      ],
      output: { lines: "{{ steps.each }}", left: "{{ steps.left.body }}" },
    });
  });

  it("defaults for emit detail, workflow input, map concurrency and choice otherwise", () => {
    const workflow = valid({
      workflow: "w",
      type: "express",
      timeout: 300,
      steps: [
        { id: "e", emit: { detailType: "T" } },
        { id: "m", map: { items: "{{ input.xs }}", steps: [{ id: "x", succeed: {} }] } },
        {
          id: "c",
          choice: { cases: [{ when: "exists input.a", steps: [{ id: "y", succeed: true }] }] },
        },
      ],
    });
    expect(workflow.steps.map((s) => ({ ...s, pointer: undefined }))).toEqual([
      {
        id: "e",
        kind: "emit",
        detailType: "T",
        detail: {},
        dependsOn: [],
        explicitDependsOn: false,
        pointer: undefined,
      },
      {
        id: "m",
        kind: "map",
        items: "{{ input.xs }}",
        maxConcurrency: 0,
        steps: [
          {
            id: "x",
            kind: "succeed",
            dependsOn: [],
            explicitDependsOn: false,
            pointer: "/steps/1/map/steps/0",
          },
        ],
        dependsOn: ["e"],
        explicitDependsOn: false,
        pointer: undefined,
      },
      {
        id: "c",
        kind: "choice",
        cases: [
          {
            when: "exists input.a",
            steps: [
              {
                id: "y",
                kind: "succeed",
                dependsOn: [],
                explicitDependsOn: false,
                pointer: "/steps/2/choice/cases/0/steps/0",
              },
            ],
          },
        ],
        otherwise: [],
        dependsOn: ["m"],
        explicitDependsOn: false,
        pointer: undefined,
      },
    ]);
  });

  it("keeps warnings beside a valid workflow", () => {
    const result = validateWorkflow({ workflow: "w", steps: [{ id: "a", call: "s POST /a" }] });
    expect(result.workflow?.name).toBe("w");
    expect(result.problems).toEqual([
      {
        code: "W_NO_COMPENSATION",
        severity: "warning",
        path: "/steps/0/call",
        message: "POST s /a has no compensation: it is not undone if a later step fails",
        hint: 'add "compensate" to undo it, or "idempotent: true" if it needs no undoing',
      },
    ]);
  });

  it("fails when a side-effecting call has no compensation under strict", () => {
    const result = validateWorkflow(
      { workflow: "w", steps: [{ id: "a", call: "s DELETE /a" }] },
      { strict: true },
    );
    expect(result.workflow).toBeUndefined();
    expect(result.problems.map((p) => [p.code, p.severity, p.path])).toEqual([
      ["W_NO_COMPENSATION", "error", "/steps/0/call"],
    ]);
  });
});
