import { MessageChannel } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { ThreadRpc } from "../../lib/local/thread-rpc.ts";
import { InvalidCursorError } from "../../lib/runtime/records/execution-store.ts";

describe("calls between threads", () => {
  const channels: MessageChannel[] = [];
  afterEach(() => {
    for (const channel of channels.splice(0)) {
      channel.port1.close();
      channel.port2.close();
    }
  });

  const pair = (served: ConstructorParameters<typeof ThreadRpc>[1]) => {
    const channel = new MessageChannel();
    channels.push(channel);
    const received: unknown[] = [];
    channel.port2.on("message", (batch) => received.push(batch));
    const callee = new ThreadRpc(channel.port2, served);
    const caller = new ThreadRpc(channel.port1, {}, { errors: [InvalidCursorError] });
    return { caller, callee, received };
  };

  it("answers calls in one message per turn, clones Sets and Maps, and keeps notifications in order", async () => {
    // Prepare
    const seen: string[] = [];
    const { caller, received } = pair({
      echo: (value: unknown) => value,
      note: (text: string) => void seen.push(text),
      later: async (text: string) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return `${text}, later`;
      },
    });

    // Act
    caller.notify("note", "first");
    const answers = await Promise.all([
      caller.call("echo", { orders: new Set(["a"]), by: new Map([["k", 1]]) }),
      caller.call("later", "second"),
      caller.call("echo", 3),
    ]);
    caller.notify("note", "last");
    await caller.call("echo", null);

    // Assess
    expect(answers).toStrictEqual([
      { orders: new Set(["a"]), by: new Map([["k", 1]]) },
      "second, later",
      3,
    ]);
    expect(seen).toStrictEqual(["first", "last"]);
    // Three calls and a notification sent in one turn went as one message.
    expect((received[0] as unknown[]).length).toBe(4);
  });

  it("fails a call with the callee's error, rebuilt as its class when the caller knows it", async () => {
    // Prepare
    const { caller } = pair({
      cursor: () => {
        throw new InvalidCursorError("cursor abc is not one of ours");
      },
      other: () => {
        throw new RangeError("too far");
      },
    });

    // Act
    const [cursor, other, unknown] = await Promise.allSettled([
      caller.call("cursor"),
      caller.call("other"),
      caller.call("nothing-here"),
    ]);

    // Assess
    expect(cursor.status === "rejected" && cursor.reason).toBeInstanceOf(InvalidCursorError);
    expect(cursor.status === "rejected" && (cursor.reason as Error).message).toBe(
      "cursor abc is not one of ours",
    );
    expect(
      other.status === "rejected" && [
        (other.reason as Error).name,
        (other.reason as Error).message,
      ],
    ).toStrictEqual(["RangeError", "too far"]);
    expect(unknown.status === "rejected" && (unknown.reason as Error).message).toBe(
      "No method nothing-here is served on the other side of this thread.",
    );
  });

  it("fails only the call whose arguments or answer cannot be cloned, not its batch or the thread", async () => {
    // Prepare
    const { caller } = pair({
      echo: (value: unknown) => value,
      callback: () => () => "a function",
    });

    // Act
    const [uncloneable, fine, answer] = await Promise.allSettled([
      caller.call("echo", () => "a function"),
      caller.call("echo", "fine"),
      caller.call("callback"),
    ]);

    // Assess
    expect(uncloneable.status === "rejected" && (uncloneable.reason as Error).message).toMatch(
      /^echo cannot be sent to the other thread: /,
    );
    expect(fine).toStrictEqual({ status: "fulfilled", value: "fine" });
    expect(answer.status === "rejected" && (answer.reason as Error).message).toMatch(
      /^The answer cannot be sent to the other thread: /,
    );
  });

  it("fails the calls still waiting, and later ones, once the other side is gone", async () => {
    // Prepare
    const { caller } = pair({ never: () => new Promise(() => {}) });
    const waiting = caller.call("never");

    // Act
    await new Promise((resolve) => setTimeout(resolve, 20));
    caller.close(new Error("the records thread has exited (code 1)"));

    // Assess
    await expect(waiting).rejects.toThrow("the records thread has exited (code 1)");
    await expect(caller.call("never")).rejects.toThrow("the records thread has exited (code 1)");
  });
});
