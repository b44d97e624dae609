/**
 * Timers for workflow schedules in `baton dev`. The expressions are parsed and validated in core
 * (`lib/core/schedule.ts`), so a schedule that reaches here is one EventBridge would accept too.
 */
import { nextFire, type Schedule } from "../core/schedule.ts";

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
