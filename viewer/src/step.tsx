// The step panel: the step's contract, its code, attempts and receipts, the validation ladder with its
// corrections, the audit / evaluator proof records, and its model and tool calls with tokens and cost.
import { useEffect, useState } from "preact/hooks";
import { enc, get, text } from "./api";
import { duration, short, usd } from "./format";

export function stepOf(e: any): string | null {
  if (typeof e.step === "string") return e.step;
  const id: string | undefined = e.attempt_id;
  return id ? id.split("/")[1] ?? null : null;
}

function Record(props: { runId: string; hash: string; kind: "ladder" | "proof" }) {
  const [doc, setDoc] = useState<any>(null);
  const [err, setErr] = useState("");
  useEffect(() => {
    get(`/v1/runs/${enc(props.runId)}/records/${enc(props.hash)}`).then(setDoc).catch((e) => setErr(e.detail ?? "unavailable"));
  }, [props.hash]);
  if (err) return <p class="muted small">{err}</p>;
  if (!doc) return <p class="muted small">Loading {short(props.hash)}…</p>;
  if (props.kind === "ladder") {
    // One report per output slot: each of the eleven stages passes, corrects, rejects or is skipped.
    const reports: [string, any][] = Object.entries(doc.reports ?? {});
    return (
      <div class="record" data-record={props.hash}>
        {reports.map(([slot, r]) => (
          <div class="ladder-report" data-ladder-slot={slot}>
            <p class="small"><span class="mono">{slot}</span> <span class="muted">· mode {r.mode} · {r.publishable ? "publishable" : "not publishable"}{r.flagged ? " · flagged" : ""}{r.final_hash !== r.original_hash ? " · corrected" : ""}</span></p>
            <ol class="ladder">
              {(r.stage_results ?? []).map((s: any) => {
                const kind = s.outcome?.kind ?? "?";
                const corrections: any[] = (r.corrections ?? []).filter((c: any) => (c.stage ?? "") === s.stage);
                return (
                  <li class={`stage stage-${kind}`} data-stage={s.stage} data-outcome={kind}>
                    <span class="stage-name">{s.stage}</span>
                    <span class="stage-outcome">{kind}</span>
                    {s.outcome?.reason && <span class="muted small">{s.outcome.reason}</span>}
                    {corrections.length > 0 && (
                      <ul class="corrections">{corrections.slice(0, 20).map((c) => <li class="small">{c.message ?? c.description ?? c.reason ?? JSON.stringify(c)}</li>)}</ul>
                    )}
                  </li>
                );
              })}
            </ol>
          </div>
        ))}
        {reports.length === 0 && <pre class="code small">{JSON.stringify(doc, null, 1).slice(0, 4000)}</pre>}
      </div>
    );
  }
  const criteria: any[] = doc.criteria ?? doc.verdicts ?? [];
  return (
    <div class="record" data-record={props.hash}>
      <p class="small">
        <span class={`state state-${doc.passed ? "succeeded" : "failed"}`}>{doc.passed ? "pass" : "fail"}</span>
        <span class="muted mono"> proof {short(props.hash)}</span>
        {doc.auditor && <span class="muted"> · {typeof doc.auditor === "string" ? doc.auditor : JSON.stringify(doc.auditor)}</span>}
      </p>
      {criteria.length > 0 && (
        <table class="grid small"><tbody>
          {criteria.map((c) => (
            <tr data-criterion={c.id}>
              <td><span class={`state state-${c.verdict === "pass" ? "succeeded" : c.verdict === "fail" ? "failed" : "pending"}`}>{c.verdict}</span></td>
              <td><span class="mono">{c.id}</span>{c.check && <span class="muted"> ({c.check})</span>}<div class="muted">{c.text}</div>
                {Array.isArray(c.evidence) && c.evidence.length > 0 && <div class="small">{c.evidence.slice(0, 5).map((e: any) => <div class="mono">{typeof e === "string" ? e : JSON.stringify(e)}</div>)}</div>}</td>
            </tr>
          ))}
        </tbody></table>
      )}
    </div>
  );
}

function Code(props: { runId: string; hash: string }) {
  const [src, setSrc] = useState<string | null>(null);
  const [err, setErr] = useState("");
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (open && src == null) text(`/v1/runs/${enc(props.runId)}/code/${enc(props.hash)}`).then(setSrc).catch((e) => setErr(e.detail ?? "unavailable"));
  }, [open, props.hash]);
  return (
    <div>
      <button class="link" onClick={() => setOpen(!open)}>{open ? "Hide" : "Show"} code <span class="mono">{short(props.hash)}</span></button>
      {open && (err ? <p class="muted small">{err}</p> : src == null ? <p class="muted small">Loading…</p> : (
        <pre class="code listing">{src.split("\n").map((l, i) => <div><span class="ln">{i + 1}</span>{l || " "}</div>)}</pre>
      ))}
    </div>
  );
}

/// The governed evaluator's verdicts on this step's items: proof records in the ledger, one per judged item.
function EvaluatorVerdicts(props: { runId: string; stepId: string }) {
  const [rows, setRows] = useState<any[] | null>(null);
  const [err, setErr] = useState("");
  useEffect(() => {
    get(`/v1/runs/${enc(props.runId)}/ledger?type=evaluator_verdict`)
      .then((r) => setRows(r.entries.filter((e: any) => e.event.step === props.stepId)))
      .catch((e) => setErr(e.detail ?? "unavailable"));
  }, [props.runId, props.stepId]);
  if (err) return <p class="muted small">Evaluator verdicts: {err}</p>;
  if (!rows || rows.length === 0) return null;
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.event.verdict, (counts.get(r.event.verdict) ?? 0) + 1);
  return (
    <div data-evaluator-verdicts={rows.length}>
      <p class="small">{rows.length} items judged by <span class="mono">{rows[0].event.judged_by}</span> against <span class="mono">{rows[0].event.rubric}</span>:
        {[...counts].map(([v, n]) => <span class="tag">{v}: {n}</span>)}</p>
      <table class="grid small">
        <thead><tr><th>Item</th><th>Verdict</th><th>Ledger entry</th></tr></thead>
        <tbody>{rows.slice(0, 15).map((r) => (
          <tr><td class="mono">{r.event.item}</td><td>{r.event.verdict}</td><td class="mono muted" title={r.entry_hash}>#{r.seq} {short(r.entry_hash, 10)}</td></tr>
        ))}</tbody>
      </table>
      {rows.length > 15 && <p class="muted small">… and {rows.length - 15} more.</p>}
    </div>
  );
}

export function StepPanel(props: { runId: string; plan: any; status: any; log: any[]; stepId: string; actions: any; onClose: () => void }) {
  const step = props.plan.steps.find((s: any) => s.id === props.stepId);
  const st = props.status?.steps?.find((s: any) => s.id === props.stepId);
  if (!step) return null;
  const c = step.contract ?? {};
  const mine = props.log.filter((e) => stepOf(e.event) === props.stepId);
  const receipts = mine.filter((e) => e.event.type === "sandbox_returned");
  const validated = mine.filter((e) => e.event.type === "validated");
  const audited = mine.filter((e) => e.event.type === "audited");
  const decisions = mine.filter((e) => e.event.type === "approve" || e.event.type === "reject");
  const tools = new Map<string, { n: number; cost: number }>();
  for (const e of mine.filter((e) => e.event.type === "tool_call_requested")) {
    const t = tools.get(e.event.tool) ?? { n: 0, cost: 0 };
    t.n++;
    t.cost += e.event.cost_micros ?? 0;
    tools.set(e.event.tool, t);
  }
  const models = mine.filter((e) => e.event.type === "model_call");
  const shardReceipts = receipts.filter((r) => /\/s\d+\//.test(r.event.attempt_id));
  const stepReceipts = receipts.filter((r) => !/\/s\d+\//.test(r.event.attempt_id));
  const shown = [...stepReceipts, ...shardReceipts.slice(0, 12)];
  const totalMs = receipts.reduce((a, r) => a + (r.event.receipt?.duration_ms ?? 0), 0);
  const codeHash = c.program?.hash ?? c.code_hash ?? receipts.find((r) => r.event.receipt?.code_hash)?.event.receipt.code_hash;
  return (
    <aside class="card step-panel" data-testid="step-panel" data-panel-step={props.stepId}>
      <div class="panel-head">
        <h2>{c.slug ?? step.id}</h2>
        <button class="link" onClick={props.onClose} aria-label="close the step">✕</button>
      </div>
      <p class="muted">{step.label || c.intent}</p>
      <p><span class={`state state-${st?.state ?? "pending"}`}>{st?.state ?? "pending"}</span> <span class="mono muted">{step.id}</span></p>
      {props.actions}
      <h3>Contract</h3>
      <dl class="facts small">
        <dt>Kind</dt><dd>{typeof c.kind === "string" ? c.kind : JSON.stringify(c.kind)}</dd>
        <dt>Contract hash</dt><dd class="mono">{short(step.contract_hash, 20)}</dd>
        <dt>Inputs</dt><dd>{(c.inputs ?? []).map((i: any) => <div><span class="mono">{i.slot}</span> <span class="muted">{i.kind} ← {i.producer_ref} ({typeof i.rank === "string" ? i.rank : i.rank?.rank ?? JSON.stringify(i.rank)})</span></div>)}</dd>
        <dt>Outputs</dt><dd>{(c.outputs ?? []).map((o: any) => <div><span class="mono">{o.name ?? o.slot}</span> <span class="muted">{o.kind}{o.publish ? " · published" : ""}{o.schema_id ? ` · ${o.schema_id}` : ""}</span></div>)}</dd>
        {c.program && <><dt>Program</dt><dd class="mono">{c.program.id ?? ""} {short(c.program.hash)}</dd></>}
        {(c.tools ?? []).length > 0 && <><dt>Tools</dt><dd>{c.tools.map((t: any) => <span class="tag">{t.id ?? t.name ?? JSON.stringify(t)}</span>)}</dd></>}
        {(c.skills ?? []).length > 0 && <><dt>Skills</dt><dd>{c.skills.map((t: any) => <span class="tag">{t.id ?? JSON.stringify(t)}</span>)}</dd></>}
        {(c.validators ?? []).length > 0 && <><dt>Validators</dt><dd>{c.validators.map((v: string) => <span class="tag">{v}</span>)}</dd></>}
        {(c.rubric ?? []).length > 0 && <><dt>Rubric</dt><dd>{c.rubric.map((r: any) => <div class="small">{r.id}: <span class="muted">{r.description ?? r.text ?? ""}</span></div>)}</dd></>}
        {c.gate && <><dt>Gate</dt><dd>{c.gate.reason} <span class="muted">({typeof c.gate.scope === "string" ? c.gate.scope : JSON.stringify(c.gate.scope)})</span></dd></>}
        {c.fan_out && <><dt>Fan-out</dt><dd>over <span class="mono">{c.fan_out.over}</span>, {c.fan_out.shard_size} per shard{c.fan_out.items ? ` at ${c.fan_out.items}` : ""}</dd></>}
        {c.limits && <><dt>Limits</dt><dd>{c.limits.timeout_seconds != null ? `${c.limits.timeout_seconds} s timeout` : "no timeout"} · {c.limits.max_retries} retries
          {c.limits.budget && Object.entries(c.limits.budget).filter(([, v]) => v != null).map(([k, v]) => <span class="muted"> · {k} {String(v)}</span>)}</dd></>}
      </dl>
      {codeHash && (<><h3>Code</h3><Code runId={props.runId} hash={codeHash} /></>)}
      <h3>Attempts and receipts <span class="muted">({receipts.length}{shardReceipts.length ? `, ${shardReceipts.length} shards` : ""}; {duration(totalMs)} in the sandbox)</span></h3>
      {receipts.length === 0 ? <p class="muted small">None yet.</p> : (
        <table class="grid small receipts">
          <thead><tr><th>Attempt</th><th>Status</th><th>Duration</th><th>Outputs</th><th>Tools</th></tr></thead>
          <tbody>{shown.map((r) => {
            const rc = r.event.receipt ?? {};
            return (
              <tr data-attempt={r.event.attempt_id}>
                <td class="mono">{r.event.attempt_id.split("/").slice(2).join("/")}</td>
                <td><span class={`state state-${rc.status === "ok" ? "succeeded" : "failed"}`}>{rc.status}</span>{rc.stopped_by && <span class="muted"> by {rc.stopped_by}</span>}{rc.exit_code != null && rc.exit_code !== 0 && <span class="muted"> exit {rc.exit_code}</span>}</td>
                <td>{duration(rc.duration_ms)}</td>
                <td>{Object.entries(rc.outputs ?? {}).map(([slot, o]: [string, any]) => <div class="mono" title={o.hash}>{slot}: {o.rows != null ? `${o.rows} rows` : `${o.size} B`}</div>)}</td>
                <td>{rc.tool_calls ?? 0}</td>
              </tr>
            );
          })}</tbody>
        </table>
      )}
      {shardReceipts.length > 12 && <p class="muted small">… and {shardReceipts.length - 12} more shard attempts.</p>}
      <h3>Validation ladder</h3>
      {validated.length === 0 ? <p class="muted small">Not validated yet.</p> : validated.slice(-1).map((v) => <Record runId={props.runId} hash={v.event.report_hash} kind="ladder" />)}
      <h3>Audit and evaluator proofs</h3>
      {audited.length === 0 ? <p class="muted small">Not audited yet.</p> : audited.slice(-3).map((v) => <Record runId={props.runId} hash={v.event.proof_hash} kind="proof" />)}
      {tools.has("evaluator.judge") && <EvaluatorVerdicts runId={props.runId} stepId={props.stepId} />}
      {decisions.length > 0 && (
        <>
          <h3>Decisions</h3>
          <ul class="small">{decisions.map((d) => <li data-decision={d.event.type}><b>{d.event.type === "approve" ? "approved" : "rejected"}</b> by <span class="mono">{d.event.principal}</span>{d.event.reason ? `: ${d.event.reason}` : ""} <span class="muted">{new Date(d.at_ms).toLocaleTimeString()}</span></li>)}</ul>
        </>
      )}
      <h3>Model and tool calls</h3>
      {models.length === 0 && tools.size === 0 ? <p class="muted small">None: {props.status?.served_by ?? ""}</p> : (
        <table class="grid small">
          <thead><tr><th>Call</th><th>Count</th><th>Tokens in / out</th><th>Cost</th></tr></thead>
          <tbody>
            {models.map((m) => <tr><td>model <span class="mono">{m.event.model}</span> <span class="muted">{m.event.phase}</span></td><td>1</td><td>{m.event.tokens_in} / {m.event.tokens_out}</td><td>{usd((m.event.cost_micros ?? 0) / 1e6)}</td></tr>)}
            {[...tools].map(([t, v]) => <tr><td>tool <span class="mono">{t}</span></td><td>{v.n}</td><td class="muted">–</td><td>{usd(v.cost / 1e6)}</td></tr>)}
          </tbody>
        </table>
      )}
    </aside>
  );
}
