import { describe, expect, it } from "vitest";
import { handleApiEvent } from "../../../lib/runtime/api/app.ts";
import { EventBusRefusedError } from "../../../lib/runtime/bus-input.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { fakeDeps, restEvent } from "../fakes.ts";

async function post(body: unknown, deps = fakeDeps().deps) {
  const response = await handleApiEvent(restEvent("POST", "/events", { body }), {
    ...deps,
    logger: quietLogger,
  });
  return {
    status: response.statusCode,
    body: JSON.parse(response.body) as Record<string, unknown>,
  };
}

describe("POST /events", () => {
  it("puts one event on the bus with the caller's source and answers its id", async () => {
    // Prepare
    const { deps, bus } = fakeDeps();

    // Act
    const response = await post(
      { source: "shop.orders", "detail-type": "Order Placed", detail: { orderId: "o-1" } },
      deps,
    );

    // Assess
    expect(response).toEqual({ status: 202, body: { entries: [{ eventId: "event-1" }] } });
    expect(bus.entries).toEqual([
      { source: "shop.orders", detailType: "Order Placed", detail: { orderId: "o-1" } },
    ]);
  });

  it("puts up to ten entries in order", async () => {
    // Prepare
    const { deps, bus } = fakeDeps();
    const entries = [1, 2, 3].map((n) => ({ source: "s", detailType: "T", detail: { n } }));

    // Act
    const response = await post({ entries }, deps);

    // Assess
    expect(response.body).toEqual({
      entries: [{ eventId: "event-1" }, { eventId: "event-2" }, { eventId: "event-3" }],
    });
    expect(bus.entries.map((e) => e.detail)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it("refuses Baton's own source and detail types, so records cannot be forged", async () => {
    // Prepare
    const { deps, bus } = fakeDeps();

    // Act
    const response = await post(
      {
        entries: [
          { source: "baton", detailType: "Order Placed", detail: {} },
          { source: "shop.orders", detailType: "Execution Succeeded", detail: {} },
          { source: "aws.states", detailType: "x", detail: {} },
        ],
      },
      deps,
    );

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      {
        path: "/entries/0/source",
        message: `"baton" is reserved (Baton's own events and AWS services'); use your own, e.g. "shop.orders"`,
      },
      {
        path: "/entries/1/detailType",
        message: `"Execution Succeeded" is one of Baton's own detail types, which only Baton publishes`,
      },
      {
        path: "/entries/2/source",
        message: `"aws.states" is reserved (Baton's own events and AWS services'); use your own, e.g. "shop.orders"`,
      },
    ]);
    expect(bus.entries).toEqual([]);
  });

  it.each([
    [
      "not an object",
      [1],
      [{ path: "", message: expect.stringContaining("must be a JSON object") }],
    ],
    [
      "missing fields and an unknown one",
      { colour: "red" },
      [
        { path: "/colour", message: "is not allowed" },
        { path: "/source", message: "must be a string of 1 to 256 characters" },
        { path: "/detailType", message: "must be a string of 1 to 128 characters" },
      ],
    ],
    [
      "a detail that is not an object",
      { source: "s", detailType: "T", detail: "text" },
      [{ path: "/detail", message: "must be a JSON object" }],
    ],
    [
      "both spellings of the detail type",
      { source: "s", detailType: "T", "detail-type": "T" },
      [{ path: "/detail-type", message: "give detailType or detail-type, not both" }],
    ],
    [
      "eleven entries",
      { entries: Array.from({ length: 11 }, () => ({ source: "s", detailType: "T" })) },
      [{ path: "/entries", message: "must be a list of 1 to 10 events" }],
    ],
  ])("answers 400 for %s, listing every problem", async (_name, body, errors) => {
    const response = await post(body);

    expect([response.status, response.body.errors]).toEqual([400, errors]);
  });

  it("answers 502 when the bus refuses the events", async () => {
    // Prepare
    const { deps } = fakeDeps();
    const refusing = {
      ...deps,
      bus: {
        put: async () => {
          throw new EventBusRefusedError("EventBridge refused 1 of 1 event(s): entry 0: Throttled");
        },
      },
    };

    // Act
    const response = await post({ source: "s", detailType: "T", detail: {} }, refusing);

    // Assess
    expect([response.status, response.body.detail]).toEqual([
      502,
      "EventBridge refused 1 of 1 event(s): entry 0: Throttled",
    ]);
  });
});
