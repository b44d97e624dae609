/**
 * `npm run test:parity`: every scenario of test/parity/scenarios.ts runs on the local engine and on
 * moto's Step Functions interpreter; both must agree on status, output, error, cause and the order
 * of compensation states. Needs .venv-parity/ (bash .ci/install-parity.sh).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CompiledScenario,
  compensations,
  compileScenario,
  type EngineResult,
  runLocal,
  runMoto,
} from "./engines.ts";
import { SCENARIOS } from "./scenarios.ts";

const compiled: CompiledScenario[] = SCENARIOS.map(compileScenario);
let moto: Map<string, EngineResult>;

beforeAll(async () => {
  moto = await runMoto(compiled);
});

describe("the local engine and moto agree", () => {
  it("covers every scenario once", () => {
    expect([...moto.keys()]).toEqual(SCENARIOS.map((s) => s.name));
  });

  for (const scenario of compiled) {
    it(scenario.scenario.name, async () => {
      // Act
      const local = await runLocal(scenario);
      const remote = moto.get(scenario.scenario.name);

      // Assess
      expect(remote).toBeDefined();
      if (remote === undefined) return;
      const compared = (r: EngineResult) => ({
        status: r.status,
        output: r.output,
        error: r.error,
        cause: r.cause,
        compensations: compensations(r),
      });
      expect(compared(local)).toEqual(compared(remote));
      const { expect: wanted } = scenario.scenario;
      expect({
        status: local.status,
        error: local.error ?? undefined,
        undo: compensations(local),
      }).toEqual({ status: wanted.status, error: wanted.error, undo: wanted.undo });
    });
  }
});
