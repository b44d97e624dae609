import { describe, expect, it } from "vitest";
import { Balancer } from "../../../lib/runtime/registry/balancer.ts";
import type { InstanceEntry } from "../../../lib/runtime/registry/registry-model.ts";

const PICKS = 10_000;

const instances = (weights: number[]): InstanceEntry[] =>
  weights.map((weight, index) => ({ id: `i${index}`, url: `http://10.0.0.${index}`, weight }));

/** A deterministic uniform generator (mulberry32), so shares are reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function shares(picked: string[], ids: string[]): number[] {
  return ids.map((id) => picked.filter((p) => p === id).length / picked.length);
}

/** Whether each observed share is within 10 % (relative) of the expected one. */
function withinTenPercent(observed: number[], expected: number[]): boolean[] {
  return observed.map(
    (share, index) => Math.abs(share - (expected[index] ?? 0)) <= 0.1 * (expected[index] ?? 0),
  );
}

describe("Balancer", () => {
  it("round_robin gives each instance an equal share, in order", () => {
    // Prepare
    const balancer = new Balancer();
    const pool = instances([1, 1, 1]);

    // Act
    const picked = Array.from({ length: PICKS }, () => {
      const pick = balancer.pick("svc", "round_robin", pool);
      pick?.release();
      return pick?.instance.id ?? "";
    });

    // Assess
    expect(picked.slice(0, 4)).toEqual(["i0", "i1", "i2", "i0"]);
    expect(withinTenPercent(shares(picked, ["i0", "i1", "i2"]), [1 / 3, 1 / 3, 1 / 3])).toEqual([
      true,
      true,
      true,
    ]);
  });

  it("weighted_random follows the weights within 10 %", () => {
    // Prepare
    const balancer = new Balancer({ random: seededRandom(42) });
    const pool = instances([1, 3, 6]);

    // Act
    const picked = Array.from(
      { length: PICKS },
      () => balancer.pick("svc", "weighted_random", pool)?.instance.id ?? "",
    );

    // Assess
    expect(withinTenPercent(shares(picked, ["i0", "i1", "i2"]), [0.1, 0.3, 0.6])).toEqual([
      true,
      true,
      true,
    ]);
  });

  it("weighted_random picks by cumulative weight of the random draw", () => {
    // Prepare
    const draws = [0, 0.09, 0.1, 0.39, 0.4, 0.999];
    const balancer = new Balancer({ random: () => draws.shift() ?? 0 });
    const pool = instances([1, 3, 6]);

    // Act
    const picked = Array.from(
      { length: 6 },
      () => balancer.pick("svc", "weighted_random", pool)?.instance.id,
    );

    // Assess
    expect(picked).toEqual(["i0", "i0", "i1", "i1", "i2", "i2"]);
  });

  it("least_outstanding spreads calls that finish at once evenly", () => {
    // Prepare
    const balancer = new Balancer();
    const pool = instances([1, 1, 1, 1]);

    // Act
    const picked = Array.from({ length: PICKS }, () => {
      const pick = balancer.pick("svc", "least_outstanding", pool);
      pick?.release();
      return pick?.instance.id ?? "";
    });

    // Assess
    expect(
      withinTenPercent(shares(picked, ["i0", "i1", "i2", "i3"]), [0.25, 0.25, 0.25, 0.25]),
    ).toEqual([true, true, true, true]);
  });

  it("least_outstanding avoids an instance with calls in flight", () => {
    // Prepare: i0 holds 3 slow calls.
    const balancer = new Balancer();
    const pool = instances([1, 1]);
    const held = [0, 1, 2, 3, 4].map(() => balancer.pick("svc", "least_outstanding", pool));
    for (const pick of held) if (pick?.instance.id === "i1") pick.release();

    // Act
    const picked = Array.from({ length: PICKS }, () => {
      const pick = balancer.pick("svc", "least_outstanding", pool);
      pick?.release();
      return pick?.instance.id ?? "";
    });

    // Assess
    expect([balancer.outstanding("svc", "i0"), shares(picked, ["i0", "i1"])]).toEqual([3, [0, 1]]);
  });

  it("release is idempotent", () => {
    // Prepare
    const balancer = new Balancer();
    const pool = instances([1]);
    const first = balancer.pick("svc", "least_outstanding", pool);
    balancer.pick("svc", "least_outstanding", pool);

    // Act
    first?.release();
    first?.release();

    // Assess
    expect(balancer.outstanding("svc", "i0")).toEqual(1);
  });

  it("returns undefined when there is no instance to pick", () => {
    expect(new Balancer().pick("svc", "round_robin", [])).toEqual(undefined);
  });
});
