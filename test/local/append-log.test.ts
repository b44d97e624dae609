/**
 * What `baton dev` keeps across a `kill -9` in append-only logs (`append-log.ts`): the engine
 * journal and the bus's unfinished deliveries. A process that never closes them is a `kill -9`.
 */
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AppendLog } from "../../lib/local/append-log.ts";
import { DeliveryOutbox } from "../../lib/local/delivery-outbox.ts";
import type { BusEvent } from "../../lib/local/event-bus.ts";
import { type ExecutionEntry, ExecutionJournal } from "../../lib/local/journal.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "baton-append-log-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const entry = (id: string, status: ExecutionEntry["status"] = "RUNNING"): ExecutionEntry => ({
  id,
  workflow: "w",
  input: { n: id },
  status,
  startDate: 1,
  stopDate: null,
  output: null,
  error: null,
  cause: null,
  redriveCount: 0,
  redriveDate: null,
  parentId: null,
  results: {},
});

const event = (id: string, time: string): BusEvent => ({
  version: "0",
  id,
  "detail-type": "Step Succeeded",
  source: "baton",
  account: "000000000000",
  time,
  region: "local",
  resources: [],
  detail: {},
});

describe("append log", () => {
  it("skips a line a crash cut short and keeps the rest", () => {
    const file = join(tempDir(), "log");
    writeFileSync(file, '{"a":1}\n{"a":2}\n{"a":');
    expect(AppendLog.read(file)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it("rewrites itself with the live lines once it has grown past its limit", () => {
    const file = join(tempDir(), "log");
    const log = new AppendLog(file, [], { compactAbove: 200 });
    for (let i = 0; i < 40; i++) log.append(JSON.stringify({ i }), () => ['{"live":true}']);
    log.close();
    const lines = AppendLog.read(file);
    expect(lines[0]).toEqual({ live: true });
    expect(lines.length).toBeLessThan(40);
  });
});

describe("append log group commit", () => {
  it("writes the lines queued in a turn together at its end, each as it is then, before a later synchronous line", async () => {
    // Prepare
    const file = join(tempDir(), "log");
    const log = new AppendLog(file, []);
    const none = (): string[] => [];
    let a = 1;

    // Act
    const first = log.later(() => JSON.stringify({ a }), none);
    const second = log.later(() => '{"b":1}', none);
    a = 2;
    const queued = AppendLog.read(file);
    await Promise.all([first, second]);
    const written = AppendLog.read(file);
    void log.later(() => '{"c":1}', none);
    log.append('{"d":1}', none);
    const appended = AppendLog.read(file);
    log.close();

    // Assess
    expect([queued, written, appended]).toEqual([
      [],
      [{ a: 2 }, { b: 1 }],
      [{ a: 2 }, { b: 1 }, { c: 1 }, { d: 1 }],
    ]);
  });

  it("fails what waits for a write that failed, and nothing else", async () => {
    // Prepare: a log whose file was closed under it
    const log = new AppendLog(join(tempDir(), "log"), []);
    log.close();

    // Act
    const written = log.later(
      () => '{"a":1}',
      () => [],
    );
    void log.later(
      () => '{"b":1}',
      () => [],
    );

    // Assess
    await expect(written).rejects.toThrow();
  });
});

describe("execution journal", () => {
  it("reopens with each execution's last write, without a close (kill -9)", async () => {
    const dir = tempDir();
    const journal = await ExecutionJournal.open(dir);
    const one = entry("e1");
    journal.put(one);
    journal.writeNow("e1");
    journal.put(entry("e2"));
    journal.writeNow("e2");
    one.status = "SUCCEEDED";
    journal.writeNow("e1");

    const reopened = await ExecutionJournal.open(dir);
    expect(reopened.all().map((e) => [e.id, e.status])).toEqual([
      ["e1", "SUCCEEDED"],
      ["e2", "RUNNING"],
    ]);
  });

  it("has an entry asked for with durable on disk once that resolves, as it is then (kill -9)", async () => {
    // Prepare
    const dir = tempDir();
    const journal = await ExecutionJournal.open(dir);
    const one = entry("e1");
    journal.put(one);

    // Act
    const written = journal.durable("e1");
    one.inFlight = { call: true };
    const onDisk = () => AppendLog.read(join(dir, "journal.log")) as ExecutionEntry[];
    const before = onDisk();
    await written;
    const after = onDisk();

    // Assess
    expect([before, after.map((e) => e.inFlight)]).toEqual([[], [{ call: true }]]);
  });

  it("keeps the previous write of an execution when its last one was cut short", async () => {
    const dir = tempDir();
    const journal = await ExecutionJournal.open(dir);
    journal.put(entry("e1"));
    journal.writeNow("e1");
    appendFileSync(join(dir, "journal.log"), '{"id":"e1","workflow":"w","status":"SUCC');

    const reopened = await ExecutionJournal.open(dir);
    expect(reopened.get("e1")?.status).toBe("RUNNING");
  });

  it("folds the file-per-execution journal of earlier versions into the log", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "old.json"), JSON.stringify(entry("old", "FAILED")));

    const journal = await ExecutionJournal.open(dir);
    await journal.close();
    const reopened = await ExecutionJournal.open(dir);
    expect([reopened.get("old")?.status, readdirSync(dir).sort()]).toEqual([
      "FAILED",
      ["journal.log"],
    ]);
  });
});

describe("delivery outbox", () => {
  it("gives the next process the deliveries not done, oldest first, once", async () => {
    const dir = tempDir();
    const outbox = new DeliveryOutbox(dir);
    const late = outbox.add({ rule: "r", event: event("late", "2026-01-01T00:00:02Z") });
    const done = outbox.add({ rule: "r", event: event("done", "2026-01-01T00:00:00Z") });
    outbox.add({ rule: "r", event: event("early", "2026-01-01T00:00:01Z") });
    outbox.done(done);
    // `done` lines are written once the current task is over (or with the next `add`).
    await new Promise((resolve) => setImmediate(resolve));
    expect(late).toBeDefined();

    // Killed: the next process takes what was not done and restarts it (each added again as it
    // starts); killed again before they finish, the third gets them again; once the third has
    // finished them, a fourth gets nothing.
    const next = new DeliveryOutbox(dir);
    const taken = next.takePending();
    for (const d of taken) next.add(d);
    await Promise.resolve();
    const third = new DeliveryOutbox(dir);
    const again = third.takePending();
    const handles = again.map((d) => third.add(d));
    await Promise.resolve();
    for (const handle of handles) third.done(handle);
    // `done` lines are written once the current task is over (or with the next `add`).
    await new Promise((resolve) => setImmediate(resolve));
    const fourth = new DeliveryOutbox(dir);

    expect([
      taken.map((d) => d.event.id),
      again.map((d) => d.event.id),
      fourth.takePending(),
    ]).toEqual([["early", "late"], ["early", "late"], []]);
  });

  it("reads and removes the file-per-delivery outbox of earlier versions", () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "old.1.json"),
      JSON.stringify({ rule: "r", event: event("old", "2026-01-01T00:00:00Z") }),
    );
    const outbox = new DeliveryOutbox(dir);
    expect([
      outbox.takePending().map((d) => d.event.id),
      existsSync(join(dir, "old.1.json")),
      readFileSync(join(dir, "outbox.log"), "utf8").includes('"old"'),
    ]).toEqual([["old"], false, true]);
  });
});
