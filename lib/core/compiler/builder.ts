/** Collects the states of one state-machine scope and refuses duplicate names. */
import type { State, StateMachineDefinition } from "../asl.ts";

export class StateGraph {
  private readonly states = new Map<string, State>();

  add(name: string, state: State): string {
    if (this.states.has(name)) throw new Error(`Duplicate state name "${name}" (compiler bug)`);
    if (name.length > 80) throw new Error(`State name "${name}" exceeds 80 characters (compiler bug)`);
    this.states.set(name, state);
    return name;
  }

  toDefinition(startAt: string, extra: Partial<StateMachineDefinition> = {}): StateMachineDefinition {
    return { ...extra, StartAt: startAt, States: Object.fromEntries(this.states) };
  }
}

/** `Next` to a state, or `End` when there is no next state (end of a branch). */
export const goTo = (next: string | null): { Next: string } | { End: true } =>
  next === null ? { End: true } : { Next: next };
