import { describe, expect, it } from "vitest";
import { nextFire, parseSchedule, ScheduleError } from "../../lib/local/schedule.ts";

const at = (iso: string): Date => new Date(iso);

describe("schedule expressions", () => {
  it("fires rate(5 minutes) every five minutes from the start", () => {
    // Prepare
    const schedule = parseSchedule("rate(5 minutes)");
    // Act
    const next = nextFire(schedule, at("2026-01-01T00:07:00Z"), at("2026-01-01T00:00:00Z"));
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
  ])(
    "fires %s after %s at %s (AWS scheduled-expression examples)",
    (expression, after, expected) => {
      // Act
      const next = nextFire(parseSchedule(expression), at(after));
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
    ["cron(0 10 15W * ? *)"],
    ["every hour"],
  ])("fails when the expression is %s", (expression) => {
    // Act / Assess
    expect(() => parseSchedule(expression)).toThrow(ScheduleError);
  });
});
