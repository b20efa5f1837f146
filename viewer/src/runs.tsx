import { useEffect, useMemo, useState } from "preact/hooks";
import { enc, get, Problem } from "./api";
import { duration, stateClass, usd, when } from "./format";
import { Link } from "./router";

interface RunRow {
  id: string;
  workflow: string | null;
  created_at: string;
  creator: string;
  status?: any;
  timing?: { started_ms: number | null; last_event_ms: number | null };
  error?: string;
}

/// Statuses are read a few at a time: the list is one registry read, each status one run object.
async function pool<T>(items: T[], n: number, f: (t: T) => Promise<void>) {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) await f(items[i++]);
  }));
}

export function RunsPage() {
  const [rows, setRows] = useState<RunRow[] | null>(null);
  const [error, setError] = useState<Problem | null>(null);
  const [stateFilter, setStateFilter] = useState("");
  const [search, setSearch] = useState("");
  const [, bump] = useState(0);
  useEffect(() => {
    let live = true;
    get<{ runs: RunRow[] }>("/v1/runs")
      .then(async ({ runs }) => {
        if (!live) return;
        setRows(runs);
        await pool(runs, 6, async (r) => {
          try {
            [r.status, r.timing] = await Promise.all([get(`/v1/runs/${enc(r.id)}`), get(`/v1/runs/${enc(r.id)}/timing`)]);
          } catch (e) {
            r.error = e instanceof Problem ? e.title : "unreadable";
          }
          if (live) bump((n) => n + 1);
        });
      })
      .catch((e) => setError(e));
    return () => void (live = false);
  }, []);
  const states = useMemo(() => Array.from(new Set((rows ?? []).map((r) => r.status?.state).filter(Boolean))).sort(), [rows, rows?.map((r) => r.status?.state).join()]);
  if (error) return <ProblemCard p={error} />;
  if (!rows) return <div class="loading">Loading runs…</div>;
  const q = search.trim().toLowerCase();
  const shown = rows.filter((r) =>
    (!stateFilter || r.status?.state === stateFilter) &&
    (!q || r.id.toLowerCase().includes(q) || (r.workflow ?? "").toLowerCase().includes(q)));
  return (
    <section>
      <div class="page-head">
        <h1>Runs</h1>
        <div class="filters">
          <input type="search" placeholder="Filter by id or workflow" value={search} data-testid="runs-search"
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
          <select value={stateFilter} data-testid="runs-state" onChange={(e) => setStateFilter((e.target as HTMLSelectElement).value)}>
            <option value="">every state</option>
            {states.map((s) => <option value={s}>{s}</option>)}
          </select>
        </div>
      </div>
      {shown.length === 0 ? <p class="card muted">No runs{rows.length ? " match the filter" : " yet: `writ run` starts one"}.</p> : (
        <table class="grid runs">
          <thead><tr><th>Run</th><th>Workflow</th><th>State</th><th>Progress</th><th>Started</th><th>Duration</th><th>Cost</th></tr></thead>
          <tbody>
            {shown.map((r) => {
              const s = r.status;
              return (
                <tr data-run-id={r.id} data-state={s?.state ?? ""} data-loaded={s || r.error ? "1" : "0"}>
                  <td><Link href={`/runs/${enc(r.id)}`} class="mono">{r.id}</Link></td>
                  <td>{r.workflow ?? s?.workflow ?? "–"}{s?.mode === "sealed" && <span class="tag">sealed</span>}</td>
                  <td>{s ? <span class={stateClass(s.state)}>{s.state}</span> : <span class="muted">{r.error ?? "…"}</span>}</td>
                  <td>{s ? `${s.progress?.done ?? 0} / ${s.progress?.total ?? 0}` : ""}</td>
                  <td>{when(r.created_at)}</td>
                  <td>{s ? duration(runDuration(s, r.timing)) : ""}</td>
                  <td>{s ? usd((s.usage?.cost_micros ?? 0) / 1e6) : ""}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

/// From the run's first event to its last once it has ended, or to now while it goes on.
function runDuration(status: any, timing?: { started_ms: number | null; last_event_ms: number | null }): number | null {
  if (!timing?.started_ms) return null;
  const ended = ["succeeded", "failed", "cancelled"].includes(status.state);
  return (ended ? timing.last_event_ms ?? timing.started_ms : Date.now()) - timing.started_ms;
}

export function ProblemCard(props: { p: Problem | unknown }) {
  const p = props.p instanceof Problem ? props.p : new Problem(0, "about:blank", "Something went wrong", "the page could not be shown");
  return (
    <div class="card problem" data-testid="problem" data-status={p.status}>
      <h1>{p.status === 404 ? "Not found" : p.title}</h1>
      <p>{p.detail}</p>
      <p><Link href="/">Back to the runs</Link></p>
    </div>
  );
}
