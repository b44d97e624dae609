/**
 * The local bus: rules, retries, the persisted dead-letter queue and its redrive.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AppendLog } from "../../lib/local/append-log.ts";
import { LocalDeadLetterQueue } from "../../lib/local/dead-letters.ts";
import { DeliveryOutbox } from "../../lib/local/delivery-outbox.ts";
import { type BusEvent, LocalEventBus } from "../../lib/local/event-bus.ts";
import { EventPatternError } from "../../lib/local/event-matcher.ts";

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

describe("LocalEventBus", () => {
  it("delivers an event in the EventBridge envelope to every matching rule only", async () => {
    // Prepare
    const bus = new LocalEventBus({ retryDelaysMs: [] });
    const seen: string[] = [];
    bus.addRule(
      "orders",
      { source: ["shop"], "detail-type": ["Order Placed"] },
      (e) => void seen.push(`orders:${e.id}`),
    );
    bus.addRule("other", { source: ["billing"] }, (e) => void seen.push(`other:${e.id}`));
    // Act
    const [event] = bus.put([{ source: "shop", detailType: "Order Placed", detail: { n: 1 } }]);
    await bus.idle();
    // Assess
    expect(seen).toEqual([`orders:${event?.id}`]);
    expect([event?.version, event?.["detail-type"], event?.detail]).toEqual([
      "0",
      "Order Placed",
      { n: 1 },
    ]);
  });

  it("publishes an event once it is in the outbox, and delivers it only after that", async () => {
    // Prepare: what a process started after a kill -9 would find in the outbox, when the target
    // runs and when publishing resolved
    const dir = await mkdtemp(join(tmpdir(), "baton-bus-"));
    dirs.push(dir);
    const inOutbox = (): string[] =>
      (AppendLog.read(join(dir, "outbox.log")) as { delivery?: { event: BusEvent } }[]).flatMap(
        (line) => (line.delivery === undefined ? [] : [line.delivery.event["detail-type"]]),
      );
    const bus = new LocalEventBus({ outbox: new DeliveryOutbox(dir), retryDelaysMs: [] });
    const atDelivery: string[][] = [];
    bus.addRule("steps", { source: ["baton"] }, () => void atDelivery.push(inOutbox()));

    // Act
    const published = bus
      .publisher()
      .publish([{ detailType: "Step Started", detail: { stepId: "a" } }]);
    const beforeWrite = inOutbox();
    await published;
    const afterPublish = inOutbox();
    await bus.idle();

    // Assess
    expect([beforeWrite, afterPublish, atDelivery]).toEqual([
      [],
      ["Step Started"],
      [["Step Started"]],
    ]);
  });

  it("writes to the outbox exactly the JSON of the event it delivers", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), "baton-bus-"));
    dirs.push(dir);
    const bus = new LocalEventBus({ outbox: new DeliveryOutbox(dir), retryDelaysMs: [] });
    const delivered: BusEvent[] = [];
    bus.addRule("all", { source: ["shop"] }, (e) => void delivered.push(e));

    // Act
    bus.put([
      {
        source: "shop",
        detailType: "Order Placed",
        detail: { n: 1, text: 'quote " and \\ slash', nested: { list: [1, null] } },
        resources: ["r1"],
      },
    ]);
    await bus.idle();

    // Assess
    const lines = readFileSync(join(dir, "outbox.log"), "utf8").split("\n");
    expect(delivered).toHaveLength(1);
    expect(lines[0]).toBe(
      `{"add":1,"delivery":{"rule":"all","event":${JSON.stringify(delivered[0])}}}`,
    );
  });

  it("fails when a rule's pattern is invalid", () => {
    // Act / Assess
    expect(() => new LocalEventBus().addRule("bad", { source: "shop" }, () => {})).toThrow(
      EventPatternError,
    );
  });

  it("retries a failing target, then dead-letters the event persistently and redrives it", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), "baton-bus-"));
    dirs.push(dir);
    const file = join(dir, "dead-letters.json");
    const first = new LocalEventBus({
      deadLetters: await LocalDeadLetterQueue.open(file),
      retryDelaysMs: [0, 0],
    });
    let attempts = 0;
    first.addRule("flaky", { source: ["shop"] }, () => {
      attempts++;
      throw new Error("target down");
    });
    first.put([{ source: "shop", detailType: "Order Placed", detail: { n: 2 } }]);
    await first.idle();
    // Act: a new process opens the same queue, with a working target
    const queue = await LocalDeadLetterQueue.open(file);
    const delivered: BusEvent[] = [];
    const second = new LocalEventBus({ deadLetters: queue });
    second.addRule("flaky", { source: ["shop"] }, (e) => void delivered.push(e));
    const listed = await queue.list(10);
    const outcome = await queue.redrive(10);
    // Assess
    expect(attempts).toEqual(3);
    expect(listed.map((l) => [l.source, l.detailType, l.detail, l.reason, l.receiveCount])).toEqual(
      [["shop", "Order Placed", { n: 2 }, "rule flaky: Error: target down", 3]],
    );
    expect([outcome, delivered.map((e) => e.detail), await queue.count()]).toEqual([
      { redriven: 1, failed: [] },
      [{ n: 2 }],
      0,
    ]);
  });
});
