/** Collects the states of one state-machine scope and refuses duplicate names. */
import type { State, StateMachineDefinition } from "../asl.ts";

export class StateGraph {
  private readonly states = new Map<string, State>();

  add(name: string, state: State): string {
    if (this.states.has(name)) throw new Error(`Duplicate state name "${name}" (compiler bug)`);
    if (name.length > 80)
      throw new Error(`State name "${name}" exceeds 80 characters (compiler bug)`);
    this.states.set(name, state);
    return name;
  }

  has(name: string): boolean {
    return this.states.has(name);
  }

  get(name: string): State | undefined {
    return this.states.get(name);
  }

  /** Replaces a state already added (same name, so every transition to it still holds). */
  replace(name: string, state: State): void {
    if (!this.states.has(name)) throw new Error(`No state "${name}" to replace (compiler bug)`);
    this.states.set(name, state);
  }

  /**
   * Ends every state that goes on to `target` there instead, applying `outputPath` (what `target`
   * would have output), when the state can end itself: a Choice cannot, so it keeps going to
   * `target`. Saves the transition into `target` on the paths that reach it that way.
   */
  endInsteadOf(target: string, outputPath: string): void {
    for (const [name, state] of this.states) {
      if (state.Type === "Choice" || !("Next" in state) || state.Next !== target) continue;
      if (state.OutputPath !== undefined) continue;
      const { Next: _next, ...rest } = state;
      this.states.set(name, { ...rest, OutputPath: outputPath, End: true } as State);
    }
  }

  /** The definition with only the states reachable from `startAt` (ASL rejects unreachable ones). */
  toDefinition(
    startAt: string,
    extra: Partial<StateMachineDefinition> = {},
  ): StateMachineDefinition {
    const reachable = new Set<string>();
    const visit = (name: string): void => {
      if (reachable.has(name)) return;
      const state = this.states.get(name);
      if (!state) throw new Error(`Transition to unknown state "${name}" (compiler bug)`);
      reachable.add(name);
      for (const next of successors(state)) visit(next);
    };
    visit(startAt);
    const states = [...this.states].filter(([name]) => reachable.has(name));
    return { ...extra, StartAt: startAt, States: Object.fromEntries(states) };
  }
}

function successors(state: State): string[] {
  const next: string[] = [];
  if ("Next" in state && typeof state.Next === "string") next.push(state.Next);
  if (state.Type === "Choice") {
    next.push(...state.Choices.map((c) => c.Next));
    if (state.Default !== undefined) next.push(state.Default);
  }
  if ("Catch" in state && state.Catch) next.push(...state.Catch.map((c) => c.Next));
  return next;
}

/** `Next` to a state, or `End` when there is no next state (end of a branch). */
export const goTo = (next: string | null): { Next: string } | { End: true } =>
  next === null ? { End: true } : { Next: next };
