import { describe, it } from "vitest";
import { checkRandomDags } from "./random-dag.ts";

describe("property (slow): many random dependency graphs", () => {
  it("validate, compile, and run every step exactly once after its dependencies", async () => {
    await checkRandomDags({ graphs: 150, maxSteps: 10, schedulesPerGraph: 5 });
  }, 900_000);
});
