/**
 * Checks across steps: unique ids, `dependsOn` targets and cycles, and what every template and
 * condition may read. A step may read the steps guaranteed to have finished before it runs: its
 * ancestors in its list's dependency graph and the ancestors of the steps enclosing it. Steps
 * inside a parallel step count as finished once the parallel step has; steps inside choice cases
 * and map bodies are never readable from outside. A compensation may also read its own step.
 */
import { conditionRefs } from "../condition.ts";
import { ancestors, findCycle, type GraphNode } from "../graph.ts";
import { parseTemplate, strings, type TemplateRef, templateIssues } from "../template.ts";
import type { Area, Site, StepList, StepNode } from "./nodes.ts";
import { at, didYouMean, type Report } from "./problem-report.ts";

/** Which step ids are guaranteed to have finished (a set, or a view computed on demand). */
interface Readable {
  has(id: string): boolean;
}

interface Scope {
  /** Ids that are finished before anything in this list starts. */
  readonly readable: Readable;
  readonly inMap: boolean;
  /** Inside a loop body (at any depth): `iteration` is bound. */
  readonly inLoop: boolean;
  /** A cycle upstream makes "finished before" meaningless; skip those checks. */
  readonly cyclic: boolean;
}

interface Located {
  readonly node: StepNode;
  readonly list: StepList;
  /** Whether a choice or map step encloses it (then it is unreadable from outside). */
  readonly hidden: boolean;
  /**
   * The loops and parallel steps enclosing it: let go by their onError, they end without (all) its
   * results.
   */
  readonly loops: readonly StepNode[];
}

/** Runs every cross-step check and returns each step's resolved `dependsOn`. */
export function checkReferences(
  report: Report,
  steps: StepList,
  output: { readonly value: unknown; readonly pointer: string } | undefined,
): Map<StepNode, readonly string[]> {
  const ids = indexIds(report, steps);
  const checker = new Checker(report, ids);
  checker.list(steps, { readable: new Set(), inMap: false, inLoop: false, cyclic: false });
  if (output !== undefined) {
    const readable = new Set(steps.nodes.flatMap(exported));
    checker.site(
      { kind: "value", pointer: output.pointer, value: output.value as never, area: "step" },
      readable,
      {
        inMap: false,
        inLoop: false,
        cyclic: false,
        self: undefined,
      },
    );
  }
  return checker.resolved;
}

function indexIds(report: Report, root: StepList): Map<string, Located> {
  const ids = new Map<string, Located>();
  const visit = (list: StepList, hidden: boolean, loops: readonly StepNode[] = []): void => {
    for (const node of list.nodes) {
      if (node.id !== undefined) {
        const first = ids.get(node.id);
        if (first) {
          report.error(
            "E_DUPLICATE_ID",
            at(node.pointer, "id"),
            `id "${node.id}" is already used by the step at ${first.node.pointer}`,
            "step ids are unique across the whole workflow, nested steps included",
          );
        } else {
          ids.set(node.id, { node, list, hidden, loops });
        }
      }
      const hides = node.kind === "choice" || node.kind === "map";
      // Loops and parallel steps export their steps' results; with onError they may end without.
      const inner = node.exportsChildren ? [...loops, node] : loops;
      for (const child of node.children) visit(child, hidden || hides, inner);
      // A fallback runs only when its step failed: like a choice case, it is not readable outside.
      if (node.onError?.fallback) visit(node.onError.fallback, true, loops);
    }
  };
  visit(root, false);
  return ids;
}

/** A step's id and, for parallel steps, the ids of the steps inside it. */
function exported(node: StepNode): string[] {
  const own = node.id === undefined ? [] : [node.id];
  if (!node.exportsChildren) return own;
  return [...own, ...node.children.flatMap((list) => list.nodes.flatMap(exported))];
}

interface SiteScope {
  readonly inMap: boolean;
  readonly inLoop: boolean;
  readonly cyclic: boolean;
  /** The step whose fields these are (readable in its compensation). */
  readonly self: StepNode | undefined;
}

class Checker {
  readonly resolved = new Map<StepNode, readonly string[]>();

  constructor(
    private readonly report: Report,
    private readonly ids: ReadonlyMap<string, Located>,
  ) {}

  list(list: StepList, scope: Scope): void {
    const { nodes } = list;
    const local = new Set(nodes.flatMap((n) => (n.id === undefined ? [] : [n.id])));
    const graph: GraphNode[] = [];
    nodes.forEach((node, i) => {
      const deps = this.dependencies(node, nodes[i - 1], local);
      this.resolved.set(node, deps);
      // A duplicate id is reported already; keeping it out of the graph avoids a bogus cycle.
      if (node.id !== undefined && !graph.some((g) => g.id === node.id)) {
        graph.push({ id: node.id, dependsOn: deps.filter((d) => d !== node.id) });
      }
    });
    const cycle = findCycle(graph);
    if (cycle) this.reportCycle(cycle, nodes);
    const cyclic = scope.cyclic || cycle !== undefined;
    const anc = ancestors(graph);
    const byId = new Map(nodes.flatMap((n) => (n.id === undefined ? [] : [[n.id, n] as const])));
    // Which local step makes each id readable once finished: itself, or the parallel step holding it.
    const exporter = new Map<string, string>();
    for (const n of nodes)
      if (n.id !== undefined) for (const e of exported(n)) exporter.set(e, n.id);
    for (const node of nodes) {
      const ancestorsOfNode = node.id === undefined ? undefined : anc.get(node.id);
      // A view, not a copy: copying the readable ids per step made large workflows quadratic.
      const readable: Readable = {
        has: (id) => {
          const local = exporter.get(id);
          return local === undefined
            ? scope.readable.has(id)
            : (ancestorsOfNode?.has(local) ?? false);
        },
      };
      const ender = firstEnder(ancestorsOfNode, byId);
      if (ender && !cyclic) {
        this.report.warning(
          "W_UNREACHABLE_STEP",
          node.pointer,
          `step "${node.id}" runs after ${ender.kind} step "${ender.id}", so it never runs`,
        );
      }
      const siteScope = { inMap: scope.inMap, inLoop: scope.inLoop, cyclic, self: node };
      for (const site of node.sites) {
        if (site.kind === "when" && site.until === true) {
          // A loop's `until` runs after each iteration: every step of the body has finished.
          const body = new Set(node.children.flatMap((l) => l.nodes.flatMap(exported)));
          const afterBody: Readable = { has: (id) => body.has(id) || readable.has(id) };
          this.site(site, afterBody, { ...siteScope, inLoop: true });
        } else {
          this.site(site, readable, siteScope);
        }
      }
      const inner: Scope = {
        readable,
        inMap: scope.inMap || node.kind === "map",
        inLoop: scope.inLoop || node.loop === true,
        cyclic,
      };
      for (const child of node.children) this.list(child, inner);
      const fallback = node.onError?.fallback;
      if (fallback !== undefined) {
        // The fallback runs once its step has failed: it may read the step's `error`.
        const self = node.id;
        const failed: Readable = { has: (id) => id === self || readable.has(id) };
        this.list(fallback, { ...scope, readable: failed, cyclic });
      }
    }
  }

  /** Resolves a step's dependencies, reporting unknown ones and itself. */
  private dependencies(
    node: StepNode,
    previous: StepNode | undefined,
    local: ReadonlySet<string>,
  ): string[] {
    if (node.dependsOn === undefined) return previous?.id === undefined ? [] : [previous.id];
    const deps: string[] = [];
    for (const dep of node.dependsOn) {
      if (dep.id === node.id) {
        this.report.error(
          "E_SELF_DEPENDENCY",
          dep.pointer,
          `step "${dep.id}" cannot depend on itself`,
        );
      } else if (!local.has(dep.id)) {
        const elsewhere = this.ids.get(dep.id);
        const message = elsewhere
          ? `dependsOn "${dep.id}" names a step in another list (${elsewhere.node.pointer})`
          : `dependsOn names unknown step "${dep.id}"`;
        const hint = elsewhere
          ? "dependsOn only orders steps of the same list; templates may still read finished steps"
          : didYouMean(dep.id, local);
        this.report.error("E_UNKNOWN_DEPENDENCY", dep.pointer, message, hint);
      } else {
        deps.push(dep.id);
      }
    }
    return deps;
  }

  private reportCycle(cycle: readonly string[], nodes: readonly StepNode[]): void {
    const first = nodes.find((n) => n.id === cycle[0]);
    const pointer =
      first === undefined
        ? ""
        : first.dependsOn === undefined
          ? first.pointer
          : at(first.pointer, "dependsOn");
    this.report.error(
      "E_CYCLE",
      pointer,
      `steps depend on each other in a cycle: ${cycle.join(" → ")}`,
      "remove one of these dependsOn entries",
    );
  }

  site(site: Site, readable: Readable, scope: SiteScope): void {
    if (site.kind === "when") {
      for (const ref of conditionRefs(site.condition))
        this.ref(ref, site.pointer, readable, "step", scope, true);
      return;
    }
    const self = site.area === "compensate" ? scope.self?.id : undefined;
    const ownRead: Readable =
      self === undefined ? readable : { has: (id) => id === self || readable.has(id) };
    for (const [pointer, text] of strings(site.value, site.pointer)) {
      const parsed = parseTemplate(text);
      if ("error" in parsed) {
        this.report.error(
          "E_TEMPLATE",
          pointer,
          `cannot parse template: ${parsed.error}`,
          'write "{{ input.field }}", "{{ steps.<id>.body.field }}"…',
        );
        continue;
      }
      for (const part of parsed.parts)
        if ("ref" in part) this.ref(part.ref, pointer, ownRead, site.area, scope);
    }
    for (const issue of templateIssues(site.value)) {
      this.report.error(issue.code, `${site.pointer}${issue.pointer}`, issue.message);
    }
  }

  private ref(
    ref: TemplateRef,
    pointer: string,
    readable: Readable,
    area: Area,
    scope: SiteScope,
    condition = false,
  ): void {
    const { report } = this;
    if ((ref.root === "item" || ref.root === "index") && !scope.inMap) {
      report.error(
        "E_TEMPLATE_SCOPE",
        pointer,
        `"${ref.source}" is only bound inside a map step's steps`,
      );
    } else if (ref.root === "iteration" && !scope.inLoop) {
      report.error(
        "E_TEMPLATE_SCOPE",
        pointer,
        `"${ref.source}" is only bound inside a loop step's steps and its until`,
      );
    } else if (ref.root === "error" && area !== "compensate") {
      report.error(
        "E_TEMPLATE_SCOPE",
        pointer,
        `"${ref.source}" is only bound inside "compensate"`,
      );
    } else if (ref.root === "steps") {
      const id = String(ref.path[0]);
      const target = this.ids.get(id);
      if (!target) {
        report.error(
          "E_UNKNOWN_STEP_REF",
          pointer,
          `"${ref.source}" reads unknown step "${id}"`,
          didYouMean(id, this.ids.keys()),
        );
      } else if (!readable.has(id) && !scope.cyclic) {
        report.error(
          "E_STEP_NOT_FINISHED",
          pointer,
          `"${ref.source}" reads step "${id}", which is not guaranteed to have finished here`,
          this.notFinishedHint(id, target, scope.self),
        );
      } else {
        this.failedRead(ref, pointer, target, area, condition, scope);
      }
    }
  }

  /**
   * What a step with `onError` leaves: `{error: {name, message}}` when it failed and was continued
   * or replaced by its fallback. `error` is there only then; anything else may be absent then.
   */
  private failedRead(
    ref: TemplateRef,
    pointer: string,
    located: Located,
    area: Area,
    condition: boolean,
    scope: SiteScope,
  ): void {
    const target = located.node;
    const field = ref.path[1];
    if (field === "error") {
      if (target.onError === undefined) {
        this.report.error(
          "E_ERROR_READ",
          pointer,
          `"${ref.source}" reads the error of step "${target.id}", which has no onError: it never continues after failing`,
          'add "onError: continue" (or a fallback) to the step, or read its result',
        );
      }
      return;
    }
    // Conditions treat an absent value as false; a compensation runs only when its step succeeded
    // or may have taken effect; `??` gives a default.
    if (condition || ref.fallback !== undefined) return;
    if (area === "compensate" && scope.self === target) return;
    // Read from outside a loop that onError may let go: its last iteration is not merged then.
    const loop = located.loops.find(
      (l) => l.onError !== undefined && l !== scope.self && !this.inside(scope.self, l),
    );
    const failing = target.onError !== undefined ? target : loop;
    if (failing === undefined) return;
    this.report.warning(
      "W_FAILED_STEP_READ",
      pointer,
      `"${ref.source}" is absent when step "${failing.id}" fails (its onError lets the workflow go on): this step then fails with Baton.TemplateError`,
      `write "{{ ${ref.source} ?? <default> }}", or test "exists steps.${failing.id}.error" in a when`,
    );
  }

  /** Whether `node` sits inside `loop`'s body (at any depth). */
  private inside(node: StepNode | undefined, loop: StepNode): boolean {
    if (node?.id === undefined) return false;
    return this.ids.get(node.id)?.loops.includes(loop) === true;
  }

  private notFinishedHint(id: string, target: Located, self: StepNode | undefined): string {
    if (self !== undefined && target.node === self)
      return "a step can read its own result only in its compensate";
    if (self !== undefined && target.list.nodes.includes(self))
      return `add "${id}" to this step's dependsOn`;
    if (target.hidden)
      return "steps inside a choice case or a map are not readable outside it; read the choice or map step's result";
    return "only steps that finish before this one (its dependencies and theirs) can be read";
  }
}

/** A step with its own `when` may be skipped, so steps after it can still run. */
const isConditional = (node: StepNode): boolean =>
  node.sites.some((site) => site.kind === "when" && site.pointer === at(node.pointer, "when"));

/** The first unconditional fail or succeed step among `ids`: steps after it never run. */
function firstEnder(
  ids: Iterable<string> | undefined,
  byId: ReadonlyMap<string, StepNode>,
): StepNode | undefined {
  for (const id of ids ?? []) {
    const n = byId.get(id);
    if (n && (n.kind === "fail" || n.kind === "succeed") && !isConditional(n)) return n;
  }
  return undefined;
}
