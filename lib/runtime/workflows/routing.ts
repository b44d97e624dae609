/**
 * Aliases and their weighted routing: `live` (the default of every start) and any other name a
 * team gives. A route list sends each start to one of its versions with probability weight/100,
 * as a Step Functions alias does; Baton picks the version itself so the execution record knows
 * which version ran from its first write, here and in AWS alike.
 */

/** The alias starts use when they name neither a version nor an alias. */
export const LIVE_ALIAS = "live";

export const ALIAS_NAME = /^[a-z][a-z0-9-]{0,79}$/;

/** Step Functions alias routing allows at most two versions. */
export const MAX_ROUTES = 2;

export interface AliasRoute {
  readonly version: number;
  /** Percent of starts, 0 to 100; the routes of an alias add up to 100. */
  readonly weight: number;
}

export type Routing = readonly AliasRoute[];

/** Aliases by name. */
export type Aliases = Readonly<Record<string, Routing>>;

/** The version a start through `routing` runs; `random` in [0, 1). */
export function pickVersion(routing: Routing, random: number): number | undefined {
  let threshold = random * 100;
  for (const route of routing) {
    if (threshold < route.weight) return route.version;
    threshold -= route.weight;
  }
  return routing.at(-1)?.version;
}

/** The version most starts through `routing` run (ties: the newer), shown as the current one. */
export function primaryVersion(routing: Routing): number | undefined {
  let best: AliasRoute | undefined;
  for (const route of routing) {
    if (
      best === undefined ||
      route.weight > best.weight ||
      (route.weight === best.weight && route.version > best.version)
    )
      best = route;
  }
  return best?.version;
}

export const singleVersion = (version: number): Routing => [{ version, weight: 100 }];
