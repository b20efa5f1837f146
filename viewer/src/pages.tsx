import { useEffect, useState } from "preact/hooks";
import { enc, get, Problem } from "./api";
import { short, when } from "./format";
import { Link } from "./router";
import { ProblemCard } from "./runs";

function useData<T>(path: string): { data: T | null; error: Problem | null } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Problem | null>(null);
  useEffect(() => {
    setData(null);
    setError(null);
    get<T>(path).then(setData).catch(setError);
  }, [path]);
  return { data, error };
}

export function ProgramsPage() {
  const { data, error } = useData<{ programs: any[] }>("/v1/programs");
  if (error) return <ProblemCard p={error} />;
  if (!data) return <div class="loading">Loading programs…</div>;
  return (
    <section>
      <div class="page-head"><h1>Sealed programs</h1></div>
      <p class="muted">A succeeded run sealed into a program: its frozen plan and the code of every step under one hash. It runs on
        new inputs with no model.</p>
      {data.programs.length === 0 ? <p class="card muted">No program yet: seal a succeeded run.</p> : (
        <table class="grid">
          <thead><tr><th>Program</th><th>Sealed from</th><th>Hash</th><th>Sealed</th></tr></thead>
          <tbody>{data.programs.map((p) => (
            <tr data-program-id={p.id}>
              <td><Link href={`/programs/${enc(p.id)}`} class="mono">{p.id}</Link></td>
              <td><Link href={`/runs/${enc(p.run_id)}`} class="mono">{p.run_id}</Link></td>
              <td class="mono" title={p.hash}>{short(p.hash, 20)}</td>
              <td>{when(p.created_at)}</td>
            </tr>))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function ProgramPage(props: { id: string }) {
  const { data, error } = useData<any>(`/v1/programs/${enc(props.id)}`);
  const sched = useData<{ schedules: any[] }>("/v1/schedules");
  if (error) return <ProblemCard p={error} />;
  if (!data) return <div class="loading">Loading program…</div>;
  const mine = (sched.data?.schedules ?? []).filter((s) => s.program_id === props.id);
  return (
    <section>
      <div class="page-head"><h1>Program <span class="mono">{data.id}</span></h1></div>
      <dl class="facts card">
        <dt>Program hash</dt><dd class="mono">{data.program_hash}</dd>
        <dt>Plan hash</dt><dd class="mono">{data.plan_hash}</dd>
        <dt>Steps</dt><dd>{data.steps}</dd>
        <dt>Sealed from</dt><dd><Link href={`/runs/${enc(data.run_id)}`} class="mono">{data.run_id}</Link></dd>
        <dt>Sealed at</dt><dd>{when(data.created_at)}</dd>
        <dt>Run it</dt><dd><code>writ program run {data.id} --inputs DIR</code></dd>
      </dl>
      <h2>Schedules</h2>
      {mine.length === 0 ? <p class="muted">No schedule runs this program.</p> : <ScheduleTable rows={mine} />}
    </section>
  );
}

function ScheduleTable(props: { rows: any[] }) {
  return (
    <table class="grid">
      <thead><tr><th>Schedule</th><th>Program</th><th>Cron</th><th>Inputs from prefix</th><th>Created</th></tr></thead>
      <tbody>{props.rows.map((s) => (
        <tr data-schedule-id={s.id}>
          <td class="mono">{s.id}</td>
          <td><Link href={`/programs/${enc(s.program_id)}`} class="mono">{s.program_id}</Link></td>
          <td class="mono">{s.cron}</td>
          <td class="mono">{s.prefix}</td>
          <td>{when(s.created_at)}</td>
        </tr>))}
      </tbody>
    </table>
  );
}

export function SchedulesPage() {
  const { data, error } = useData<{ schedules: any[] }>("/v1/schedules");
  if (error) return <ProblemCard p={error} />;
  if (!data) return <div class="loading">Loading schedules…</div>;
  return (
    <section>
      <div class="page-head"><h1>Schedules</h1></div>
      <p class="muted">Each schedule starts its sealed program on the newest batch uploaded under its prefix, once per due time.</p>
      {data.schedules.length === 0 ? <p class="card muted">No schedule: <code>writ schedule create</code> makes one.</p> : <ScheduleTable rows={data.schedules} />}
    </section>
  );
}

export function LedgerPage() {
  const [tick, setTick] = useState(0);
  const { data, error } = useData<any>(`/v1/ledger/verify?t=${tick}`);
  return (
    <section>
      <div class="page-head">
        <h1>Ledger</h1>
        <button onClick={() => setTick((t) => t + 1)} data-action="verify-ledger">Verify again</button>
      </div>
      <p class="muted">Every event of consequence is appended to the tenant's hash chain in Postgres. Verifying recomputes every
        entry's hash from its row and checks the chain ends at the recorded head.</p>
      {error ? <ProblemCard p={error} /> : !data ? <div class="loading">Verifying the chain…</div> : (
        <div class={`card ledger ledger-${data.status}`} data-testid="ledger" data-ledger-status={data.status}>
          {data.status === "ok" ? (
            <>
              <h2><span class="state state-succeeded">verified</span> tenant {data.tenant}</h2>
              <dl class="facts">
                <dt>Entries</dt><dd>{data.entries}</dd>
                <dt>Runs</dt><dd>{data.runs}</dd>
                <dt>Head</dt><dd class="mono">{data.head_hash}</dd>
              </dl>
            </>
          ) : (
            <>
              <h2><span class="state state-failed">broken</span> tenant {data.tenant}</h2>
              <dl class="facts">
                <dt>At position</dt><dd>{data.break?.chain_pos}</dd>
                <dt>Run / seq</dt><dd class="mono">{data.break?.run_id ?? "–"} / {data.break?.seq ?? "–"}</dd>
                <dt>Reason</dt><dd>{data.break?.reason}</dd>
                <dt>Expected</dt><dd class="mono wrap">{data.break?.expected}</dd>
                <dt>Found</dt><dd class="mono wrap">{data.break?.found}</dd>
              </dl>
            </>
          )}
        </div>
      )}
    </section>
  );
}
