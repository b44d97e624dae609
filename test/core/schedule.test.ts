import { describe, expect, it } from "vitest";
import {
  isScheduleProblem,
  nextFire,
  parseSchedule,
  type Schedule,
} from "../../lib/core/schedule.ts";

/** The schedule of a valid expression; a test fails loudly on an invalid one. */
function schedule(expression: string): Schedule {
  const parsed = parseSchedule(expression);
  if (isScheduleProblem(parsed)) throw new Error(parsed.message);
  return parsed;
}

const at = (iso: string): Date => new Date(iso);

describe("schedule expressions", () => {
  it("fires rate(5 minutes) every five minutes from the start", () => {
    // Prepare
    const rate = schedule("rate(5 minutes)");
    // Act
    const next = nextFire(rate, at("2026-01-01T00:07:00Z"), at("2026-01-01T00:00:00Z"));
    // Assess
    expect(next?.toISOString()).toEqual("2026-01-01T00:10:00.000Z");
  });

  it.each([
    ["cron(0 10 * * ? *)", "2026-03-04T11:00:00Z", "2026-03-05T10:00:00.000Z"],
    ["cron(15 12 * * ? *)", "2026-03-04T12:14:30Z", "2026-03-04T12:15:00.000Z"],
    ["cron(0 18 ? * MON-FRI *)", "2026-03-06T18:00:00Z", "2026-03-09T18:00:00.000Z"],
    ["cron(0 8 1 * ? *)", "2026-03-04T00:00:00Z", "2026-04-01T08:00:00.000Z"],
    ["cron(0/15 * * * ? *)", "2026-03-04T10:16:00Z", "2026-03-04T10:30:00.000Z"],
    ["cron(0 0 L * ? *)", "2026-02-03T00:00:00Z", "2026-02-28T00:00:00.000Z"],
    ["cron(0 9 ? * 2#1 *)", "2026-03-04T00:00:00Z", "2026-04-06T09:00:00.000Z"],
    ["cron(0 9 ? * 6L *)", "2026-03-01T00:00:00Z", "2026-03-27T09:00:00.000Z"],
    // 15 March 2026 is a Sunday: the nearest weekday is Monday the 16th.
    ["cron(0 10 15W * ? *)", "2026-03-01T00:00:00Z", "2026-03-16T10:00:00.000Z"],
    // 1 August 2026 is a Saturday: 1W does not cross into July, it moves to Monday the 3rd.
    ["cron(0 10 1W * ? *)", "2026-07-02T00:00:00Z", "2026-08-03T10:00:00.000Z"],
    // 31 May 2026 is a Sunday: the last weekday is Friday the 29th.
    ["cron(0 10 LW * ? *)", "2026-05-01T00:00:00Z", "2026-05-29T10:00:00.000Z"],
  ])(
    "fires %s after %s at %s (AWS scheduled-expression examples)",
    (expression, after, expected) => {
      // Act
      const next = nextFire(schedule(expression), at(after));
      // Assess
      expect(next?.toISOString()).toEqual(expected);
    },
  );

  it.each([
    ["rate(0 minutes)"],
    ["rate(1 minutes)"],
    ["rate(5 weeks)"],
    ["cron(0 10 * * *)"],
    ["cron(0 10 * * MON *)"],
    ["cron(0 25 * * ? *)"],
    ["cron(0 10 32W * ? *)"],
    ["cron(0 10 L5 * ? *)"],
    ["cron(61 10 * * ? *)"],
    ["cron(0 10 * FOO ? *)"],
    ["cron(0 10 ? * MON#6 *)"],
    ["cron(0 10 * * ? 1900)"],
    ["cron(0 10 5-1 * ? *)"],
    ["cron(*/0 10 * * ? *)"],
    ["every hour"],
    ["RATE(5 minutes)"],
  ])("fails when the expression is %s", (expression) => {
    // Act
    const parsed = parseSchedule(expression);
    // Assess
    expect(isScheduleProblem(parsed)).toBe(true);
  });

  it("says which cron field is wrong and how to write one", () => {
    // Act
    const parsed = parseSchedule("cron(0 25 * * ? *)");
    // Assess
    expect(parsed).toStrictEqual({
      message: 'invalid schedule "cron(0 25 * * ? *)": hours value "25" is not in 0-23',
      hint: "e.g. cron(0 12 * * ? *): minutes hours day-of-month month day-of-week year",
    });
  });
});
