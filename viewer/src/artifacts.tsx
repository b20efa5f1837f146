// Artifacts rendered by kind: a table as a table, markdown rendered (raw HTML off), JSON as a tree, a site's
// pages in a sandboxed frame. A click on a cell or a value asks for its trace (a JSON pointer into the artifact).
import MarkdownIt from "markdown-it";
import { useEffect, useState } from "preact/hooks";
import { enc, get, Problem, text } from "./api";
import { short } from "./format";

// Model-written artifacts are untrusted: markdown-it escapes raw HTML and refuses javascript: links.
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

export interface Artifact {
  name: string;
  step: string;
  slot: string;
  hash: string;
  kind: string;
  provenance_hash: string;
}

export type OnTrace = (artifact: string, pointer: string, label: string) => void;

/// RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF.
export function parseCsv(src: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && src[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}

function pointerEscape(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

function kindOf(a: Artifact): "table" | "json" | "markdown" | "site" | "other" {
  if (a.name.endsWith("/") || a.kind.includes("site") || a.kind.includes("bundle")) return "site";
  if (a.name.endsWith(".csv") || a.kind.includes("table")) return "table";
  if (a.name.endsWith(".json") || a.kind.includes("json")) return "json";
  if (a.name.endsWith(".md") || a.kind.includes("markdown")) return "markdown";
  return "other";
}

const TABLE_PAGE = 200;

export function ArtifactView(props: { runId: string; artifact: Artifact; onTrace: OnTrace; active?: string | null }) {
  const a = props.artifact;
  const k = kindOf(a);
  const path = `/v1/runs/${enc(props.runId)}/artifacts/${a.name.replace(/\/$/, "").split("/").map(enc).join("/")}`;
  const [body, setBody] = useState<string | null>(null);
  const [error, setError] = useState<Problem | null>(null);
  const [limit, setLimit] = useState(TABLE_PAGE);
  useEffect(() => {
    setBody(null);
    setError(null);
    setLimit(TABLE_PAGE);
    text(path).then(setBody).catch(setError);
  }, [path]);
  if (error) return <p class="error">{error.title}: {error.detail}</p>;
  if (body == null) return <div class="loading">Loading {a.name}…</div>;
  const head = (
    <div class="artifact-meta muted">
      <span class="tag">{a.kind}</span> from <span class="mono">{a.step}</span> · <span class="mono" title={a.hash}>{short(a.hash, 16)}</span>
    </div>
  );
  if (k === "table") {
    const rows = parseCsv(body);
    const [header, ...data] = rows;
    return (
      <div data-artifact={a.name} data-artifact-kind="table">
        {head}
        <div class="table-scroll">
          <table class="grid data">
            <thead><tr><th class="rownum">#</th>{(header ?? []).map((h) => <th>{h}</th>)}</tr></thead>
            <tbody>
              {data.slice(0, limit).map((r, i) => (
                <tr>
                  <td class="rownum">{i + 1}</td>
                  {r.map((v, j) => {
                    const pointer = `/${i + 1}/${pointerEscape(header?.[j] ?? String(j))}`;
                    return (
                      <td class={`cell${props.active === `${a.name}#${pointer}` ? " active" : ""}`} data-pointer={pointer}
                        onClick={() => props.onTrace(a.name, pointer, `${a.name} row ${i + 1}, ${header?.[j]}`)}>{v}</td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {data.length > limit && <button onClick={() => setLimit(limit + 1000)}>Show more rows ({data.length - limit} left)</button>}
        <p class="muted small">{data.length} rows. Click a cell to trace it to its sources.</p>
      </div>
    );
  }
  if (k === "json") {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return <pre class="code">{body}</pre>;
    }
    return (
      <div data-artifact={a.name} data-artifact-kind="json">
        {head}
        <div class="json-tree">
          <JsonNode value={value} pointer="" name={null} depth={0}
            onPick={(p) => props.onTrace(a.name, p, `${a.name} ${p || "/"}`)} active={props.active?.startsWith(`${a.name}#`) ? props.active.slice(a.name.length + 1) : null} />
        </div>
        <p class="muted small">Click a value to trace it to its sources.</p>
      </div>
    );
  }
  if (k === "markdown") {
    return (
      <div data-artifact={a.name} data-artifact-kind="markdown">
        {head}
        {/* A report cites its numbers as `trace:<artifact>:<pointer>` links: a click opens that trace. */}
        <div class="markdown" dangerouslySetInnerHTML={{ __html: md.render(body) }} onClick={(e) => {
          const link = (e.target as HTMLElement).closest("a");
          const href = link?.getAttribute("href") ?? "";
          if (!link) return;
          e.preventDefault();
          const m = href.match(/^trace:([^:]+):(.*)$/);
          if (m) props.onTrace(m[1], m[2], `${m[1]} ${m[2]} (cited in ${a.name})`);
        }} />
      </div>
    );
  }
  if (k === "site") {
    const pagesPath = `/v1/runs/${enc(props.runId)}/pages/${enc(a.name.replace(/\/$/, ""))}`;
    return <SiteView pagesPath={pagesPath} manifest={body} name={a.name} head={head} />;
  }
  return (
    <div data-artifact={a.name}>
      {head}
      <pre class="code">{body.slice(0, 20000)}</pre>
    </div>
  );
}

function SiteView(props: { pagesPath: string; manifest: string; name: string; head: any }) {
  let files: { path: string }[] | null = null;
  try {
    files = JSON.parse(props.manifest).files ?? [];
  } catch {
    files = null;
  }
  // The home page first, then the others by path.
  const pages = (files ?? []).filter((f) => /\.html?$/.test(f.path))
    .sort((x, y) => Number(y.path === "index.html") - Number(x.path === "index.html") || x.path.localeCompare(y.path));
  const [page, setPage] = useState(pages.find((p) => p.path === "index.html")?.path ?? pages[0]?.path ?? "");
  const [filter, setFilter] = useState("");
  if (files == null) return <pre class="code">{props.manifest.slice(0, 5000)}</pre>;
  const shown = pages.filter((p) => p.path.includes(filter)).slice(0, 300);
  return (
    <div data-artifact={props.name} data-artifact-kind="site">
      {props.head}
      <div class="site">
        <div class="site-pages">
          <input type="search" placeholder={`Filter ${pages.length} pages`} value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
          <ul>{shown.map((p) => <li><button class={p.path === page ? "link active" : "link"} onClick={() => setPage(p.path)}>{p.path}</button></li>)}</ul>
        </div>
        {/* No scripts, no forms, no top navigation: the page is shown, never run (the API's CSP says the same). */}
        {page && <iframe class="site-frame" sandbox="allow-same-origin" title={page} src={`${props.pagesPath}/${page.split("/").map(enc).join("/")}`} />}
      </div>
    </div>
  );
}

function JsonNode(props: { value: unknown; pointer: string; name: string | null; depth: number; onPick: (p: string) => void; active: string | null }) {
  const { value, pointer } = props;
  const [open, setOpen] = useState(props.depth < 2);
  const label = props.name != null ? <span class="json-key">{props.name}: </span> : null;
  if (value !== null && typeof value === "object") {
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    const brackets = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
    return (
      <div class="json-node">
        <button class="json-toggle" onClick={() => setOpen(!open)} aria-expanded={open}>{open ? "▾" : "▸"}</button>
        {label}
        <span class="json-punct">{brackets[0]}</span>
        {!open && <span class="muted"> {entries.length} {Array.isArray(value) ? "items" : "keys"} </span>}
        {!open && <span class="json-punct">{brackets[1]}</span>}
        {open && (
          <div class="json-children">
            {entries.slice(0, 500).map(([k, v]) => (
              <JsonNode value={v} pointer={`${pointer}/${pointerEscape(k)}`} name={Array.isArray(value) ? null : k} depth={props.depth + 1} onPick={props.onPick} active={props.active} />
            ))}
            {entries.length > 500 && <div class="muted">… {entries.length - 500} more</div>}
          </div>
        )}
        {open && <span class="json-punct">{brackets[1]}</span>}
      </div>
    );
  }
  return (
    <div class="json-node json-leaf">
      {label}
      <button class={`json-value json-${value === null ? "null" : typeof value}${props.active === pointer ? " active" : ""}`} data-pointer={pointer}
        onClick={() => props.onPick(pointer)} title={`trace ${pointer}`}>
        {JSON.stringify(value)}
      </button>
    </div>
  );
}

export async function listArtifacts(runId: string, all: boolean): Promise<Artifact[]> {
  const r = await get<{ artifacts: Artifact[] }>(`/v1/runs/${enc(runId)}/artifacts${all ? "?all=true" : ""}`);
  return r.artifacts;
}
