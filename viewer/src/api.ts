// The REST API, called with the session cookie (never a token: the token is exchanged once at sign-in and
// only the HttpOnly cookie is kept). Every error is an RFC 9457 problem; the pages show its title and detail.

export class Problem extends Error {
  constructor(
    public status: number,
    public type: string,
    public title: string,
    public detail: string,
    public body: Record<string, unknown> = {},
  ) {
    super(detail || title);
  }
  get slug(): string {
    return this.type.split("/").pop() ?? this.type;
  }
}

/// What a 401 means to the person: the sign-in page shows it.
export function signInMessage(p: Problem): string {
  if (p.slug === "session-expired") return "Your session expired. Sign in again.";
  if (p.slug === "session-ended") return "Your session ended (signed out or the token was revoked). Sign in again.";
  return "Sign in to continue.";
}

let onUnauthorized: (p: Problem) => void = () => {};
export function setUnauthorizedHandler(f: (p: Problem) => void) {
  onUnauthorized = f;
}

async function problemOf(resp: Response): Promise<Problem> {
  const text = await resp.text();
  try {
    const body = JSON.parse(text);
    return new Problem(resp.status, body.type ?? "about:blank", body.title ?? resp.statusText, body.detail ?? "", body);
  } catch {
    // Never a raw body (it could be a stack trace from a proxy): the status says enough.
    return new Problem(resp.status, "about:blank", `${resp.status} ${resp.statusText}`, "the server answered without a problem document");
  }
}

export async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json" };
  // CSRF: the worker refuses a cookie-authenticated change of state without this header.
  if (method !== "GET") headers["x-writ-viewer"] = "1";
  if (body !== undefined) headers["content-type"] = "application/json";
  let resp: Response;
  try {
    resp = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Problem(0, "network", "The API is unreachable", "check that the stack is running");
  }
  if (!resp.ok) {
    const p = await problemOf(resp);
    if (p.status === 401 && path !== "/v1/session") onUnauthorized(p);
    throw p;
  }
  return resp;
}

export async function get<T = any>(path: string): Promise<T> {
  return (await call("GET", path)).json();
}
export async function post<T = any>(path: string, body?: unknown): Promise<T> {
  const r = await call("POST", path, body ?? {});
  return r.status === 204 ? (undefined as T) : r.json();
}
export async function text(path: string): Promise<string> {
  return (await call("GET", path)).text();
}

// A path segment or query value. `:` stays as it is: the API reads hashes (`b3:…`) in paths verbatim.
export const enc = (s: string) => encodeURIComponent(s).replace(/%3A/gi, ":");

export interface Principal {
  id: string;
  name: string;
  tenant: string;
  scopes: string[];
}
export function can(p: Principal | null, scope: string): boolean {
  return !!p && (p.scopes.includes(scope) || p.scopes.includes("admin"));
}
