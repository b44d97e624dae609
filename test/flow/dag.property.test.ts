import { describe, it } from "vitest";
import { checkRandomDags } from "./random-dag.ts";

// A few graphs on every `npm test`; `npm run test:slow` runs many more (dag.slow.test.ts).
describe("property: random dependency graphs", () => {
  it("validate, compile, and run every step exactly once after its dependencies", async () => {
    await checkRandomDags({ graphs: 12, maxSteps: 7, schedulesPerGraph: 3 });
  });
});
