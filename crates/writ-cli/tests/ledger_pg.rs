//! The ledger against a real PostgreSQL: a throwaway cluster per test run, migrated and written by the
//! `writ` binary, then tampered with to show that `writ ledger verify` names the entry and that the
//! database itself refuses changes from the application.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{bail, Context, Result};
use serde_json::Value;

/// A PostgreSQL cluster in a temporary directory, on a free loopback port, stopped on drop.
struct PgCluster {
    _dir: tempfile::TempDir,
    data: PathBuf,
    socket: PathBuf,
    bin: PathBuf,
    port: u16,
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The server binaries: `WRIT_PG_BIN`, else `pg_config --bindir`, else the newest Debian install.
fn pg_bin_dir() -> Result<PathBuf> {
    if let Ok(dir) = std::env::var("WRIT_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return Ok(dir);
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL server binaries not found (install postgresql or set WRIT_PG_BIN)")?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found
        .pop()
        .context("no initdb under /usr/lib/postgresql/*/bin")
}

fn run_checked(cmd: &mut Command) -> Result<Output> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out)
}

impl PgCluster {
    fn start() -> Result<Self> {
        let bin = pg_bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("writ-ledger-pg")
            .tempdir()?;
        let data = dir.path().join("data");
        let socket = dir.path().join("sock");
        std::fs::create_dir_all(&socket)?;
        // PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` system user.
        if running_as_root() {
            run_checked(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(dir.path()),
            )?;
        }
        let mut cluster = PgCluster {
            _dir: dir,
            data,
            socket,
            bin,
            port: 0,
        };
        run_checked(cluster.pg("initdb").arg("-D").arg(&cluster.data).args([
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ]))?;
        // A port picked free can be taken before the server binds it; try a few.
        let mut last_err = None;
        for _ in 0..5 {
            cluster.port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let opts = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                cluster.port,
                cluster.socket.display()
            );
            let log = cluster.data.join("server.log");
            match run_checked(
                cluster
                    .pg("pg_ctl")
                    .arg("-D")
                    .arg(&cluster.data)
                    .arg("-l")
                    .arg(&log)
                    .args(["-w", "-t", "60", "-o", &opts, "start"]),
            ) {
                Ok(_) => return Ok(cluster),
                Err(e) => {
                    last_err = Some(e.context(std::fs::read_to_string(&log).unwrap_or_default()))
                }
            }
        }
        Err(last_err.unwrap_or_else(|| anyhow::anyhow!("PostgreSQL did not start")))
    }

    fn pg(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if running_as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    /// The superuser over the unix socket, spelled the way the local stack spells it.
    fn superuser_url(&self, db: &str) -> String {
        format!(
            "postgresql://postgres@localhost/{db}?host={}&port={}",
            self.socket.display(),
            self.port
        )
    }

    fn tcp_url(&self, user: &str, db: &str) -> String {
        format!("postgresql://{user}@127.0.0.1:{}/{db}", self.port)
    }

    fn connect(&self, url: &str) -> Result<postgres::Client> {
        Ok(postgres::Client::connect(url, postgres::NoTls)?)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

fn writ(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_writ"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn writ_ok(args: &[&str]) -> String {
    let out = writ(args);
    assert!(
        out.status.success(),
        "writ {args:?} failed: {}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

fn verify_json(url: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["ledger", "verify", "--json", "--database-url", url];
    args.extend_from_slice(extra);
    let out = writ(&args);
    let json = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| {
        panic!(
            "verify printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

fn append(url: &str, tenant: &str, run: &str, count: u64, from_seq: u64) -> String {
    writ_ok(&[
        "ledger",
        "append-demo",
        "--database-url",
        url,
        "--tenant",
        tenant,
        "--run",
        run,
        "--count",
        &count.to_string(),
        "--from-seq",
        &from_seq.to_string(),
    ])
}

fn sqlstate(err: &postgres::Error) -> String {
    err.code()
        .map(|c| c.code().to_string())
        .unwrap_or_else(|| err.to_string())
}

#[test]
fn ledger_is_append_only_and_tampering_is_named() -> Result<()> {
    let pg = PgCluster::start()?;
    pg.connect(&pg.tcp_url("postgres", "postgres"))?
        .batch_execute("CREATE DATABASE ledger")?;
    let admin_url = pg.superuser_url("ledger");

    // Migrations apply once, then are up to date.
    assert!(
        writ_ok(&["db", "migrate", "--database-url", &admin_url]).contains("applied V1__ledger")
    );
    assert!(writ_ok(&["db", "migrate", "--database-url", &admin_url]).contains("up to date"));

    // The worker's login role: a member of writ_app, not the owner.
    let mut admin = pg.connect(&admin_url)?;
    admin.batch_execute("CREATE ROLE writ_worker LOGIN IN ROLE writ_app")?;
    let app_url = pg.tcp_url("writ_worker", "ledger");

    // Entries written by the application role, including a retry and concurrent flushes of one tenant.
    assert!(append(&app_url, "acme", "r1", 25, 0).contains("appended 25 entries"));
    append(&app_url, "acme", "r2", 10, 0);
    append(&app_url, "globex", "g1", 5, 0);
    let retry = append(&app_url, "acme", "r1", 30, 0);
    assert!(
        retry.contains("appended 5 entries") && retry.contains("25 already written"),
        "{retry}"
    );
    let writers: Vec<_> = (0..4)
        .map(|i| {
            let url = app_url.clone();
            std::thread::spawn(move || {
                for batch in 0..5u64 {
                    append(&url, "acme", &format!("c{i}"), 10, batch * 10);
                }
            })
        })
        .collect();
    for w in writers {
        w.join()
            .map_err(|_| anyhow::anyhow!("a concurrent writer failed"))?;
    }

    let (code, ok) = verify_json(&app_url, &[]);
    assert_eq!(code, 0, "{ok:#}");
    assert_eq!(ok["status"], "ok");
    assert_eq!(ok["entries"], 30 + 10 + 200 + 5);
    assert_eq!(ok["tenants"][0]["tenant"], "acme");
    assert_eq!(ok["tenants"][0]["runs"], 6);
    let human = writ_ok(&["ledger", "verify", "--database-url", &app_url]);
    assert!(
        human.contains("ledger OK: 2 tenants, 245 entries"),
        "{human}"
    );

    // The application cannot change or remove entries: no privilege.
    let mut app = pg.connect(&app_url)?;
    for statement in [
        "UPDATE ledger_entries SET at = '2031-01-01T00:00:00Z' WHERE run_id = 'r2' AND seq = 3",
        "DELETE FROM ledger_entries WHERE run_id = 'r2'",
        "TRUNCATE ledger_entries",
        "DELETE FROM ledger_heads",
    ] {
        let err = app.batch_execute(statement).expect_err(statement);
        assert_eq!(sqlstate(&err), "42501", "{statement}: {err}");
    }
    // Nor move the head back, nor insert an entry that does not link to its predecessor.
    let err = app
        .batch_execute("UPDATE ledger_heads SET next_pos = 3 WHERE tenant = 'acme'")
        .unwrap_err();
    assert_eq!(sqlstate(&err), "23000", "{err}");
    let err = app
        .batch_execute(&format!(
            "INSERT INTO ledger_entries (tenant, chain_pos, run_id, seq, at, event, prev_hash, entry_hash) \
             VALUES ('acme', 245, 'x1', 0, '2025-01-01T00:00:00Z', '{{\"text\":\"hi\",\"type\":\"note\"}}', \
             'b3:{z}', 'b3:{z}')",
            z = "0".repeat(64)
        ))
        .unwrap_err();
    assert_eq!(sqlstate(&err), "23000", "{err}");

    // Even a role that was granted UPDATE and DELETE is stopped by the trigger; so is a superuser who did
    // not ask for maintenance.
    admin.batch_execute(
        "CREATE ROLE rogue LOGIN; GRANT SELECT, UPDATE, DELETE ON ledger_entries TO rogue",
    )?;
    let mut rogue = pg.connect(&pg.tcp_url("rogue", "ledger"))?;
    for statement in [
        "UPDATE ledger_entries SET seq = seq WHERE run_id = 'r2'",
        "DELETE FROM ledger_entries",
    ] {
        let err = rogue.batch_execute(statement).expect_err(statement);
        assert!(
            format!("{err:?}").contains("append-only"),
            "{statement}: {err:?}"
        );
        assert_eq!(sqlstate(&err), "42501");
    }
    let err = admin
        .batch_execute("UPDATE ledger_entries SET seq = seq WHERE run_id = 'r2'")
        .unwrap_err();
    assert!(format!("{err:?}").contains("append-only"), "{err:?}");

    // A superuser in maintenance can change a row; verify then fails, naming exactly that entry.
    let tampered_pos: i64 = admin
        .query_one(
            "SELECT chain_pos FROM ledger_entries WHERE run_id = 'r2' AND seq = 3",
            &[],
        )?
        .get(0);
    admin.batch_execute(
        "SET writ.ledger_maintenance = 'on'; \
         UPDATE ledger_entries SET at = '2031-01-01T00:00:00Z' WHERE run_id = 'r2' AND seq = 3; \
         RESET writ.ledger_maintenance",
    )?;
    let (code, broken) = verify_json(&app_url, &[]);
    assert_eq!(code, 1, "{broken:#}");
    let brk = &broken["break"];
    assert_eq!(broken["status"], "broken");
    assert_eq!(
        (
            &brk["tenant"],
            &brk["chain_pos"],
            &brk["run_id"],
            &brk["seq"],
            &brk["reason"]
        ),
        (
            &Value::from("acme"),
            &Value::from(tampered_pos),
            &Value::from("r2"),
            &Value::from(3),
            &Value::from("entry_hash")
        )
    );
    let human = writ(&["ledger", "verify", "--database-url", &app_url]);
    assert_eq!(human.status.code(), Some(1));
    assert!(stdout(&human).contains(&format!(
        "ledger BROKEN: tenant `acme` chain_pos {tampered_pos} (run r2, seq 3)"
    )));
    // The other tenant's chain is untouched.
    let (code, globex) = verify_json(&app_url, &["--tenant", "globex"]);
    assert_eq!((code, &globex["entries"]), (0, &Value::from(5)));

    // Removing the last entries and nothing else is caught by the head.
    admin.batch_execute(
        "SET writ.ledger_maintenance = 'on'; \
         DELETE FROM ledger_entries WHERE tenant = 'globex' AND chain_pos >= 3",
    )?;
    let (code, truncated) = verify_json(&app_url, &["--tenant", "globex"]);
    assert_eq!(
        (
            code,
            &truncated["break"]["reason"],
            &truncated["break"]["chain_pos"]
        ),
        (1, &Value::from("head"), &Value::from(3))
    );
    Ok(())
}

#[test]
fn cluster_helper_finds_the_server_binaries() -> Result<()> {
    let dir = pg_bin_dir()?;
    assert!(Path::new(&dir).join("pg_ctl").exists(), "{}", dir.display());
    Ok(())
}
