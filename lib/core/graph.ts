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
  const deps = dependencyMap(nodes);
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < nodes.length) {
    const next = nodes.find(
      (n) => !done.has(n.id) && (deps.get(n.id) ?? []).every((d) => done.has(d)),
    );
    if (!next)
      throw new Error(`Cannot order steps: cycle among ${nodes.map((n) => n.id).join(", ")}`);
    done.add(next.id);
    order.push(next.id);
  }
  return order;
}

/**
 * Lowers a DAG into sequences and parallel groups that never run a step before its dependencies.
 * Independent components run in parallel; steps that every other step depends on (or that depend on
 * every other step) split the graph into a sequence; what remains splits at its first level.
 */
export function lower(nodes: readonly GraphNode[]): Plan {
  if (nodes.length === 0) return { kind: "sequence", items: [] };
  const ids = new Set(nodes.map((n) => n.id));
  const local = nodes.map((n) => ({ id: n.id, dependsOn: n.dependsOn.filter((d) => ids.has(d)) }));
  return lowerLocal(local);
}

function lowerLocal(nodes: readonly GraphNode[]): Plan {
  const [only] = nodes;
  if (nodes.length === 1 && only) return { kind: "step", id: only.id };
  const components = connectedComponents(nodes);
  if (components.length > 1) {
    return { kind: "parallel", branches: components.map((c) => lowerLocal(c)) };
  }
  const anc = ancestors(nodes);
  const desc = descendants(nodes, anc);
  const order = topologicalOrder(nodes);
  const pivots = order.filter(
    (id) => (anc.get(id)?.size ?? 0) + (desc.get(id)?.size ?? 0) === nodes.length - 1,
  );
  if (pivots.length > 0) return sequenceAround(nodes, order, new Set(pivots));
  const first = new Set(nodes.filter((n) => n.dependsOn.length === 0).map((n) => n.id));
  return sequence([
    lowerLocal(nodes.filter((n) => first.has(n.id))),
    lowerLocal(restricted(nodes, (id) => !first.has(id))),
  ]);
}

function sequenceAround(
  nodes: readonly GraphNode[],
  order: readonly string[],
  pivots: ReadonlySet<string>,
): Plan {
  const items: Plan[] = [];
  let segment: string[] = [];
  const flush = () => {
    if (segment.length > 0) items.push(lowerLocal(restricted(nodes, new Set(segment))));
    segment = [];
  };
  for (const id of order) {
    if (pivots.has(id)) {
      flush();
      items.push({ kind: "step", id });
    } else {
      segment.push(id);
    }
  }
  flush();
  return sequence(items);
}

function sequence(items: readonly Plan[]): Plan {
  const flat = items.flatMap((p) => (p.kind === "sequence" ? p.items : [p]));
  const [only] = flat;
  return flat.length === 1 && only ? only : { kind: "sequence", items: flat };
}

function restricted(
  nodes: readonly GraphNode[],
  keep: ReadonlySet<string> | ((id: string) => boolean),
): GraphNode[] {
  const has = typeof keep === "function" ? keep : (id: string) => keep.has(id);
  return nodes
    .filter((n) => has(n.id))
    .map((n) => ({ id: n.id, dependsOn: n.dependsOn.filter(has) }));
}

function connectedComponents(nodes: readonly GraphNode[]): GraphNode[][] {
  const parent = new Map(nodes.map((n) => [n.id, n.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(id, root);
    return root;
  };
  for (const n of nodes) for (const d of n.dependsOn) parent.set(find(n.id), find(d));
  const groups = new Map<string, GraphNode[]>();
  for (const n of nodes) {
    const root = find(n.id);
    groups.set(root, [...(groups.get(root) ?? []), n]);
  }
  return [...groups.values()];
}

function descendants(
  nodes: readonly GraphNode[],
  anc: ReadonlyMap<string, ReadonlySet<string>>,
): Map<string, Set<string>> {
  const result = new Map(nodes.map((n) => [n.id, new Set<string>()]));
  for (const [id, set] of anc) for (const a of set) result.get(a)?.add(id);
  return result;
}

function dependencyMap(nodes: readonly GraphNode[]): Map<string, readonly string[]> {
  return new Map(nodes.map((n) => [n.id, n.dependsOn]));
}
