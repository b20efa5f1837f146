// A value's trace: the chain of steps that produced it, the code line that computed it, the audit proof, and
// the uploaded source rows or lines it came from; each source opens to its content.
import { useEffect, useState } from "preact/hooks";
import { enc, get, Problem, text } from "./api";
import { parseCsv } from "./artifacts";
import { short } from "./format";

const inputCache = new Map<string, Promise<string>>();
function inputText(upload: string, file: string): Promise<string> {
  const key = `${upload}|${file}`;
  let p = inputCache.get(key);
  if (!p) {
    p = text(`/v1/inputs/${enc(upload)}${file ? `?file=${enc(file)}` : ""}`);
    p.catch(() => inputCache.delete(key));
    inputCache.set(key, p);
  }
  return p;
}

function CodeExcerpt(props: { runId: string; hash: string; line: number | null }) {
  const [src, setSrc] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    text(`/v1/runs/${enc(props.runId)}/code/${enc(props.hash)}`).then(setSrc).catch((e) => setErr(e instanceof Problem ? e.detail : "unavailable"));
  }, [props.hash]);
  if (err) return <p class="muted small">code {short(props.hash)}: {err}</p>;
  if (src == null) return <p class="muted small">Loading code…</p>;
  const lines = src.split("\n");
  const at = props.line ?? 1;
  const from = Math.max(1, at - 3);
  const to = Math.min(lines.length, at + 3);
  return (
    <pre class="code excerpt" data-code-line={props.line ?? ""}>
      {lines.slice(from - 1, to).map((l, i) => (
        <div class={from + i === props.line ? "hl" : ""}><span class="ln">{from + i}</span>{l || " "}</div>
      ))}
    </pre>
  );
}

function SourceItem(props: { s: any; inputName: string }) {
  const { s } = props;
  const [open, setOpen] = useState(false);
  const [content, setContent] = useState<any>(null);
  const toggle = async () => {
    const next = !open;
    setOpen(next);
    if (!next || content) return;
    try {
      const t = await inputText(s.upload, s.file ?? "");
      if (s.row != null) {
        const rows = parseCsv(t);
        setContent({ header: rows[0] ?? [], row: rows[s.row] ?? [] });
      } else if (s.line != null) {
        const lines = t.split("\n");
        const from = Math.max(1, s.line - 2);
        setContent({ lines: lines.slice(from - 1, s.line + 2).map((l, i) => [from + i, l]) });
      } else setContent({ text: t.slice(0, 2000) });
    } catch (e) {
      setContent({ error: e instanceof Problem ? e.detail : "unavailable" });
    }
  };
  const where = s.row != null ? `row ${s.row}` : s.line != null ? `line ${s.line}` : s.pointer;
  const attrs: Record<string, string> = s.row != null ? { "data-source-row": String(s.row) } : s.line != null ? { "data-source-line": String(s.line) } : {};
  return (
    <li class={open ? "source open" : "source"}>
      <button class="source-head" {...attrs} data-source-file={s.file || props.inputName} onClick={toggle} aria-expanded={open}>
        <span class="mono">{s.file || props.inputName}</span> <span>{where}</span>
        {s.key != null && <span class="muted"> · {String(s.key)}</span>}
      </button>
      {open && (
        <div class="source-body" data-source-content="">
          {!content ? <span class="muted">Loading…</span> :
            content.error ? <span class="error">{content.error}</span> :
            content.header ? (
              <table class="grid kv"><tbody>
                {content.header.map((h: string, i: number) => <tr><th>{h}</th><td>{content.row[i]}</td></tr>)}
              </tbody></table>
            ) : content.lines ? (
              <pre class="code excerpt">{content.lines.map(([n, l]: [number, string]) => <div class={n === s.line ? "hl" : ""}><span class="ln">{n}</span>{l || " "}</div>)}</pre>
            ) : <pre class="code">{content.text}</pre>}
        </div>
      )}
    </li>
  );
}

const fileOf = (s: any) => String(s.file || s.upload);

/// How many sources each file gives, the file that gives most first.
function sourceFiles(sources: any[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const s of sources) counts.set(fileOf(s), (counts.get(fileOf(s)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/// By file (the file that gives most first), then by row or line number (the API sorts them as text).
function sortSources(sources: any[]): any[] {
  const rank = new Map(sourceFiles(sources).map(([f], i) => [f, i]));
  const n = (s: any) => s.row ?? s.line ?? 0;
  return [...sources].sort((a, b) => rank.get(fileOf(a))! - rank.get(fileOf(b))! || n(a) - n(b));
}

/// A total traces to every item judged on the way; a few are shown until asked for all.
const JUDGEMENTS_SHOWN = 5;

/// Verdicts that found nothing to report, by the packs' rubrics.
const QUIET = new Set(["clear", "pass", "eligible", "conforms"]);

/// Items with a finding first, then by item.
function orderJudgements(js: any[]): any[] {
  return [...js].sort((a, b) => Number(QUIET.has(a.verdict)) - Number(QUIET.has(b.verdict)) || String(a.item).localeCompare(String(b.item)));
}

/// "714 items judged: 700 clear, 14 flagged".
function judgementSummary(js: any[]): string {
  const counts = new Map<string, number>();
  for (const j of js) counts.set(j.verdict, (counts.get(j.verdict) ?? 0) + 1);
  return `${js.length} items judged: ` + [...counts].map(([v, n]) => `${n} ${v}`).join(", ");
}

export function TracePanel(props: {
  runId: string;
  artifact: string;
  pointer: string;
  label: string;
  inputs: Record<string, string>;
  onStep: (id: string) => void;
  onArtifact: (name: string) => void;
  onClose: () => void;
}) {
  const [trace, setTrace] = useState<any>(null);
  const [error, setError] = useState<Problem | null>(null);
  const [limit, setLimit] = useState(50);
  const [allJudgements, setAllJudgements] = useState(false);
  useEffect(() => {
    setTrace(null);
    setError(null);
    setLimit(50);
    setAllJudgements(false);
    get(`/v1/runs/${enc(props.runId)}/trace?artifact=${enc(props.artifact)}&pointer=${enc(props.pointer)}`).then(setTrace).catch(setError);
  }, [props.artifact, props.pointer]);
  const byHash: Record<string, string> = {};
  for (const [name, hash] of Object.entries(props.inputs)) byHash[hash] = name;
  return (
    <aside class="card trace" data-testid="trace" data-trace-artifact={props.artifact} data-trace-pointer={props.pointer}>
      <div class="panel-head">
        <h2>Trace</h2>
        <button class="link" onClick={props.onClose} aria-label="close the trace">✕</button>
      </div>
      <p class="muted">{props.label}</p>
      {error ? <p class="error">{error.title}: {error.detail}</p> : !trace ? <div class="loading">Tracing…</div> : (
        <>
          <div class="trace-value">
            <span class="muted">value</span>
            <span class="mono big" data-testid="trace-value">{typeof trace.value === "string" ? trace.value : JSON.stringify(trace.value)}</span>
          </div>
          <h3>Computed by</h3>
          <ol class="chain">
            {trace.chain.map((c: any, i: number) => (
              <li data-chain-step={c.step}>
                <button class="link mono" onClick={() => props.onStep(c.step)}>{c.step}</button>
                <span class="muted"> → </span>
                <button class="link mono" onClick={() => props.onArtifact(c.artifact)}>{c.artifact}</button>
                {c.sources != null && <span class="muted"> · {c.sources} sources</span>}
                {i === 0 && c.code?.hash && <CodeExcerpt runId={props.runId} hash={c.code.hash} line={c.code.line ?? null} />}
                {i === 0 && c.code && !c.code.hash && <pre class="code">{JSON.stringify(c.code, null, 1)}</pre>}
              </li>
            ))}
          </ol>
          {trace.proof && (
            <>
              <h3>Audit</h3>
              <p>
                <span class={`state state-${trace.proof.verdict === "pass" ? "succeeded" : "failed"}`}>{trace.proof.verdict ?? "?"}</span>
                <span class="mono muted"> proof {short(trace.proof.hash)}</span>
              </p>
            </>
          )}
          {(trace.judgements ?? []).length > 0 && (
            <>
              <h3>Judged by the governed evaluator <span class="muted">({trace.judgements.length})</span></h3>
              {trace.judgements.length > JUDGEMENTS_SHOWN && !allJudgements && (
                <p class="small muted">
                  {judgementSummary(trace.judgements)}; the first {JUDGEMENTS_SHOWN} are shown, items with a finding first.{" "}
                  <button class="link" onClick={() => setAllJudgements(true)}>Show all {trace.judgements.length}</button>
                </p>
              )}
              {orderJudgements(trace.judgements).slice(0, allJudgements ? undefined : JUDGEMENTS_SHOWN).map((j: any) => (
                <div class="judgement" data-judgement={j.proof}>
                  <p>
                    <span class={`state state-${QUIET.has(j.verdict) ? "succeeded" : "awaiting_approval"}`}>{j.verdict}</span>
                    <span class="mono"> {j.item}</span>
                    <span class="muted"> · {j.rubric} · by {j.judged_by} · in {j.step}</span>
                  </p>
                  <ul class="small">{(j.reasons ?? []).slice(0, 5).map((r: string) => <li>{r}</li>)}</ul>
                  <p class="small mono muted">proof {short(j.proof)} (its ledger entry's hash)</p>
                </div>
              ))}
            </>
          )}
          <h3>Sources <span class="muted">({trace.sources.length})</span></h3>
          <p class="small">{sourceFiles(trace.sources).map(([f, n]) => <span class="tag" data-source-count={n}>{byHash[f] ?? f}: {n}</span>)}</p>
          {trace.sources.length === 0 ? <p class="muted">No uploaded rows: the value is a constant or computed from the run's parameters.</p> : (
            <ul class="sources">
              {sortSources(trace.sources).slice(0, limit).map((s: any) => <SourceItem s={s} inputName={byHash[s.upload] ?? short(s.upload)} />)}
            </ul>
          )}
          {trace.sources.length > limit && <button onClick={() => setLimit(trace.sources.length)}>Show all {trace.sources.length} sources</button>}
        </>
      )}
    </aside>
  );
}
