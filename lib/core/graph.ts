/**
 * Dependency graphs of one step list: cycle detection, ancestry, and lowering to nested
 * sequences and parallel groups (a series-parallel plan the compiler turns into ASL).
 */

export interface GraphNode {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

export type Plan =
  | { readonly kind: "step"; readonly id: string }
  | { readonly kind: "sequence"; readonly items: readonly Plan[] }
  | { readonly kind: "parallel"; readonly branches: readonly Plan[] };

/** The first cycle found, as ids with the first repeated at the end (`a → b → a`), or undefined. */
export function findCycle(nodes: readonly GraphNode[]): string[] | undefined {
  const deps = dependencyMap(nodes);
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === "done") return undefined;
    if (state.get(id) === "visiting") return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, "visiting");
    stack.push(id);
    for (const dep of deps.get(id) ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, "done");
    return undefined;
  };
  for (const node of nodes) {
    const cycle = visit(node.id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Every node's transitive dependencies (the steps guaranteed to finish before it starts). */
export function ancestors(nodes: readonly GraphNode[]): Map<string, ReadonlySet<string>> {
  const deps = dependencyMap(nodes);
  const result = new Map<string, Set<string>>();
  const visit = (id: string): Set<string> => {
    const known = result.get(id);
    if (known) return known;
    const set = new Set<string>();
    result.set(id, set); // guards against cycles; callers reject cyclic graphs first
    for (const dep of deps.get(id) ?? []) {
      set.add(dep);
      for (const a of visit(dep)) set.add(a);
    }
    return set;
  };
  for (const node of nodes) visit(node.id);
  return result;
}

/** Ids in an order consistent with dependencies, ties broken by file order. Assumes no cycle. */
export function topologicalOrder(nodes: readonly GraphNode[]): string[] {
  const position = new Map(nodes.map((n, i) => [n.id, i]));
  const waiting = nodes.map((n) => n.dependsOn.filter((d) => position.has(d)).length);
  const dependents = nodes.map((): number[] => []);
  nodes.forEach((n, i) => {
    for (const d of n.dependsOn) {
      const p = position.get(d);
      if (p !== undefined) dependents[p]?.push(i);
    }
  });
  const ready = nodes.flatMap((_, i) => (waiting[i] === 0 ? [i] : []));
  const order: string[] = [];
  while (ready.length > 0) {
    const next = ready.shift() as number;
    order.push(nodes[next]?.id ?? "");
    for (const dependent of dependents[next] ?? []) {
      waiting[dependent] = (waiting[dependent] ?? 0) - 1;
      if (waiting[dependent] === 0) insertSorted(ready, dependent);
    }
  }
  if (order.length < nodes.length) {
    throw new Error(`Cannot order steps: cycle among ${nodes.map((n) => n.id).join(", ")}`);
  }
  return order;
}

function insertSorted(list: number[], value: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, value);
}

/**
 * Lowers a DAG into sequences and parallel groups that never run a step before its dependencies.
 * Independent components run in parallel; steps that every other step depends on (or that depend on
 * every other step) split the graph into a sequence; what remains splits at its first level.
 *
 * Reachability is computed once as bitsets: every subset the recursion visits is closed under the
 * paths between its members, so "ancestors within the subset" is a mask away.
 */
export function lower(nodes: readonly GraphNode[]): Plan {
  if (nodes.length === 0) return { kind: "sequence", items: [] };
  const ids = new Set(nodes.map((n) => n.id));
  const local = nodes.map((n) => ({ id: n.id, dependsOn: n.dependsOn.filter((d) => ids.has(d)) }));
  const order = topologicalOrder(local);
  const index = new Map(order.map((id, i) => [id, i]));
  const byId = new Map(local.map((n) => [n.id, n]));
  const deps = order.map((id) => (byId.get(id)?.dependsOn ?? []).map((d) => index.get(d) ?? -1));
  const reach = new Reachability(deps);
  const plan = lowerSubset(
    order.map((_, i) => i),
    deps,
    reach,
  );
  return mapIds(plan, (i) => order[i] ?? "");
}

type IndexPlan =
  | { readonly kind: "step"; readonly id: number }
  | { readonly kind: "sequence"; readonly items: readonly IndexPlan[] }
  | { readonly kind: "parallel"; readonly branches: readonly IndexPlan[] };

/** `members` are node indexes in topological order. */
function lowerSubset(
  members: readonly number[],
  deps: readonly (readonly number[])[],
  reach: Reachability,
): IndexPlan {
  const [only] = members;
  if (members.length === 1 && only !== undefined) return { kind: "step", id: only };
  const inSet = new Set(members);
  const components = connectedComponents(members, (v) =>
    (deps[v] ?? []).filter((d) => inSet.has(d)),
  );
  if (components.length > 1) {
    return { kind: "parallel", branches: components.map((c) => lowerSubset(c, deps, reach)) };
  }
  const mask = reach.mask(members);
  const pivots = new Set(members.filter((v) => reach.related(v, mask) === members.length - 1));
  if (pivots.size > 0) {
    const items: IndexPlan[] = [];
    let segment: number[] = [];
    const flush = () => {
      if (segment.length > 0) items.push(lowerSubset(segment, deps, reach));
      segment = [];
    };
    for (const v of members) {
      if (pivots.has(v)) {
        flush();
        items.push({ kind: "step", id: v });
      } else {
        segment.push(v);
      }
    }
    flush();
    return sequence(items);
  }
  const sources = members.filter((v) => !(deps[v] ?? []).some((d) => inSet.has(d)));
  const sourceSet = new Set(sources);
  return sequence([
    lowerSubset(sources, deps, reach),
    lowerSubset(
      members.filter((v) => !sourceSet.has(v)),
      deps,
      reach,
    ),
  ]);
}

function sequence(items: readonly IndexPlan[]): IndexPlan {
  const flat = items.flatMap((p) => (p.kind === "sequence" ? p.items : [p]));
  const [only] = flat;
  return flat.length === 1 && only ? only : { kind: "sequence", items: flat };
}

function mapIds(plan: IndexPlan, name: (i: number) => string): Plan {
  switch (plan.kind) {
    case "step":
      return { kind: "step", id: name(plan.id) };
    case "sequence":
      return { kind: "sequence", items: plan.items.map((p) => mapIds(p, name)) };
    case "parallel":
      return { kind: "parallel", branches: plan.branches.map((p) => mapIds(p, name)) };
  }
}

/** Weakly connected components of `members`, each in the members' (topological) order. */
function connectedComponents(
  members: readonly number[],
  depsOf: (v: number) => readonly number[],
): number[][] {
  const parent = new Map(members.map((v) => [v, v]));
  const find = (v: number): number => {
    let root = v;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    let walk = v;
    while (walk !== root) {
      const up = parent.get(walk) ?? root;
      parent.set(walk, root);
      walk = up;
    }
    return root;
  };
  for (const v of members) for (const d of depsOf(v)) parent.set(find(v), find(d));
  const groups = new Map<number, number[]>();
  for (const v of members) {
    const root = find(v);
    const group = groups.get(root);
    if (group) group.push(v);
    else groups.set(root, [v]);
  }
  return [...groups.values()];
}

/** Ancestor and descendant sets of every node as bitsets (nodes indexed in topological order). */
class Reachability {
  private readonly words: number;
  private readonly ancestors: Uint32Array[];
  private readonly descendants: Uint32Array[];

  constructor(deps: readonly (readonly number[])[]) {
    const n = deps.length;
    this.words = Math.ceil(n / 32);
    this.ancestors = deps.map(() => new Uint32Array(this.words));
    this.descendants = deps.map(() => new Uint32Array(this.words));
    for (let v = 0; v < n; v++) {
      const own = this.ancestors[v] as Uint32Array;
      for (const d of deps[v] ?? []) {
        setBit(own, d);
        orInto(own, this.ancestors[d] as Uint32Array);
      }
    }
    for (let v = n - 1; v >= 0; v--) {
      for (const d of deps[v] ?? []) {
        const below = this.descendants[d] as Uint32Array;
        setBit(below, v);
        orInto(below, this.descendants[v] as Uint32Array);
      }
    }
  }

  mask(members: readonly number[]): Uint32Array {
    const m = new Uint32Array(this.words);
    for (const v of members) setBit(m, v);
    return m;
  }

  /** How many members are ancestors or descendants of `v`. */
  related(v: number, mask: Uint32Array): number {
    return (
      countAnd(this.ancestors[v] as Uint32Array, mask) +
      countAnd(this.descendants[v] as Uint32Array, mask)
    );
  }
}

const setBit = (bits: Uint32Array, i: number): void => {
  bits[i >>> 5] = (bits[i >>> 5] ?? 0) | (1 << (i & 31));
};

function orInto(target: Uint32Array, source: Uint32Array): void {
  for (let w = 0; w < target.length; w++) target[w] = (target[w] ?? 0) | (source[w] ?? 0);
}

function countAnd(a: Uint32Array, b: Uint32Array): number {
  let count = 0;
  for (let w = 0; w < a.length; w++) {
    let x = (a[w] ?? 0) & (b[w] ?? 0);
    while (x !== 0) {
      x &= x - 1;
      count++;
    }
  }
  return count;
}

function dependencyMap(nodes: readonly GraphNode[]): Map<string, readonly string[]> {
  return new Map(nodes.map((n) => [n.id, n.dependsOn]));
}
