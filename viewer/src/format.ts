export function duration(ms: number | null | undefined): string {
  if (ms == null || !isFinite(ms) || ms < 0) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function when(iso: string | number | null | undefined): string {
  if (iso == null || iso === "") return "–";
  const d = new Date(iso);
  if (isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function usd(v: unknown): string {
  if (v == null || v === "") return "–";
  const n = Number(v);
  if (!isFinite(n)) return String(v);
  return n === 0 ? "$0" : `$${n < 0.01 ? n.toFixed(4) : n.toFixed(2)}`;
}

export function short(hash: string | null | undefined, n = 12): string {
  if (!hash) return "–";
  const h = hash.replace(/^b3:/, "");
  return h.length > n ? `${h.slice(0, n)}…` : h;
}

export function stateClass(state: string | undefined): string {
  return `state state-${(state ?? "pending").replace(/[^a-z_]/g, "")}`;
}
