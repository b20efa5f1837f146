//! `cargo xtask doctor [--env NAME]` and `cargo xtask deploy`: does a deployment's configuration declare
//! everything the worker's code uses, with no placeholder left? Each missing piece is reported with what
//! to fill in; `deploy` stops before `wrangler deploy` while any is missing.
//!
//! "What the code uses" is read from the worker's source: `env.durable_object("X")`, `env.bucket("X")`,
//! `env.queue("X")`, the Hyperdrive binding, `env.secret("X")`, `env.var("X")`, the `#[durable_object]`
//! classes, and the `#[event(queue)]` / `#[event(scheduled)]` handlers.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use toml::Value;

use crate::paths::root;

/// The bindings and handlers the worker's code uses.
#[derive(Debug, Default, PartialEq)]
pub struct Used {
    pub durable_objects: BTreeSet<String>,
    pub classes: BTreeSet<String>,
    pub buckets: BTreeSet<String>,
    pub queues: BTreeSet<String>,
    pub hyperdrive: BTreeSet<String>,
    pub secrets: BTreeSet<String>,
    pub vars: BTreeSet<String>,
    pub queue_consumer: bool,
    pub scheduled: bool,
}

/// Every `<call>("NAME")` in `text` (the call possibly on the next line after a `.`).
fn names_after(text: &str, call: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find(call) {
        rest = &rest[i + call.len()..];
        if let Some(quoted) = rest.strip_prefix("(\"") {
            if let Some(end) = quoted.find('"') {
                out.insert(quoted[..end].to_string());
            }
        }
    }
    out
}

pub fn scan(worker_src: &Path) -> Result<Used> {
    let mut used = Used::default();
    let mut files: Vec<_> = std::fs::read_dir(worker_src)
        .with_context(|| format!("reading {}", worker_src.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        used.durable_objects
            .extend(names_after(&text, ".durable_object"));
        used.buckets.extend(names_after(&text, ".bucket"));
        used.queues.extend(names_after(&text, ".queue"));
        used.secrets.extend(names_after(&text, ".secret"));
        used.vars.extend(names_after(&text, ".var"));
        // `env.hyperdrive(BINDING)` with `const BINDING: &str = "…"` beside it.
        if text.contains(".hyperdrive(") {
            if let Some(i) = text.find("const BINDING: &str = \"") {
                let after = &text[i + "const BINDING: &str = \"".len()..];
                if let Some(end) = after.find('"') {
                    used.hyperdrive.insert(after[..end].to_string());
                }
            }
            used.hyperdrive.extend(names_after(&text, ".hyperdrive"));
        }
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            if line.trim() == "#[durable_object]" {
                if let Some(decl) = lines.peek() {
                    if let Some(name) = decl
                        .trim()
                        .strip_prefix("pub struct ")
                        .and_then(|r| r.split([' ', '{']).next())
                    {
                        used.classes.insert(name.to_string());
                    }
                }
            }
        }
        used.queue_consumer |= text.contains("#[event(queue)]");
        used.scheduled |= text.contains("#[event(scheduled)]");
    }
    Ok(used)
}

/// One missing or wrong piece of a deployment's configuration, with what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub what: String,
    pub fix: String,
}

fn finding(what: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding {
        what: what.into(),
        fix: fix.into(),
    }
}

/// The table of `env` (the top level when `None`): wrangler does not inherit bindings into environments.
fn section<'a>(config: &'a Value, env: Option<&str>) -> Option<&'a Value> {
    match env {
        None => Some(config),
        Some(name) => config.get("env").and_then(|e| e.get(name)),
    }
}

fn array<'a>(table: &'a Value, key: &str) -> Vec<&'a Value> {
    table
        .get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn is_placeholder_id(id: &str) -> bool {
    id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) || id.bytes().all(|b| b == b'0')
}

/// Every finding for `env` of `config` against what the code uses. `production` adds what only a real
/// deployment needs: a real Hyperdrive id, the sandbox containers, a public URL, no local sandbox URL.
pub fn check(config: &Value, env: Option<&str>, used: &Used) -> Vec<Finding> {
    let mut out = Vec::new();
    let where_ = env.map_or("the top level".to_string(), |e| format!("[env.{e}]"));
    let key = |k: &str| env.map_or(k.to_string(), |e| format!("env.{e}.{k}"));
    let Some(table) = section(config, env) else {
        out.push(finding(
            format!("wrangler.toml has no {where_}"),
            format!("add [env.{}] with the bindings below", env.unwrap_or("")),
        ));
        return out;
    };
    let production = env == Some("production");

    // Durable Objects: a binding per name the code uses, a class the worker exports, a migration.
    let dos: Vec<Value> = table
        .get("durable_objects")
        .and_then(|d| d.get("bindings"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let migrated: BTreeSet<&str> = array(table, "migrations")
        .into_iter()
        .flat_map(|m| {
            ["new_sqlite_classes", "new_classes"]
                .into_iter()
                .flat_map(move |k| array(m, k))
        })
        .filter_map(Value::as_str)
        .collect();
    // With SANDBOX_URL set (a local stack) the worker reaches the sandbox by URL, never by `SANDBOX`;
    // production needs the binding whatever the URL says (and a set URL is reported below).
    let sandbox_by_url = table
        .get("vars")
        .and_then(|v| v.get("SANDBOX_URL"))
        .and_then(Value::as_str)
        .is_some_and(|u| !u.is_empty());
    for name in &used.durable_objects {
        if name == "SANDBOX" && sandbox_by_url && !production {
            continue;
        }
        match dos.iter().find(|b| str_of(b, "name") == Some(name)) {
            None => out.push(finding(
                format!("{where_}: no Durable Object binding `{name}` (the code calls env.durable_object(\"{name}\"))"),
                format!("add [[{}]] name = \"{name}\" with its class_name", key("durable_objects.bindings")),
            )),
            Some(b) => {
                let class = str_of(b, "class_name").unwrap_or_default();
                if !used.classes.contains(class) {
                    out.push(finding(
                        format!("{where_}: binding `{name}` names class `{class}`, which the worker does not export"),
                        format!("use one of {:?}", used.classes),
                    ));
                }
                if !migrated.contains(class) {
                    out.push(finding(
                        format!("{where_}: class `{class}` has no migration"),
                        format!("add \"{class}\" to new_sqlite_classes of a [[{}]]", key("migrations")),
                    ));
                }
            }
        }
    }
    for (kind, names, table_key, field) in [
        ("R2 bucket", &used.buckets, "r2_buckets", "binding"),
        ("Hyperdrive", &used.hyperdrive, "hyperdrive", "binding"),
    ] {
        for name in names {
            if !array(table, table_key)
                .iter()
                .any(|b| str_of(b, field) == Some(name))
            {
                out.push(finding(
                    format!("{where_}: no {kind} binding `{name}`"),
                    format!("add [[{}]] {field} = \"{name}\"", key(table_key)),
                ));
            }
        }
    }
    let queues = table.get("queues");
    let producers: Vec<&Value> = queues
        .and_then(|q| q.get("producers"))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let consumers: BTreeSet<&str> = queues
        .and_then(|q| q.get("consumers"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|c| str_of(c, "queue")).collect())
        .unwrap_or_default();
    for name in &used.queues {
        match producers
            .iter()
            .find(|p| str_of(p, "binding") == Some(name))
        {
            None => out.push(finding(
                format!("{where_}: no queue producer `{name}`"),
                format!(
                    "add [[{}]] binding = \"{name}\" queue = \"…\"",
                    key("queues.producers")
                ),
            )),
            Some(p) => {
                let queue = str_of(p, "queue").unwrap_or_default();
                if used.queue_consumer && !consumers.contains(queue) {
                    out.push(finding(
                        format!("{where_}: the worker consumes its queue `{queue}` but no consumer is declared"),
                        format!("add [[{}]] queue = \"{queue}\"", key("queues.consumers")),
                    ));
                }
            }
        }
    }
    let crons = table
        .get("triggers")
        .and_then(|t| t.get("crons"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if used.scheduled && crons == 0 {
        out.push(finding(
            format!("{where_}: the worker has a scheduled handler but no cron trigger"),
            format!("add [{}] crons = [\"*/5 * * * *\"]", key("triggers")),
        ));
    }
    // Secrets are never written in the configuration.
    let vars = table.get("vars");
    for name in &used.secrets {
        if vars.and_then(|v| v.get(name)).is_some() {
            out.push(finding(
                format!("{where_}: `{name}` is a secret but is written in vars"),
                format!(
                    "remove it from [{}] and run `wrangler secret put {name}{}`",
                    key("vars"),
                    env.map_or(String::new(), |e| format!(" --env {e}"))
                ),
            ));
        }
    }
    if !production {
        return out;
    }

    // Production only: the placeholders and the sandbox containers.
    for h in array(table, "hyperdrive") {
        let id = str_of(h, "id").unwrap_or_default();
        if is_placeholder_id(id) {
            out.push(finding(
                format!("{where_}: Hyperdrive `{}` has the placeholder id `{id}`", str_of(h, "binding").unwrap_or("?")),
                "create it: `npx wrangler hyperdrive create writ-ledger --connection-string=\"<Neon URL of the writ_worker role>\"` and put the printed id here",
            ));
        }
    }
    let var = |name: &str| vars.and_then(|v| v.get(name)).and_then(Value::as_str);
    match var("WRIT_ENV") {
        Some("production") => {}
        other => out.push(finding(
            format!("{where_}: WRIT_ENV is {other:?}"),
            format!(
                "set [{}] WRIT_ENV = \"production\" (\"local\" enables local-only model providers)",
                key("vars")
            ),
        )),
    }
    if var("SANDBOX_URL").is_some_and(|u| !u.is_empty()) {
        out.push(finding(
            format!(
                "{where_}: SANDBOX_URL is set, so attempts would bypass the sandbox containers"
            ),
            format!("set [{}] SANDBOX_URL = \"\"", key("vars")),
        ));
    }
    match var("WRIT_PUBLIC_URL") {
        Some(u) if u.starts_with("https://") && !u.contains('<') => {}
        other => out.push(finding(
            format!(
                "{where_}: WRIT_PUBLIC_URL {}: the sandbox's tool bridge and the schedules call the worker there",
                match other {
                    None => "is not set".to_string(),
                    Some(u) if u.contains('<') => format!("is the placeholder `{u}`"),
                    Some(u) => format!("`{u}` is not an https:// origin"),
                }
            ),
            format!("set [{}] WRIT_PUBLIC_URL = \"https://writ.<your subdomain>.workers.dev\" (or your custom domain)", key("vars")),
        )),
    }
    if var("WRIT_ALLOW_DEGRADED_SANDBOX").is_none() {
        out.push(finding(
            format!("{where_}: WRIT_ALLOW_DEGRADED_SANDBOX is not declared"),
            format!("declare it in [{}]: \"\" requires every isolation layer; a list (e.g. \"netns,fs_jail,uid_drop,nproc\") runs without those layers, recorded in every receipt (container/README.md)", key("vars")),
        ));
    }
    if var("WRIT_BOOTSTRAP_TENANT").is_none_or(str::is_empty) {
        out.push(finding(
            format!("{where_}: WRIT_BOOTSTRAP_TENANT is not set: the bootstrap token would belong to tenant \"local\""),
            format!("set [{}] WRIT_BOOTSTRAP_TENANT = \"<your tenant>\"", key("vars")),
        ));
    }
    let containers = array(table, "containers");
    let sandbox_class = dos
        .iter()
        .find(|b| str_of(b, "name") == Some("SANDBOX"))
        .and_then(|b| str_of(b, "class_name"))
        .unwrap_or("SandboxContainer");
    match containers
        .iter()
        .find(|c| str_of(c, "class_name") == Some(sandbox_class))
    {
        None => out.push(finding(
            format!("{where_}: no [[containers]] entry for `{sandbox_class}`"),
            format!(
                "add [[{}]] class_name = \"{sandbox_class}\" image = \"./container/Dockerfile\"",
                key("containers")
            ),
        )),
        Some(c) => {
            if str_of(c, "image").is_none_or(str::is_empty) {
                out.push(finding(
                    format!("{where_}: the `{sandbox_class}` container has no image"),
                    "set image = \"./container/Dockerfile\"",
                ));
            }
            let max = c
                .get("max_instances")
                .and_then(Value::as_integer)
                .unwrap_or(0);
            let pool: i64 = var("WRIT_SANDBOX_POOL")
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            if max < pool {
                out.push(finding(
                    format!("{where_}: max_instances {max} is below one tenant's pool WRIT_SANDBOX_POOL = {pool}"),
                    "raise max_instances to at least the pool times the tenants that run at once",
                ));
            }
        }
    }
    out
}

fn load() -> Result<Value> {
    let path = root().join("wrangler.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn report(env: Option<&str>) -> Result<Vec<Finding>> {
    let used = scan(&root().join("worker/src"))?;
    let findings = check(&load()?, env, &used);
    let name = env.unwrap_or("local (top level)");
    println!(
        "doctor: {name}: the code uses Durable Objects {:?} (classes {:?}), R2 {:?}, queues {:?}, Hyperdrive {:?}, secrets {:?}{}{}",
        used.durable_objects,
        used.classes,
        used.buckets,
        used.queues,
        used.hyperdrive,
        used.secrets,
        if used.queue_consumer { ", a queue consumer" } else { "" },
        if used.scheduled { ", a cron handler" } else { "" },
    );
    for f in &findings {
        println!("doctor: MISSING {}\n        fix: {}", f.what, f.fix);
    }
    if findings.is_empty() {
        println!("doctor: {name}: every binding the code uses is declared, no placeholder left");
    }
    Ok(findings)
}

/// `cargo xtask doctor [--env NAME]`.
pub fn doctor(args: &[String]) -> Result<()> {
    let env = match args {
        [] => None,
        [flag] if flag == "--guide" => return check_guide().map(|_| ()),
        [flag, name] if flag == "--env" => Some(name.as_str()),
        _ => bail!("usage: cargo xtask doctor [--env NAME | --guide]"),
    };
    let findings = report(env)?;
    if !findings.is_empty() {
        bail!("{} missing piece(s) in the configuration", findings.len());
    }
    Ok(())
}

/// `cargo xtask deploy [wrangler deploy flags…]`: the production doctor, then `wrangler deploy --env
/// production`; stops (and says what to fill in) while anything is missing.
pub fn deploy(extra: &[String]) -> Result<()> {
    let findings = report(Some("production"))?;
    if !findings.is_empty() {
        bail!(
            "deploy stopped: fill in the {} piece(s) above first (nothing was deployed)",
            findings.len()
        );
    }
    crate::proc::run(
        Command::new(root().join("node_modules/.bin/wrangler"))
            .args(["deploy", "--env", "production"])
            .args(extra)
            .current_dir(root()),
    )
}

/// Splits a shell line into words, honouring single and double quotes (enough for the guide's lines).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn help_of(program: &Path, args: &[String]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .arg("--help")
        .env("WRANGLER_SEND_METRICS", "false")
        .current_dir(root())
        .output()
        .with_context(|| format!("running {}", program.display()))?;
    Ok(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

fn flags_missing(line_words: &[String], help: &str) -> Vec<String> {
    line_words
        .iter()
        .filter(|w| w.starts_with("--"))
        .map(|w| w.split('=').next().unwrap_or(w).to_string())
        .filter(|flag| {
            !help
                .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
                .any(|tok| tok == flag)
        })
        .collect()
}

/// Checks every `npx wrangler …`, `writ …` and `cargo xtask …` line of the README's deploy guide against the
/// real commands' `--help`: the command exists and knows every flag the guide passes. Answers the lines
/// checked, or the problems.
pub fn check_guide() -> Result<usize> {
    let readme = std::fs::read_to_string(root().join("README.md"))?;
    let start = readme
        .find("## Deploying to your own Cloudflare account")
        .context("README has no deploy guide")?;
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let wrangler = root().join("node_modules/.bin/wrangler");
    crate::proc::run(
        Command::new("cargo")
            .args(["build", "-q", "-p", "writ-cli"])
            .current_dir(root()),
    )?;
    let writ = root().join("target/debug/writ");
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut in_code = false;
    for line in section.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            continue;
        }
        let ws = words(line.split(" # ").next().unwrap_or(line));
        let pos = |w: &str| ws.iter().position(|x| x == w);
        if let Some(i) = pos("wrangler").filter(|&i| i > 0 && ws[i - 1] == "npx") {
            let args: Vec<String> = ws[i + 1..].to_vec();
            let candidates: Vec<String> = args
                .iter()
                .take_while(|w| !w.starts_with('-'))
                .cloned()
                .collect();
            let help = help_of(&wrangler, &candidates)?;
            // The usage line names the command wrangler recognised: `wrangler r2 bucket create <name>`.
            let usage: Vec<&str> = help
                .lines()
                .find(|l| l.starts_with("wrangler "))
                .unwrap_or("")
                .split_whitespace()
                .skip(1)
                .take_while(|w| !w.starts_with('<') && !w.starts_with('['))
                .collect();
            if usage.is_empty()
                || !candidates
                    .iter()
                    .map(String::as_str)
                    .take(usage.len())
                    .eq(usage.iter().copied())
            {
                problems.push(format!(
                    "`{line}`: wrangler has no command {candidates:?} (its help: {:?})",
                    usage
                ));
            }
            for flag in flags_missing(&args, &help) {
                problems.push(format!(
                    "`{line}`: wrangler {} has no {flag}",
                    usage.join(" ")
                ));
            }
            checked += 1;
        } else if ws.first().is_some_and(|w| w == "writ") {
            let sub: Vec<String> = ws[1..]
                .iter()
                .take_while(|w| !w.starts_with('-'))
                .cloned()
                .collect();
            let help = help_of(&writ, &sub)?;
            if help.contains("error:") || help.contains("unrecognized subcommand") {
                problems.push(format!(
                    "`{line}`: writ {} is not a command: {help}",
                    sub.join(" ")
                ));
            }
            for flag in flags_missing(&ws[1..], &help) {
                problems.push(format!("`{line}`: writ {} has no {flag}", sub.join(" ")));
            }
            checked += 1;
        } else if let Some(i) = pos("xtask").filter(|&i| i > 0 && ws[i - 1] == "cargo") {
            let cmd = ws.get(i + 1).map(String::as_str).unwrap_or("");
            if !crate::USAGE
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{cmd} ")))
            {
                problems.push(format!("`{line}`: cargo xtask has no command `{cmd}`"));
            }
            for flag in flags_missing(&ws[i + 1..], crate::USAGE) {
                problems.push(format!("`{line}`: cargo xtask {cmd} has no {flag}"));
            }
            checked += 1;
        }
    }
    if !problems.is_empty() {
        bail!(
            "the deploy guide does not match the commands:\n{}",
            problems.join("\n")
        );
    }
    println!("deploy guide: {checked} command lines match wrangler's, writ's and xtask's --help");
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_config() -> Value {
        toml::from_str(
            &std::fs::read_to_string(root().join("wrangler.toml")).expect("wrangler.toml"),
        )
        .expect("parses")
    }

    fn used() -> Used {
        scan(&root().join("worker/src")).expect("worker source")
    }

    #[test]
    fn the_scan_finds_what_the_worker_uses() {
        let used = used();
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(used.durable_objects, set(&["REGISTRY", "RUNS", "SANDBOX"]));
        assert_eq!(
            used.classes,
            set(&["Registry", "RunObject", "SandboxContainer"])
        );
        assert_eq!(used.buckets, set(&["ARTIFACTS"]));
        assert_eq!(used.queues, set(&["SHARDS"]));
        assert_eq!(used.hyperdrive, set(&["LEDGER_DB"]));
        assert!(used.secrets.contains("WRIT_BOOTSTRAP_TOKEN"), "{used:?}");
        assert!(used.queue_consumer && used.scheduled);
    }

    #[test]
    fn the_local_configuration_declares_every_binding_the_code_uses() {
        let findings = check(&repo_config(), None, &used());
        assert_eq!(findings, vec![], "{findings:#?}");
    }

    /// The repository's production environment declares everything; what is left are the values only the
    /// operator has, and the deploy step names them.
    #[test]
    fn production_declares_every_binding_and_names_only_the_placeholders() {
        let findings = check(&repo_config(), Some("production"), &used());
        let whats: Vec<&str> = findings.iter().map(|f| f.what.as_str()).collect();
        assert_eq!(
            whats,
            vec![
                "[env.production]: Hyperdrive `LEDGER_DB` has the placeholder id `00000000000000000000000000000000`",
                "[env.production]: WRIT_PUBLIC_URL is the placeholder `https://writ.<your subdomain>.workers.dev`: the sandbox's tool bridge and the schedules call the worker there",
            ],
            "{findings:#?}"
        );
        assert!(findings[0].fix.contains("wrangler hyperdrive create"));
    }

    #[test]
    fn every_missing_piece_is_reported() {
        let mut config = repo_config();
        let prod = config
            .get_mut("env")
            .and_then(|e| e.get_mut("production"))
            .and_then(Value::as_table_mut)
            .expect("[env.production]");
        prod.remove("containers");
        prod.remove("triggers");
        prod.remove("r2_buckets");
        prod.remove("queues");
        prod.remove("durable_objects");
        if let Some(vars) = prod.get_mut("vars").and_then(Value::as_table_mut) {
            vars.insert(
                "SANDBOX_URL".into(),
                Value::String("http://127.0.0.1:8918".into()),
            );
            vars.insert("WRIT_BOOTSTRAP_TOKEN".into(), Value::String("oops".into()));
            vars.remove("WRIT_ALLOW_DEGRADED_SANDBOX");
        }
        let findings = check(&config, Some("production"), &used());
        let text: Vec<String> = findings.iter().map(|f| f.what.clone()).collect();
        for expected in [
            "no Durable Object binding `RUNS`",
            "no Durable Object binding `SANDBOX`",
            "no R2 bucket binding `ARTIFACTS`",
            "no queue producer `SHARDS`",
            "scheduled handler but no cron trigger",
            "`WRIT_BOOTSTRAP_TOKEN` is a secret but is written in vars",
            "SANDBOX_URL is set",
            "WRIT_ALLOW_DEGRADED_SANDBOX is not declared",
            "no [[containers]] entry for `SandboxContainer`",
            "placeholder id",
        ] {
            assert!(
                text.iter().any(|t| t.contains(expected)),
                "{expected} not reported: {text:#?}"
            );
        }
    }

    #[test]
    fn guide_lines_split_like_a_shell() {
        assert_eq!(
            words(
                r#"npx wrangler hyperdrive create writ-ledger --connection-string="postgresql://u:p@h/db?x=1""#
            ),
            [
                "npx",
                "wrangler",
                "hyperdrive",
                "create",
                "writ-ledger",
                "--connection-string=postgresql://u:p@h/db?x=1"
            ]
        );
        assert_eq!(
            flags_missing(
                &words("db migrate --database-url x --nope"),
                "  --database-url <URL>  the db"
            ),
            ["--nope"]
        );
    }

    #[test]
    fn an_unexported_class_and_a_missing_migration_are_reported() {
        let mut config = repo_config();
        let prod = config
            .get_mut("env")
            .and_then(|e| e.get_mut("production"))
            .and_then(Value::as_table_mut)
            .expect("[env.production]");
        prod.insert(
            "migrations".into(),
            toml::from_str::<Value>(
                "m = [{tag = \"v1\", new_sqlite_classes = [\"RunObject\", \"Registry\"]}]",
            )
            .expect("toml")["m"]
                .clone(),
        );
        let findings = check(&config, Some("production"), &used());
        assert!(
            findings
                .iter()
                .any(|f| f.what.contains("class `SandboxContainer` has no migration")),
            "{findings:#?}"
        );
        let mut used = used();
        used.classes.remove("SandboxContainer");
        let findings = check(&repo_config(), Some("production"), &used);
        assert!(
            findings.iter().any(|f| f
                .what
                .contains("names class `SandboxContainer`, which the worker does not export")),
            "{findings:#?}"
        );
    }
}
