/**
 * EventBridge schedule expressions for workflow `triggers`, parsed once for everyone: the
 * validator reports what does not parse (so `validate` and `cdk synth` refuse what EventBridge
 * would), and `baton dev` fires what does (`nextFire`; its timers live in `lib/local/schedule-timers.ts`).
 *
 * `rate(<n> <unit>)` with a singular unit for 1, or `cron(<minutes> <hours> <day-of-month>
 * <month> <day-of-week> <year>)` evaluated in UTC as EventBridge rules are: `*`, `?`, lists,
 * ranges, `/` steps, month and day names, `L` (last day of the month, or `<d>L` the last weekday
 * d of the month), `<d>#<k>` (the k-th weekday d) and `<n>W` / `LW` (the weekday nearest day n,
 * or the last weekday). Exactly one of day-of-month and day-of-week is `?`.
 */

export type Schedule =
  | { readonly kind: "rate"; readonly everyMs: number }
  | { readonly kind: "cron"; readonly cron: CronSpec };

export interface CronSpec {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly years: ReadonlySet<number> | "any";
  readonly day: (date: Date) => boolean;
}

/** Why an expression is refused, and what to write instead. */
export interface ScheduleProblem {
  readonly message: string;
  readonly hint: string;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const RATE_LIKE = /^rate\(/;
const CRON = /^cron\((.*)\)$/;
const CRON_CHARS = /^[0-9A-Za-z*?,/#-]+$/;
const CRON_HINT = "e.g. cron(0 12 * * ? *): minutes hours day-of-month month day-of-week year";

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

/** The schedule, or why EventBridge would refuse the expression. */
export function parseSchedule(expression: string): Schedule | ScheduleProblem {
  const rate = RATE.exec(expression);
  if (rate) return parseRate(expression, Number(rate[1]), rate[2] ?? "");
  const cron = CRON.exec(expression);
  if (cron) {
    try {
      return { kind: "cron", cron: parseCron(cron[1] ?? "") };
    } catch (error) {
      if (!(error instanceof CronFieldError)) throw error;
      return { message: `invalid schedule "${expression}": ${error.message}`, hint: CRON_HINT };
    }
  }
  return {
    message: `invalid schedule "${expression}"`,
    hint: RATE_LIKE.test(expression)
      ? "write rate(<n> minutes|hours|days), e.g. rate(5 minutes) or rate(1 hour)"
      : "use rate(<n> minutes|hours|days) or cron(<6 fields>)",
  };
}

export const isScheduleProblem = (value: Schedule | ScheduleProblem): value is ScheduleProblem =>
  "message" in value;

function parseRate(expression: string, amount: number, unit: string): Schedule | ScheduleProblem {
  const singular = !unit.endsWith("s");
  const base = unit.replace(/s$/, "");
  if (amount < 1) {
    return { message: `invalid schedule "${expression}"`, hint: "the rate must be at least 1" };
  }
  if (singular !== (amount === 1)) {
    const fixed = amount === 1 ? base : `${base}s`;
    return { message: `invalid schedule "${expression}"`, hint: `write rate(${amount} ${fixed})` };
  }
  return { kind: "rate", everyMs: amount * (UNIT_MS[unit] ?? 0) };
}

class CronFieldError extends Error {
  override readonly name = "CronFieldError";
}

const fail = (message: string): never => {
  throw new CronFieldError(message);
};

function parseCron(body: string): CronSpec {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    fail(
      `cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  if (!fields.every((f) => CRON_CHARS.test(f)))
    fail("cron fields hold only digits, letters, * ? , / - #");
  const [min = "", hour = "", dom = "", month = "", dow = "", year = ""] = fields;
  if ((dom === "?") === (dow === "?"))
    fail('exactly one of day-of-month and day-of-week must be "?"');
  return {
    minutes: parseField(min, 0, 59, [], "minutes"),
    hours: parseField(hour, 0, 23, [], "hours"),
    months: parseField(month, 1, 12, MONTHS, "month"),
    years: year === "*" ? "any" : parseField(year, 1970, 2199, [], "year"),
    day: dom === "?" ? weekdayMatcher(dow) : monthDayMatcher(dom),
  };
}

function parseField(
  field: string,
  min: number,
  max: number,
  names: readonly string[],
  label: string,
): Set<number> {
  const values = new Set<number>();
  const value = (token: string): number => {
    const index = names.indexOf(token.toUpperCase());
    const n = index >= 0 ? index + min : /^\d+$/.test(token) ? Number(token) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      const named = names.length > 0 ? ` or ${names[0]}-${names[names.length - 1]}` : "";
      fail(`${label} value "${token}" is not in ${min}-${max}${named}`);
    }
    return n;
  };
  for (const part of field.split(",")) {
    const [range = "", stepText, extra] = part.split("/");
    if (extra !== undefined) fail(`${label} "${part}" has more than one "/"`);
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) ? Number(stepText) : 0;
    if (step < 1) fail(`${label} step "${stepText}" is not a positive whole number`);
    let low: number;
    let high: number;
    if (range === "*") {
      low = min;
      high = max;
    } else if (range.includes("-")) {
      const [a = "", b = "", more] = range.split("-");
      if (more !== undefined) fail(`${label} range "${range}" has more than one "-"`);
      low = value(a);
      high = value(b);
      if (low > high) fail(`${label} range "${range}" goes backwards`);
    } else {
      low = value(range);
      high = stepText === undefined ? low : max;
    }
    for (let n = low; n <= high; n += step) values.add(n);
  }
  return values;
}

function monthDayMatcher(field: string): (date: Date) => boolean {
  const upper = field.toUpperCase();
  if (upper === "L") return (date) => date.getUTCDate() === daysInMonth(date);
  if (upper === "LW") return (date) => date.getUTCDate() === lastWeekday(date);
  const nearest = /^(\d{1,2})W$/.exec(upper);
  if (nearest) {
    const day = Number(nearest[1]);
    if (day < 1 || day > 31) fail(`day-of-month "${field}": W needs a day in 1-31`);
    return (date) => date.getUTCDate() === nearestWeekday(date, day);
  }
  if (/[LW]/.test(upper)) {
    fail(`day-of-month "${field}": L and W are written L, LW or <day>W (e.g. 15W), alone`);
  }
  const days = parseField(field, 1, 31, [], "day-of-month");
  return (date) => days.has(date.getUTCDate());
}

function weekdayMatcher(field: string): (date: Date) => boolean {
  const nth = /^([A-Z0-9]+)#(\d+)$/i.exec(field);
  if (nth) {
    const weekday = parseField(nth[1] ?? "", 1, 7, WEEKDAYS, "day-of-week");
    const k = Number(nth[2]);
    if (k < 1 || k > 5) fail(`day-of-week "${field}": # takes 1-5 (the k-th weekday of the month)`);
    return (date) => weekday.has(date.getUTCDay() + 1) && Math.ceil(date.getUTCDate() / 7) === k;
  }
  const last = /^([A-Z0-9]+)L$/i.exec(field);
  if (last) {
    const weekday = parseField(last[1] ?? "", 1, 7, WEEKDAYS, "day-of-week");
    return (date) => weekday.has(date.getUTCDay() + 1) && date.getUTCDate() + 7 > daysInMonth(date);
  }
  if (field.toUpperCase() === "L") return (date) => date.getUTCDay() === 6;
  const days = parseField(field, 1, 7, WEEKDAYS, "day-of-week");
  return (date) => days.has(date.getUTCDay() + 1);
}

const daysInMonth = (date: Date): number =>
  new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();

const weekdayOf = (date: Date, day: number): number =>
  new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), day)).getUTCDay();

/** The weekday nearest `day` in the month of `date`, never crossing into another month. */
function nearestWeekday(date: Date, day: number): number | undefined {
  const last = daysInMonth(date);
  if (day > last) return undefined;
  const weekday = weekdayOf(date, day);
  if (weekday === 6) return day === 1 ? 3 : day - 1;
  if (weekday === 0) return day === last ? day - 2 : day + 1;
  return day;
}

function lastWeekday(date: Date): number {
  const last = daysInMonth(date);
  const weekday = weekdayOf(date, last);
  return weekday === 6 ? last - 1 : weekday === 0 ? last - 2 : last;
}

/** The first time strictly after `after` at which the schedule fires (rates count from `startedAt`). */
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
  const hours = [...spec.hours].sort((a, b) => a - b);
  const minutes = [...spec.minutes].sort((a, b) => a - b);
  // Five years of days is enough for any expression that fires at all (29 February included).
  for (let i = 0; i < 366 * 5; i++, day.setUTCDate(day.getUTCDate() + 1)) {
    if (spec.years !== "any" && !spec.years.has(day.getUTCFullYear())) continue;
    if (!spec.months.has(day.getUTCMonth() + 1) || !spec.day(day)) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        const candidate = new Date(day.getTime() + hour * 3_600_000 + minute * 60_000);
        if (candidate.getTime() >= start.getTime()) return candidate;
      }
    }
  }
  return undefined;
}
