/**
 * EventBridge schedule expressions for workflow `triggers`: `rate(<n> <unit>)` and
 * `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`, evaluated in UTC as
 * EventBridge rules are. Supported cron syntax: `*`, `?`, lists, ranges, `/` steps, month and
 * day names, `L` (last day of month, or `<n>L` last weekday n of the month) and `<n>#<k>`.
 * `W` (nearest weekday) is refused with a clear message.
 */

export type Schedule =
  | { readonly kind: "rate"; readonly everyMs: number }
  | { readonly kind: "cron"; readonly cron: CronSpec };

interface CronSpec {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly years: ReadonlySet<number> | "any";
  readonly day: (date: Date) => boolean;
}

export class ScheduleError extends Error {
  override readonly name = "ScheduleError";
}

const UNIT_MS: Readonly<Record<string, number>> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

export function parseSchedule(expression: string): Schedule {
  const text = expression.trim();
  const rate = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/i.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = (rate[2] ?? "").toLowerCase();
    const ms = UNIT_MS[unit];
    if (ms === undefined || value < 1) {
      throw new ScheduleError(
        `"${expression}": rate takes a positive whole number and minute(s), hour(s) or day(s)`,
      );
    }
    if ((value === 1) !== !unit.endsWith("s")) {
      throw new ScheduleError(
        `"${expression}": write "rate(1 ${unit.replace(/s$/, "")})" or "rate(${value} ${unit.replace(/s?$/, "s")})"`,
      );
    }
    return { kind: "rate", everyMs: value * ms };
  }
  const cron = /^cron\((.*)\)$/i.exec(text);
  if (cron) return { kind: "cron", cron: parseCron(cron[1] ?? "", expression) };
  throw new ScheduleError(`"${expression}" is neither rate(...) nor cron(...)`);
}

/** The first time strictly after `after` at which the schedule fires. */
export function nextFire(
  schedule: Schedule,
  after: Date,
  startedAt: Date = after,
): Date | undefined {
  if (schedule.kind === "rate") {
    const elapsed = after.getTime() - startedAt.getTime();
    const periods = Math.floor(elapsed / schedule.everyMs) + 1;
    return new Date(startedAt.getTime() + periods * schedule.everyMs);
  }
  return nextCron(schedule.cron, after);
}

function nextCron(spec: CronSpec, after: Date): Date | undefined {
  const start = new Date(after.getTime());
  start.setUTCSeconds(0, 0);
  start.setUTCMinutes(start.getUTCMinutes() + 1);
  const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  // Five years of days is enough for any expression that fires at all (29 February included).
  for (let i = 0; i < 366 * 5; i++, day.setUTCDate(day.getUTCDate() + 1)) {
    if (spec.years !== "any" && !spec.years.has(day.getUTCFullYear())) continue;
    if (!spec.months.has(day.getUTCMonth() + 1) || !spec.day(day)) continue;
    for (const hour of [...spec.hours].sort((a, b) => a - b)) {
      for (const minute of [...spec.minutes].sort((a, b) => a - b)) {
        const candidate = new Date(day.getTime() + hour * 3_600_000 + minute * 60_000);
        if (candidate.getTime() >= start.getTime()) return candidate;
      }
    }
  }
  return undefined;
}

function parseCron(body: string, expression: string): CronSpec {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleError(
      `"${expression}": cron takes 6 fields (minutes hours day-of-month month day-of-week year); got ${fields.length}`,
    );
  }
  const [min, hour, dom, month, dow, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if ((dom === "?") === (dow === "?")) {
    throw new ScheduleError(
      `"${expression}": exactly one of day-of-month and day-of-week must be "?"`,
    );
  }
  const fail = (message: string): never => {
    throw new ScheduleError(`"${expression}": ${message}`);
  };
  return {
    minutes: parseField(min, 0, 59, [], fail, "minutes"),
    hours: parseField(hour, 0, 23, [], fail, "hours"),
    months: parseField(month, 1, 12, MONTHS, fail, "month"),
    years: year === "*" ? "any" : parseField(year, 1970, 2199, [], fail, "year"),
    day: dom === "?" ? weekdayMatcher(dow, fail) : monthDayMatcher(dom, fail),
  };
}

function parseField(
  field: string,
  min: number,
  max: number,
  names: readonly string[],
  fail: (message: string) => never,
  label: string,
): Set<number> {
  const values = new Set<number>();
  const value = (token: string): number => {
    const index = names.indexOf(token.toUpperCase());
    const n = index >= 0 ? index + min : Number(token);
    if (!Number.isInteger(n) || n < min || n > max)
      fail(`${label} value "${token}" is not in ${min}-${max}`);
    return n;
  };
  for (const part of field.split(",")) {
    const [range = "", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      fail(`${label} step "${stepText}" is not a positive whole number`);
    let low: number;
    let high: number;
    if (range === "*") {
      low = min;
      high = max;
    } else if (range.includes("-")) {
      const [a = "", b = ""] = range.split("-");
      low = value(a);
      high = value(b);
    } else {
      low = value(range);
      high = stepText === undefined ? low : max;
    }
    for (let n = low; n <= high; n += step) values.add(n);
  }
  return values;
}

function monthDayMatcher(field: string, fail: (message: string) => never): (date: Date) => boolean {
  if (/W/i.test(field))
    fail(`day-of-month "${field}": W (nearest weekday) is not supported by the local scheduler`);
  if (field.toUpperCase() === "L") return (date) => date.getUTCDate() === daysInMonth(date);
  const days = parseField(field, 1, 31, [], fail, "day-of-month");
  return (date) => days.has(date.getUTCDate());
}

function weekdayMatcher(field: string, fail: (message: string) => never): (date: Date) => boolean {
  const nth = /^([A-Z0-9]+)#([1-5])$/i.exec(field);
  if (nth) {
    const weekday = parseField(nth[1] ?? "", 1, 7, WEEKDAYS, fail, "day-of-week");
    const k = Number(nth[2]);
    return (date) => weekday.has(date.getUTCDay() + 1) && Math.ceil(date.getUTCDate() / 7) === k;
  }
  const last = /^([A-Z0-9]+)L$/i.exec(field);
  if (last) {
    const weekday = parseField(last[1] ?? "", 1, 7, WEEKDAYS, fail, "day-of-week");
    return (date) => weekday.has(date.getUTCDay() + 1) && date.getUTCDate() + 7 > daysInMonth(date);
  }
  const days = parseField(field, 1, 7, WEEKDAYS, fail, "day-of-week");
  return (date) => days.has(date.getUTCDay() + 1);
}

const daysInMonth = (date: Date): number =>
  new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();

/**
 * Runs `fire` on the schedule until stopped. Timers are unref'd so a schedule never keeps the
 * process alive on its own.
 */
export function startSchedule(
  schedule: Schedule,
  fire: (at: Date) => void,
  now: () => Date = () => new Date(),
): { stop(): void } {
  const startedAt = now();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = (after: Date): void => {
    const next = nextFire(schedule, after, startedAt);
    if (next === undefined || stopped) return;
    // setTimeout cannot wait longer than ~24.8 days: re-arm in steps.
    const delay = Math.min(next.getTime() - now().getTime(), 2_000_000_000);
    timer = setTimeout(
      () => {
        if (now().getTime() >= next.getTime()) {
          fire(next);
          arm(next);
        } else {
          arm(after);
        }
      },
      Math.max(0, delay),
    );
    timer.unref();
  };
  arm(startedAt);
  return {
    stop(): void {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
