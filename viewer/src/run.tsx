// The run page: header, the plan as a live DAG (the run's event stream, no polling), decisions, the step
// panel, the artifacts and the trace of any value.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { can, enc, get, post, Principal, Problem } from "./api";
import { Artifact, ArtifactView, listArtifacts } from "./artifacts";
import { Dag, StepView } from "./dag";
import { duration, short, stateClass, usd, when } from "./format";
import { Link } from "./router";
import { ProblemCard } from "./runs";
import { StepPanel, stepOf } from "./step";
import { TracePanel } from "./trace";

const ENDED = ["succeeded", "failed", "cancelled", "expired"];
const WAITING = ["awaiting_approval", "awaiting_repair"];

export function RunPage(props: { id: string; who: Principal }) {
  const id = props.id;
  const [status, setStatus] = useState<any>(null);
  const [plan, setPlan] = useState<any>(null);
  const [log, setLog] = useState<any[]>([]);
  const [error, setError] = useState<Problem | null>(null);
  const [live, setLive] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [side, setSide] = useState<"step" | "trace" | null>(null);
  const [trace, setTrace] = useState<{ artifact: string; pointer: string; label: string } | null>(null);
  const [artifacts, setArtifacts] = useState<Artifact[]>([]);
  const [showAll, setShowAll] = useState(false);
  const [current, setCurrent] = useState<string | null>(null);
  const [streamGen, setStreamGen] = useState(0);
  const refreshing = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  // One refresh at a time; an event arriving meanwhile asks for one more afterwards.
  const refresh = async () => {
    if (refreshing.current) {
      again.current = true;
      return refreshing.current;
    }
    const run = async () => {
      do {
        again.current = false;
        const [s, l] = await Promise.all([get(`/v1/runs/${enc(id)}`), get(`/v1/runs/${enc(id)}/log`)]);
        setStatus(s);
        setLog(l.events ?? []);
      } while (again.current);
    };
    refreshing.current = run().catch((e) => setError(e)).finally(() => (refreshing.current = null));
    return refreshing.current;
  };

  useEffect(() => {
    setError(null);
    setStatus(null);
    setPlan(null);
    Promise.all([get(`/v1/runs/${enc(id)}`), get(`/v1/runs/${enc(id)}/plan`)])
      .then(([s, p]) => {
        setStatus(s);
        setPlan(p);
        return refresh();
      })
      .catch(setError);
  }, [id]);

  // Live: the run's server-sent events; each progress event re-reads the status. The stream ends by itself when
  // the run ends or waits for approval; a decision made here opens it again.
  useEffect(() => {
    if (!status || ENDED.includes(status.state)) return;
    if (WAITING.includes(status.state) && streamGen === 0) return;
    const es = new EventSource(`/v1/runs/${enc(id)}/events`);
    setLive(true);
    es.addEventListener("progress", (ev) => {
      let body: any = {};
      try {
        body = JSON.parse((ev as MessageEvent).data);
      } catch {
        /* a malformed event only costs a refresh */
      }
      refresh();
      if (ENDED.includes(body.state) || WAITING.includes(body.state)) {
        es.close();
        setLive(false);
      }
    });
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) setLive(false);
    };
    return () => {
      es.close();
      setLive(false);
    };
  }, [id, plan != null, streamGen, status && (ENDED.includes(status.state) || WAITING.includes(status.state)) ? "still" : "moving"]);

  // While the run goes on, its duration counts up (a display clock, not a poll: nothing is fetched).
  const [, tick] = useState(0);
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [live]);

  useEffect(() => {
    if (!status) return;
    listArtifacts(id, showAll).then((a) => {
      setArtifacts(a);
      setCurrent((c) => (c && a.some((x) => x.name === c) ? c : (a.find((x) => x.name === "summary.json") ?? a[0])?.name ?? null));
    }).catch(() => setArtifacts([]));
  }, [id, showAll, status?.progress?.done, status?.state]);

  const inputs: Record<string, string> = useMemo(() => {
    const start = log.find((e) => e.event?.type === "start");
    return start?.event?.inputs ?? {};
  }, [log.length > 0]);

  const steps = useMemo(() => {
    const m = new Map<string, StepView>();
    if (!plan) return m;
    const shardsDone = new Map<string, Set<string>>();
    for (const e of log) {
      if (e.event?.type === "sandbox_returned" && e.event.receipt?.status === "ok") {
        const parts = String(e.event.attempt_id).split("/");
        if (parts[2]?.startsWith("s")) {
          const sid = parts[1];
          if (!shardsDone.has(sid)) shardsDone.set(sid, new Set());
          shardsDone.get(sid)!.add(parts[2]);
        }
      }
    }
    for (const s of plan.steps) {
      const st = status?.steps?.find((x: any) => x.id === s.id);
      const shards = st?.shards ?? null;
      m.set(s.id, {
        id: s.id,
        label: s.contract?.slug ?? s.label ?? s.id,
        kind: s.contract?.kind ?? "",
        state: st?.state ?? "pending",
        gate: !!(st?.gate ?? s.contract?.gate),
        shards,
        // A published step has every shard done, whatever its log shows of retried attempts.
        shardsDone: shards == null ? null : st?.state === "published" ? shards : Math.min(shards, shardsDone.get(s.id)?.size ?? 0),
        attempts: st?.attempts ?? 0,
      });
    }
    return m;
  }, [plan, status, log]);

  if (error) return <ProblemCard p={error} />;
  if (!status || !plan) return <div class="loading">Loading run…</div>;

  const started = log[0]?.at_ms;
  const lastAt = log.length ? log[log.length - 1].at_ms : null;
  const took = started ? (ENDED.includes(status.state) ? (lastAt ?? started) - started : Date.now() - started) : null;
  const cost = status.usage?.cost_micros != null ? status.usage.cost_micros / 1e6 : null;

  const select = (sid: string) => {
    setSelected(sid);
    setSide("step");
  };
  const openTrace = (artifact: string, pointer: string, label: string) => {
    setTrace({ artifact, pointer, label });
    setSide("trace");
  };

  return (
    <section class="run" data-run-id={id} data-state={status.state}>
      <div class="page-head">
        <div>
          <div class="crumbs"><Link href="/">Runs</Link> / <span class="mono">{id}</span></div>
          <h1>
            {status.workflow ?? status.objective ?? "run"}{" "}
            <span class={stateClass(status.state)} data-testid="run-state">{status.state}</span>
            {live && <span class="live" title="following the run's event stream">● live</span>}
          </h1>
        </div>
        <RunActions id={id} status={status} who={props.who} onChanged={(s) => { setStatus(s); refresh(); setStreamGen((g) => g + 1); }} />
      </div>
      <dl class="facts card run-facts">
        <dt>Progress</dt><dd>{status.progress?.done} / {status.progress?.total} steps</dd>
        <dt>Started</dt><dd>{when(started)}</dd>
        <dt>Duration</dt><dd>{duration(took)}</dd>
        <dt>Cost</dt><dd>{usd(cost)} <span class="muted small">· {status.usage?.model_calls ?? 0} model calls, {status.usage?.tokens ?? 0} tokens, {status.usage?.tool_calls ?? 0} tool calls</span></dd>
        <dt>Served by</dt><dd>{status.served_by}</dd>
        <dt>Mode</dt><dd>{status.mode}{status.program_id && <> · <Link href={`/programs/${enc(status.program_id)}`} class="mono">{status.program_id}</Link></>}</dd>
        <dt>Creator</dt><dd class="mono">{status.creator}</dd>
        <dt>Plan</dt><dd class="mono" title={status.plan_hash}>{short(status.plan_hash, 20)}</dd>
        {status.message && <><dt>Now</dt><dd>{status.message}</dd></>}
        {status.error && <><dt>Error</dt><dd class="error">{status.error}</dd></>}
      </dl>
      {status.pending_approvals?.length > 0 && (
        <div class="card gate-banner" data-testid="gate-banner">
          <span class="pause" /> Waiting for approval: {status.pending_approvals.map((s: string) => <button class="link mono" onClick={() => select(s)}>{s}</button>)}
        </div>
      )}
      <div class="card">
        <Dag plan={plan} steps={steps} selected={selected} onSelect={select} />
      </div>
      <div class={side ? "run-body with-side" : "run-body"}>
        <div class="card artifacts">
          <div class="panel-head">
            <h2>Artifacts</h2>
            <label class="small"><input type="checkbox" checked={showAll} onChange={(e) => setShowAll((e.target as HTMLInputElement).checked)} /> intermediate too</label>
          </div>
          {artifacts.length === 0 ? <p class="muted">Nothing published yet.</p> : (
            <>
              <div class="tabs">
                {artifacts.map((a) => (
                  <button class={a.name === current ? "tab active" : "tab"} data-artifact-tab={a.name} onClick={() => setCurrent(a.name)}>{a.name}</button>
                ))}
              </div>
              {current && artifacts.find((a) => a.name === current) && (
                <ArtifactView runId={id} artifact={artifacts.find((a) => a.name === current)!} onTrace={openTrace}
                  active={trace ? `${trace.artifact}#${trace.pointer}` : null} />
              )}
            </>
          )}
        </div>
        {side === "step" && selected && (
          <StepPanel runId={id} plan={plan} status={status} log={log} stepId={selected} onClose={() => setSide(null)}
            actions={<GateActions id={id} status={status} stepId={selected} who={props.who}
              reason={plan.steps.find((s: any) => s.id === selected)?.contract?.gate?.reason} onChanged={(s) => { setStatus(s); refresh(); setStreamGen((g) => g + 1); }} />} />
        )}
        {side === "trace" && trace && (
          <TracePanel key={`${trace.artifact}#${trace.pointer}`} runId={id} {...trace} inputs={inputs} onClose={() => setSide(null)} onStep={select}
            onArtifact={(name) => { if (!artifacts.some((a) => a.name === name)) setShowAll(true); setCurrent(name); }} />
        )}
      </div>
      <p class="muted small">{log.length} events in the run's log · {stepsSummary(log)}</p>
    </section>
  );
}

function stepsSummary(log: any[]): string {
  const tools = log.filter((e) => e.event?.type === "tool_call_requested").length;
  const models = log.filter((e) => e.event?.type === "model_call").length;
  const sandbox = log.filter((e) => e.event?.type === "sandbox_returned").length;
  const steps = new Set(log.map((e) => stepOf(e.event ?? {})).filter(Boolean)).size;
  return `${sandbox} sandbox attempts over ${steps} steps, ${tools} governed tool calls, ${models} model calls`;
}

/// Approve or reject a gate, with a comment. Shown to principals with the `approve` scope; the run's creator
/// sees why it may not (the API refuses it too).
function GateActions(props: { id: string; status: any; stepId: string; reason?: string; who: Principal; onChanged: (s: any) => void }) {
  const st = props.status.steps?.find((s: any) => s.id === props.stepId);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  if (st?.state !== "awaiting_approval") return null;
  if (!can(props.who, "approve")) return <p class="notice small">This gate waits for a principal with the <code>approve</code> scope.</p>;
  const own = props.status.creator === props.who.id;
  const decide = async (decision: "approve" | "reject") => {
    setBusy(true);
    setError("");
    try {
      props.onChanged(await post(`/v1/runs/${enc(props.id)}/steps/${enc(props.stepId)}/${decision}`, { comment }));
      setComment("");
    } catch (e) {
      setError(e instanceof Problem ? e.detail || e.title : "the decision failed");
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="gate-actions" data-testid="gate-actions">
      <p class="small"><b>Gate:</b> {props.reason ?? "this step waits for a reviewer's decision"}.</p>
      {(() => {
        const g = props.status.gates?.find((g: any) => g.step === props.stepId);
        return g ? <p class="small muted" data-testid="gate-expiry">Waiting since {new Date(g.waiting_since_ms).toLocaleString()}; expires {new Date(g.expires_at_ms).toLocaleString()} (waiting time does not count against the run's budget).</p> : null;
      })()}
      {own && <p class="notice small">You started this run: another principal must decide its gates.</p>}
      <textarea placeholder="Comment (required to reject: it is recorded as the reason)" value={comment} data-testid="decision-comment"
        onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} disabled={own || busy} />
      <div class="buttons">
        <button class="primary" data-action="approve" disabled={own || busy} onClick={() => decide("approve")}>Approve</button>
        <button class="danger" data-action="reject" disabled={own || busy || !comment.trim()} title={comment.trim() ? "" : "a rejection needs a comment"} onClick={() => decide("reject")}>Reject</button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}

function RunActions(props: { id: string; status: any; who: Principal; onChanged: (s: any) => void }) {
  const [sealed, setSealed] = useState<any>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const s = props.status;
  const seal = async () => {
    setBusy(true);
    setError("");
    try {
      setSealed(await post(`/v1/runs/${enc(props.id)}/seal`));
    } catch (e) {
      setError(e instanceof Problem ? e.detail || e.title : "sealing failed");
    } finally {
      setBusy(false);
    }
  };
  const writer = can(props.who, "runs:write");
  const repairWhy = s.state === "awaiting_repair"
    ? "Repair with `writ repair RUN --step STEP --program FILE | --input SLOT=PATH` or POST /v1/runs/{id}/steps/{step}/repair (scope repair); the status names the failed step, its stage and stderr."
    : "Only a run awaiting repair can be repaired.";
  return (
    <div class="run-actions">
      {s.state === "succeeded" && writer && !sealed && (
        <button data-action="seal" disabled={busy} onClick={seal} title="freeze the plan and every step's code into a program">Seal</button>
      )}
      {sealed && <span class="notice small" data-testid="sealed">Sealed as <Link href={`/programs/${enc(sealed.id)}`} class="mono">{sealed.id}</Link></span>}
      {writer && <button data-action="repair" disabled title={repairWhy}>Repair</button>}
      {writer && !s.state.match(/succeeded|failed|cancelled/) && (
        <button data-action="cancel" class="danger" onClick={async () => {
          try { props.onChanged(await post(`/v1/runs/${enc(props.id)}/cancel`)); } catch (e) { setError(e instanceof Problem ? e.detail : "cancel failed"); }
        }}>Cancel</button>
      )}
      {error && <span class="error small">{error}</span>}
    </div>
  );
}
