import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  correlateLogs,
  logger,
  powertoolsLogger,
} from "../../../lib/runtime/aws/powertools-logger.ts";

describe("the Powertools logger behind the Logger port", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("writes structured JSON with Baton's service name and the attributes as top-level keys", () => {
    // Prepare
    const lines: string[] = [];
    const capture = (chunk: unknown): boolean => {
      lines.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, "write").mockImplementation(capture);
    vi.spyOn(process.stderr, "write").mockImplementation(capture);

    // Act
    logger.warn("health of inventory/a not stored", { error: "Throttled: slow down" });

    // Assess
    const entries = lines.flatMap((line) => line.split("\n")).filter((line) => line !== "");
    const entry = JSON.parse(entries[0] ?? "{}") as Record<string, unknown>;
    expect([entries.length, entry.level, entry.message, entry.service, entry.error]).toStrictEqual([
      1,
      "WARN",
      "health of inventory/a not stored",
      "baton",
      "Throttled: slow down",
    ]);
  });
});

describe("log correlation in the handlers", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("adds the request's execution id, workflow and step to every line of that invocation only", async () => {
    // Prepare
    const lines: string[] = [];
    const capture = (chunk: unknown): boolean => {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    };
    vi.spyOn(process.stdout, "write").mockImplementation(capture);
    vi.spyOn(process.stderr, "write").mockImplementation(capture);
    const handler = middy((event: Record<string, unknown>) => {
      logger.info("calling");
      if (event.fail === true)
        throw Object.assign(new Error("HTTP 503 from payments-a"), { name: "Baton.ServiceError" });
    })
      .use(injectLambdaContext(powertoolsLogger, { resetKeys: true }))
      .use(correlateLogs());
    const context = {
      functionName: "baton-service-call",
      functionVersion: "$LATEST",
      invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:baton-service-call",
      memoryLimitInMB: "256",
      awsRequestId: "req-1",
    } as never;

    // Act
    await handler({ executionId: "e-1", workflow: "order-fulfillment", stepId: "charge" }, context);
    await handler({}, context);
    const failed = { executionId: "e-2", workflow: "w", stepId: "s", fail: true };
    await handler(failed, context).catch(() => undefined);

    // Assess
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((e) => [e.message, e.executionId, e.workflow, e.step])).toStrictEqual([
      ["calling", "e-1", "order-fulfillment", "charge"],
      ["calling", undefined, undefined, undefined],
      ["calling", "e-2", "w", "s"],
      ["invocation failed", "e-2", "w", "s"],
    ]);
    expect([entries[3]?.level, entries[3]?.error, entries[3]?.reason]).toStrictEqual([
      "WARN",
      "Baton.ServiceError",
      "HTTP 503 from payments-a",
    ]);
  });
});
