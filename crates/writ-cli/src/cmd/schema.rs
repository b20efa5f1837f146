//! `writ schema template|parse|check`: the schema serializer from the command line.
//!
//! A schema is named by its catalog id or, failing that, by the path of a JSON Schema file.

use anyhow::Context;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use writ_catalog::Catalog;
use writ_diag::{render_json, render_text, Diagnostic};
use writ_schema::Schema;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(clap::Subcommand)]
enum Sub {
    /// Print the model-readable template of a schema (fields, then an example to fill in).
    Template {
        /// A catalog schema id, or the path of a JSON Schema file.
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Read a model's reply against a schema: print the value, or the diagnostics and exit 1.
    Parse {
        /// A catalog schema id, or the path of a JSON Schema file.
        id: String,
        /// The reply (`-` for standard input).
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check that every catalog schema stays inside the supported subset; exit 1 otherwise.
    Check,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Sub::Template { id, format } => template(&id, format),
        Sub::Parse { id, file, format } => parse(&id, &file, format),
        Sub::Check => check(),
    }
}

/// A schema document with the name and text its diagnostics are rendered against.
struct Source {
    name: String,
    text: String,
    document: serde_json::Value,
}

fn load(id: &str) -> anyhow::Result<Source> {
    if let Some(entry) = Catalog::builtin().schema(id) {
        let text = serde_json::to_string_pretty(&entry.schema)?;
        return Ok(Source {
            name: format!("catalog:{id}"),
            text,
            document: entry.schema.clone(),
        });
    }
    let path = Path::new(id);
    if !path.exists() {
        anyhow::bail!("`{id}` is neither a catalog schema id nor a file (see `writ catalog list --kind schema`)");
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {id}"))?;
    let document = serde_json::from_str(&text).with_context(|| format!("{id} is not JSON"))?;
    Ok(Source {
        name: id.to_owned(),
        text,
        document,
    })
}

/// The compiled schema, or its diagnostics printed and exit code 1.
fn compile(source: &Source, format: Format) -> Result<Schema, ExitCode> {
    Schema::compile(&source.document).map_err(|diagnostics| {
        report(&diagnostics, &source.name, &source.text, format, None);
        ExitCode::FAILURE
    })
}

fn report(
    diagnostics: &[Diagnostic],
    name: &str,
    text: &str,
    format: Format,
    value: Option<&serde_json::Value>,
) {
    match format {
        Format::Json => {
            let out =
                serde_json::json!({ "value": value, "diagnostics": render_json(diagnostics) });
            println!(
                "{}",
                serde_json::to_string_pretty(&out).unwrap_or_else(|_| out.to_string())
            );
        }
        Format::Text => eprint!("{}", render_text(diagnostics, name, text)),
    }
}

fn template(id: &str, format: Format) -> anyhow::Result<ExitCode> {
    let source = load(id)?;
    let schema = match compile(&source, format) {
        Ok(schema) => schema,
        Err(code) => return Ok(code),
    };
    let template = schema.template();
    match format {
        Format::Text => print!("{}", template.text),
        Format::Json => {
            let out = serde_json::json!({ "schema": id, "text": template.text, "example": template.example });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse(id: &str, file: &Path, format: Format) -> anyhow::Result<ExitCode> {
    let source = load(id)?;
    let schema = match compile(&source, format) {
        Ok(schema) => schema,
        Err(code) => return Ok(code),
    };
    let reply = if file == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
        text
    } else {
        // Bytes, not a string: a reply with invalid UTF-8 is still read (lossily) and diagnosed.
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let (value, diagnostics) = schema.parse_reply(&reply);
    let failed = value.is_none() || diagnostics.iter().any(Diagnostic::is_error);
    let name = if file == Path::new("-") {
        "<stdin>".to_owned()
    } else {
        file.display().to_string()
    };
    match format {
        Format::Json => report(&diagnostics, &name, &reply, format, value.as_ref()),
        Format::Text => {
            if !diagnostics.is_empty() {
                report(&diagnostics, &name, &reply, format, None);
            }
            if let (false, Some(value)) = (failed, &value) {
                println!("{}", serde_json::to_string_pretty(value)?);
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn check() -> anyhow::Result<ExitCode> {
    let catalog = Catalog::builtin();
    let mut failed = 0usize;
    let mut total = 0usize;
    for id in catalog_schema_ids(catalog) {
        total += 1;
        let source = load(&id)?;
        if compile(&source, Format::Text).is_err() {
            failed += 1;
        }
    }
    println!("{} schemas, {} outside the supported subset", total, failed);
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn catalog_schema_ids(catalog: &Catalog) -> Vec<String> {
    catalog
        .list(Some(writ_catalog::EntryKind::Schema))
        .into_iter()
        .map(|entry| entry.id().to_owned())
        .collect()
}
