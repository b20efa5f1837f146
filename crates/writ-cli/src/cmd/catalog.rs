//! `writ catalog list|show|search`: the embedded catalog, from the command line; `writ catalog mcp
//! add|list|refresh`: the tenant's MCP servers, whose tools the compiler binds as `mcp.<server>.<tool>`.

use anyhow::bail;
use std::io::Write;
use std::process::ExitCode;
use writ_catalog::{Catalog, Entry, EntryKind, Hit, SearchOptions};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand)]
enum Sub {
    /// List entries (all, or of one kind), then a count per kind.
    List {
        /// artifact-kind, adapter, domain-pack, workflow-pack, policy, skill, tool, schema, template, profile, program
        #[arg(long)]
        kind: Option<EntryKind>,
    },
    /// Print an entry as JSON (every entry with that id, unless --kind narrows it).
    Show {
        id: String,
        #[arg(long)]
        kind: Option<EntryKind>,
    },
    /// Ranked search over the catalog (BM25 over ids, titles, keywords, descriptions, kinds).
    Search {
        text: String,
        #[arg(long)]
        kind: Option<EntryKind>,
        /// Show which terms matched which fields, with their contributions.
        #[arg(long)]
        explain: bool,
        /// Print the hits as JSON.
        #[arg(long)]
        json: bool,
        /// At most this many hits (0: all).
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// The tenant's MCP servers (online): their tools become catalog tools `mcp.<server>.<tool>`.
    Mcp {
        #[command(subcommand)]
        command: Mcp,
    },
}

#[derive(clap::Subcommand)]
enum Mcp {
    /// Register a server and import its tools (each versioned by the hash of its schemas).
    Add {
        name: String,
        /// Its streamable HTTP endpoint, e.g. https://tools.example.com/mcp
        url: String,
        /// The name of the Worker secret holding its bearer token (`MCP_…`); the token itself never leaves
        /// the Worker's secrets.
        #[arg(long)]
        token_secret: Option<String>,
    },
    /// The servers and their tools, with ids and schema hashes, as JSON.
    List,
    /// Import a server's current tools (a changed tool gets a new hash).
    Refresh { name: String },
}

fn mcp(command: Mcp) -> anyhow::Result<ExitCode> {
    let client = super::client::Client::from_env()?;
    let out = match command {
        Mcp::Add {
            name,
            url,
            token_secret,
        } => client.post(
            "/v1/catalog/mcp",
            &serde_json::json!({"name": name, "url": url, "token_secret": token_secret}),
        )?,
        Mcp::List => client.get("/v1/catalog/mcp")?,
        Mcp::Refresh { name } => client.post(
            &format!("/v1/catalog/mcp/{name}/refresh"),
            &serde_json::json!({}),
        )?,
    };
    super::client::print_json(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let catalog = Catalog::builtin();
    let problems = catalog.problems();
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("warning: {p}");
        }
    }
    let mut status = ExitCode::SUCCESS;
    let text = match args.command {
        Sub::Mcp { command } => return mcp(command),
        Sub::List { kind } => render_list(catalog, kind),
        Sub::Show { id, kind } => {
            let found: Vec<Entry<'_>> = match kind {
                Some(k) => catalog.get(k, &id).into_iter().collect(),
                None => catalog.find(&id),
            };
            match found.as_slice() {
                [] => bail!("no catalog entry `{id}`; try `writ catalog search {id}`"),
                [one] => serde_json::to_string_pretty(one)? + "\n",
                many => serde_json::to_string_pretty(many)? + "\n",
            }
        }
        Sub::Search {
            text,
            kind,
            explain,
            json,
            limit,
        } => {
            let hits = catalog.search(&text, &SearchOptions { kind, limit });
            if hits.is_empty() {
                status = ExitCode::from(1);
            }
            if json {
                serde_json::to_string_pretty(&hits)? + "\n"
            } else {
                render_hits(&hits, explain)
            }
        }
    };
    // A closed pipe (`writ catalog list | head`) is the reader's choice, not an error.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    Ok(status)
}

pub fn render_list(catalog: &Catalog, kind: Option<EntryKind>) -> String {
    let mut out = String::new();
    let entries = catalog.list(kind);
    let width = entries.iter().map(|e| e.id().len()).max().unwrap_or(0);
    for e in &entries {
        out.push_str(&format!(
            "{:<14} {:<width$}  {}\n",
            e.kind().as_str(),
            e.id(),
            e.title()
        ));
    }
    let counts: Vec<String> = catalog
        .counts()
        .into_iter()
        .filter(|(k, _)| kind.is_none_or(|want| want == *k))
        .map(|(k, n)| format!("{n} {}", k.plural()))
        .collect();
    out.push_str(&counts.join(", "));
    out.push('\n');
    out
}

pub fn render_hits(hits: &[Hit], explain: bool) -> String {
    let mut out = String::new();
    for (rank, h) in hits.iter().enumerate() {
        out.push_str(&format!(
            "{:>2}. {:>7.3}  {:<14} {}  {}\n",
            rank + 1,
            h.score,
            h.kind.as_str(),
            h.id,
            h.title
        ));
        if explain {
            for m in &h.matches {
                out.push_str(&format!(
                    "            {:>7.3}  `{}` in {:?} (x{})\n",
                    m.contribution, m.term, m.field, m.tf
                ));
            }
        }
    }
    if hits.is_empty() {
        out.push_str("no matches\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_ends_with_a_count_per_kind() {
        let catalog = Catalog::builtin();
        let all = render_list(catalog, None);
        let last = all.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("26 artifact kinds, 4 adapters, 12 domain packs, 12 workflow packs, 5 policy profiles"),
            "{last}"
        );
        let policies = render_list(catalog, Some(EntryKind::Policy));
        assert_eq!(policies.lines().count(), 6);
        assert_eq!(policies.lines().last(), Some("5 policy profiles"));
    }

    #[test]
    fn search_renders_ranked_hits_and_says_when_there_are_none() {
        let hits = Catalog::builtin().search(
            "screen resumes",
            &SearchOptions {
                kind: Some(EntryKind::DomainPack),
                limit: 1,
            },
        );
        let text = render_hits(&hits, true);
        assert!(text.starts_with(" 1. "), "{text}");
        assert!(text.contains("resume-screening"), "{text}");
        assert!(text.contains("in Keywords"), "{text}");
        assert_eq!(render_hits(&[], false), "no matches\n");
    }
}
