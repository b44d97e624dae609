/** The pause flags `baton dev` reads once per execution (`sole-writer-pause-store.ts`). */
import { describe, expect, it } from "vitest";
import { MemoryPauseStore, type PauseStore } from "../../../lib/runtime/pause/pause-store.ts";
import { SoleWriterPauseStore } from "../../../lib/runtime/pause/sole-writer-pause-store.ts";

function counted(): { store: PauseStore; reads: string[]; inner: MemoryPauseStore } {
  const inner = new MemoryPauseStore();
  const reads: string[] = [];
  return {
    inner,
    reads,
    store: {
      get: (id) => {
        reads.push(id);
        return inner.get(id);
      },
      set: (id, paused) => inner.set(id, paused),
      bounce: (id, key) => inner.bounce(id, key),
    },
  };
}

describe("sole-writer pause store", () => {
  it("reads an execution's flag once, however many calls ask", async () => {
    const { store, reads } = counted();
    const flags = new SoleWriterPauseStore(store);
    const answers = await Promise.all([flags.get("e1"), flags.get("e1")]);
    answers.push(await flags.get("e1"), await flags.get("e2"));
    expect([answers, reads]).toEqual([
      [undefined, undefined, undefined, undefined],
      ["e1", "e2"],
    ]);
  });

  it("answers a pause and a resume made through it at once", async () => {
    const { store } = counted();
    const flags = new SoleWriterPauseStore(store);
    await flags.get("e1");
    await flags.set("e1", true);
    const paused = await flags.get("e1");
    await flags.set("e1", false);
    expect([paused?.paused, (await flags.get("e1"))?.paused]).toEqual([true, false]);
  });

  it("reads the bounce count back after a turned-away attempt", async () => {
    const { store } = counted();
    const flags = new SoleWriterPauseStore(store);
    await flags.set("e1", true);
    await flags.bounce("e1", "two");
    await flags.bounce("e1", "two");
    expect((await flags.get("e1"))?.bounces).toEqual({ two: 2 });
  });

  it("does not keep what a read saw when a change came in while it was under way", async () => {
    const inner = new MemoryPauseStore();
    let release: () => void = () => {};
    const slow: PauseStore = {
      get: async (id) => {
        const before = await inner.get(id);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return before;
      },
      set: (id, paused) => inner.set(id, paused),
      bounce: (id, key) => inner.bounce(id, key),
    };
    const flags = new SoleWriterPauseStore(slow);
    const early = flags.get("e1");
    await new Promise((resolve) => setImmediate(resolve));
    await flags.set("e1", true);
    release();
    await early;
    expect((await flags.get("e1"))?.paused).toBe(true);
  });

  it("keeps at most maxEntries executions, reading an evicted one again", async () => {
    const { store, reads } = counted();
    const flags = new SoleWriterPauseStore(store, { maxEntries: 2 });
    for (const id of ["e1", "e2", "e3", "e1"]) await flags.get(id);
    expect(reads).toEqual(["e1", "e2", "e3", "e1"]);
  });
});
