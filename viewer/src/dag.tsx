// The plan as a DAG: steps (and the run's inputs) laid out by dagre, drawn as HTML nodes over SVG edges.
// Every step node carries `data-step-id` and `data-state` (the hooks the browser tests and others use).
import dagre from "@dagrejs/dagre";
import { useMemo } from "preact/hooks";

export interface StepView {
  id: string;
  label: string;
  kind: string;
  state: string;
  gate: boolean;
  shards: number | null;
  shardsDone: number | null;
  attempts: number;
}

const NODE_W = 176;
const NODE_H = 64;

/// A curve through dagre's edge points: quadratic segments between their midpoints.
function smooth(points: { x: number; y: number }[]): string {
  if (points.length < 3) return points.map((p, i) => `${i ? "L" : "M"} ${p.x} ${p.y}`).join(" ");
  let d = `M ${points[0].x} ${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const mx = (points[i].x + points[i + 1].x) / 2;
    const my = (points[i].y + points[i + 1].y) / 2;
    d += ` Q ${points[i].x} ${points[i].y} ${i === points.length - 2 ? points[i + 1].x : mx} ${i === points.length - 2 ? points[i + 1].y : my}`;
  }
  return d;
}

export function Dag(props: {
  plan: any;
  steps: Map<string, StepView>;
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  const layout = useMemo(() => {
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: "LR", nodesep: 22, ranksep: 36, marginx: 16, marginy: 16 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const s of props.plan.steps) g.setNode(s.id, { width: NODE_W, height: NODE_H });
    for (const s of props.plan.steps) {
      const from = new Set<string>();
      for (const i of s.contract?.inputs ?? []) {
        const ref: string = i.producer_ref ?? "";
        // Run inputs are listed above the graph; edges are the handoffs between steps.
        if (ref && !ref.startsWith("run:")) from.add(ref.split(":")[0]);
      }
      for (const d of s.depends_on ?? []) from.add(d);
      for (const f of from) if (g.hasNode(f)) g.setEdge(f, s.id);
    }
    dagre.layout(g);
    const graph = g.graph();
    return {
      width: (graph.width ?? 0) + 8,
      height: (graph.height ?? 0) + 8,
      nodes: g.nodes().map((n) => ({ id: n, ...(g.node(n) as any) })),
      edges: g.edges().map((e) => ({ from: e.v, to: e.w, points: (g.edge(e) as any).points as { x: number; y: number }[] })),
    };
  }, [props.plan.plan_hash]);

  return (
    <>
    <div class="dag-inputs">
      <span class="muted small">Inputs</span>
      {(props.plan.inputs ?? []).map((i: any) => <span class="dag-input" data-input={i.name} title={i.kind}>{i.name} <span class="muted">{i.kind}</span></span>)}
    </div>
    <div class="dag-scroll">
      <div class="dag" style={{ width: `${layout.width}px`, height: `${layout.height}px` }} data-testid="dag">
        <svg width={layout.width} height={layout.height} class="edges">
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
            </marker>
          </defs>
          {layout.edges.map((e) => {
            const to = props.steps.get(e.to);
            const done = to && ["published", "succeeded"].includes(to.state);
            const d = smooth(e.points);
            return <path d={d} class={done ? "edge edge-done" : "edge"} marker-end="url(#arrow)" />;
          })}
        </svg>
        {layout.nodes.map((n) => {
          const left = n.x - n.width / 2;
          const top = n.y - n.height / 2;
          const s = props.steps.get(n.id);
          if (!s) return null;
          const waiting = s.state === "awaiting_approval";
          return (
            <button
              class={`dag-node state-${s.state}${props.selected === s.id ? " selected" : ""}${waiting ? " waiting" : ""}`}
              style={{ left: `${left}px`, top: `${top}px`, width: `${n.width}px`, height: `${n.height}px` }}
              data-step-id={s.id}
              data-state={s.state}
              title={`${s.id}: ${s.state}`}
              onClick={() => props.onSelect(s.id)}
            >
              <span class="node-title">{s.label}</span>
              <span class="node-meta">
                <span class="node-state">{waiting && <span class="pause" />}{s.state.replace(/_/g, " ")}</span>
                {s.gate && !waiting && <span class="node-gate" title="an approval gate">gate</span>}
                {s.shards != null && (
                  <span class="node-shards" data-shards={s.shards} data-shards-done={s.shardsDone ?? 0}>
                    {s.shardsDone ?? 0}/{s.shards} shards
                  </span>
                )}
              </span>
              {s.shards != null && s.shards > 0 && (
                <span class="shard-bar"><span style={{ width: `${(100 * (s.shardsDone ?? 0)) / s.shards}%` }} /></span>
              )}
            </button>
          );
        })}
      </div>
    </div>
    </>
  );
}
