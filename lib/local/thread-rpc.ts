/**
 * Calls between two threads over a message port: each side answers the methods it serves and calls
 * the other's, every call a promise settled by the other side's reply. Arguments and results cross
 * by structured clone (plain data, `Set`s and `Map`s; no functions). A thrown error crosses as its
 * name and message and is rebuilt on the calling side, as the class `errors` names for it when
 * there is one, so `instanceof` checks keep working across the boundary. What one side sends in
 * one turn of its event loop goes as one message (a `postMessage` and its clone cost about as much
 * for one small call as for fifty, and a busy bus sends many).
 */

/** What a `MessagePort` or a `Worker` and its `parentPort` offer. */
export interface RpcPort {
  postMessage(message: unknown): void;
  on(event: "message", listener: (message: unknown) => void): unknown;
}

export type RpcHandlers = Readonly<Record<string, (...args: never[]) => unknown>>;

type Message =
  | { readonly rpc: "call"; readonly id: number; readonly method: string; readonly args: unknown[] }
  | { readonly rpc: "notify"; readonly method: string; readonly args: unknown[] }
  | { readonly rpc: "reply"; readonly id: number; readonly value: unknown }
  | { readonly rpc: "fail"; readonly id: number; readonly name: string; readonly message: string };

export interface ThreadRpcOptions {
  /** Error classes to rebuild by name; any other error comes back as an `Error` with its name. */
  readonly errors?: readonly (new (
    message: string,
  ) => Error)[];
}

export class ThreadRpc {
  readonly #port: RpcPort;
  readonly #handlers: RpcHandlers;
  readonly #errors: ReadonlyMap<string, new (message: string) => Error>;
  readonly #waiting = new Map<
    number,
    { readonly resolve: (value: unknown) => void; readonly reject: (error: Error) => void }
  >();
  #nextId = 1;
  #closed: Error | undefined;
  #outbox: Message[] = [];

  constructor(port: RpcPort, handlers: RpcHandlers, options: ThreadRpcOptions = {}) {
    this.#port = port;
    this.#handlers = handlers;
    this.#errors = new Map((options.errors ?? []).map((type) => [type.name, type]));
    port.on("message", (batch) => {
      if (Array.isArray(batch)) for (const message of batch) this.#receive(message);
    });
  }

  /** Calls `method` on the other side; settles with its result or its error. */
  call<T>(method: string, ...args: unknown[]): Promise<T> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#send({ rpc: "call", id, method, args });
    });
  }

  /** Calls `method` on the other side without waiting for it (in order with the calls). */
  notify(method: string, ...args: unknown[]): void {
    if (this.#closed === undefined) this.#send({ rpc: "notify", method, args });
  }

  /** Fails every call still waiting, and any later one, with `error` (the other side is gone). */
  close(error: Error): void {
    this.#closed = error;
    for (const { reject } of this.#waiting.values()) reject(error);
    this.#waiting.clear();
  }

  #send(message: Message): void {
    this.#outbox.push(message);
    if (this.#outbox.length === 1) setImmediate(() => this.#flush());
  }

  #flush(): void {
    const batch = this.#outbox;
    this.#outbox = [];
    try {
      this.#port.postMessage(batch);
    } catch {
      // Something in the batch cannot be cloned (a function, say): each message goes alone, and
      // the one that cannot fails its own call instead of the process.
      for (const message of batch) this.#sendAlone(message);
    }
  }

  #sendAlone(message: Message): void {
    try {
      this.#port.postMessage([message]);
    } catch (error) {
      const why = `cannot be sent to the other thread: ${(error as Error).message}`;
      if (message.rpc === "call") {
        this.#waiting.get(message.id)?.reject(new Error(`${message.method} ${why}`));
        this.#waiting.delete(message.id);
      } else if (message.rpc === "reply") {
        this.#port.postMessage([
          { rpc: "fail", id: message.id, name: "Error", message: `The answer ${why}` },
        ] satisfies Message[]);
      } else if (message.rpc === "notify") {
        console.error(`baton: ${message.method} ${why}`);
      }
    }
  }

  #receive(raw: unknown): void {
    const message = raw as Message;
    switch (message?.rpc) {
      case "call":
        void this.#serve(message.id, message.method, message.args);
        return;
      case "notify":
        void this.#serve(undefined, message.method, message.args);
        return;
      case "reply":
        this.#waiting.get(message.id)?.resolve(message.value);
        this.#waiting.delete(message.id);
        return;
      case "fail": {
        const type = this.#errors.get(message.name);
        const error = type === undefined ? new Error(message.message) : new type(message.message);
        if (type === undefined) error.name = message.name;
        this.#waiting.get(message.id)?.reject(error);
        this.#waiting.delete(message.id);
        return;
      }
      default:
        throw new Error(`Not a thread call: ${JSON.stringify(raw)?.slice(0, 200)}`);
    }
  }

  async #serve(id: number | undefined, method: string, args: unknown[]): Promise<void> {
    try {
      const handler = Object.hasOwn(this.#handlers, method) ? this.#handlers[method] : undefined;
      if (handler === undefined)
        throw new Error(`No method ${method} is served on the other side of this thread.`);
      const value = await (handler as (...a: unknown[]) => unknown)(...args);
      if (id !== undefined) this.#send({ rpc: "reply", id, value });
    } catch (error) {
      const { name, message } =
        error instanceof Error ? error : { name: "Error", message: String(error) };
      if (id !== undefined) this.#send({ rpc: "fail", id, name, message });
      else console.error(`baton: ${method} failed on another thread: ${message}`);
    }
  }
}
