//! `writ db migrate`: apply the embedded `migrations/` with refinery (idempotent: applied versions are
//! recorded in `refinery_schema_history` and skipped).

use anyhow::Context;
use std::process::ExitCode;

mod embedded {
    refinery::embed_migrations!("../../migrations");
}

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(clap::Subcommand)]
enum DbCommand {
    /// Apply the ledger schema migrations that are not applied yet (run as the schema owner).
    Migrate {
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

/// Where the ledger database is.
#[derive(clap::Args)]
pub struct DatabaseArgs {
    /// Postgres connection string, e.g. postgresql://user:pass@host:5432/writ or
    /// postgresql://postgres@localhost/writ?host=/path/to/socket-dir
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
}

impl DatabaseArgs {
    pub fn connect(&self) -> anyhow::Result<postgres::Client> {
        let config: postgres::Config = self
            .database_url
            .parse()
            .context("parsing --database-url")?;
        // TLS as the URL's `sslmode` asks: Neon needs `sslmode=require`; the default (`prefer`) falls back to
        // plain TCP for a local server without TLS, and unix sockets never use it.
        let tls = native_tls::TlsConnector::new().context("setting up TLS")?;
        config
            .connect(postgres_native_tls::MakeTlsConnector::new(tls))
            .context("connecting to the ledger database")
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        DbCommand::Migrate { db } => migrate(&db),
    }
}

fn migrate(db: &DatabaseArgs) -> anyhow::Result<ExitCode> {
    let mut client = db.connect()?;
    let report = embedded::migrations::runner()
        .run(&mut client)
        .context("applying migrations")?;
    let applied = report.applied_migrations();
    if applied.is_empty() {
        println!("migrations: up to date");
    }
    for m in applied {
        println!("migrations: applied V{}__{}", m.version(), m.name());
    }
    Ok(ExitCode::SUCCESS)
}
