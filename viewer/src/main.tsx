import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./style.css";
import { call, get, post, Principal, Problem, setUnauthorizedHandler, signInMessage } from "./api";
import { Link, navigate, useLocation } from "./router";
import { RunsPage } from "./runs";
import { RunPage } from "./run";
import { LedgerPage, ProgramPage, ProgramsPage, SchedulesPage } from "./pages";

function SignIn(props: { message: string; onSignedIn: (p: Principal) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const s = await post<{ principal: Principal }>("/v1/session", { token });
      setToken(""); // the token is not kept anywhere: the session cookie stands for it now
      props.onSignedIn(s.principal);
    } catch (err) {
      setError(err instanceof Problem ? err.detail || err.title : "sign-in failed");
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="signin">
      <form class="card signin-card" onSubmit={submit} data-testid="sign-in">
        <div class="brand brand-large">writ</div>
        <p class="muted">Sign in with an API token (<code>writ token create</code> makes one). It is exchanged for a
          session cookie and is not stored in the browser.</p>
        {props.message && <p class="notice" data-testid="sign-in-message">{props.message}</p>}
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)} required />
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy || !token}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
    </div>
  );
}

function Shell(props: { who: Principal; onSignOut: () => void }) {
  const { path } = useLocation();
  const nav = (href: string, label: string, match: (p: string) => boolean) => (
    <Link href={href} class={match(path) ? "nav active" : "nav"}>{label}</Link>
  );
  let page;
  let m: RegExpMatchArray | null;
  if ((m = path.match(/^\/runs\/([^/]+)\/?$/))) page = <RunPage id={decodeURIComponent(m[1])} who={props.who} />;
  else if ((m = path.match(/^\/programs\/([^/]+)\/?$/))) page = <ProgramPage id={decodeURIComponent(m[1])} />;
  else if (path === "/programs") page = <ProgramsPage />;
  else if (path === "/schedules") page = <SchedulesPage />;
  else if (path === "/ledger") page = <LedgerPage />;
  else if (path === "/" || path === "/runs" || path === "/sign-in") page = <RunsPage />;
  else page = <div class="card"><h1>Not found</h1><p>No page at <code>{path}</code>.</p></div>;
  return (
    <div class="shell">
      <header class="topbar">
        <Link href="/" class="brand">writ</Link>
        <nav>
          {nav("/", "Runs", (p) => p === "/" || p.startsWith("/runs"))}
          {nav("/programs", "Programs", (p) => p.startsWith("/programs"))}
          {nav("/schedules", "Schedules", (p) => p.startsWith("/schedules"))}
          {nav("/ledger", "Ledger", (p) => p.startsWith("/ledger"))}
        </nav>
        <div class="who" data-testid="who">
          <span title={`principal ${props.who.id}`}>{props.who.name}</span>
          <span class="muted"> · {props.who.tenant} · {props.who.scopes.join(", ")}</span>
          <button class="link" data-action="sign-out" onClick={props.onSignOut}>Sign out</button>
        </div>
      </header>
      <main>{page}</main>
    </div>
  );
}

function App() {
  const [who, setWho] = useState<Principal | null | false>(null);
  const [message, setMessage] = useState("");
  useEffect(() => {
    setUnauthorizedHandler((p) => {
      setMessage(signInMessage(p));
      setWho(false);
    });
    get<{ principal: Principal }>("/v1/session")
      .then((s) => setWho(s.principal))
      .catch((p) => {
        // No cookie at all is the ordinary first visit: no message then.
        setMessage(p instanceof Problem && p.slug !== "unauthorized" ? signInMessage(p) : "");
        setWho(false);
      });
  }, []);
  if (who === null) return <div class="loading">Loading…</div>;
  if (who === false)
    return (
      <SignIn
        message={message}
        onSignedIn={(p) => {
          setMessage("");
          setWho(p);
          if (location.pathname === "/sign-in") navigate("/", true);
        }}
      />
    );
  return (
    <Shell
      who={who}
      onSignOut={async () => {
        await call("DELETE", "/v1/session").catch(() => undefined);
        setMessage("Signed out.");
        setWho(false);
      }}
    />
  );
}

render(<App />, document.getElementById("app")!);
