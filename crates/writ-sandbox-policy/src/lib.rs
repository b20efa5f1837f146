//! The sandbox's isolation layers and where an attempt runs. Pure decisions shared by the sandbox server
//! (may it start with the layers this host gives it?), the worker (may it dispatch to a sandbox reporting
//! these layers? to which container instance?) and the deployment checks.
//!
//! - [`Layer`]: the names of the layers, one spelling everywhere (`--allow-degraded`, `/health`, receipts).
//! - [`startup`]: a server missing layers starts only when told exactly which ones it may lack.
//! - [`admit`]: the worker refuses a degraded sandbox unless the deployment tolerates each missing layer.
//! - [`instance_name`]: the container instance of an attempt; two tenants never share one.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One isolation layer of the sandbox server (see container/README.md for what each stops).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// A private, empty network namespace per attempt.
    Netns,
    /// A mount namespace and chroot showing only /usr, /etc, the runtime and the attempt.
    FsJail,
    /// Each slot runs under its own unprivileged uid.
    UidDrop,
    /// `socket()` other than AF_UNIX refused by seccomp-bpf.
    Seccomp,
    /// CPU, address space, open files, file size and core rlimits.
    Rlimits,
    /// RLIMIT_NPROC, which counts only under the slot's own uid.
    Nproc,
}

impl Layer {
    pub const ALL: [Layer; 6] = [
        Layer::Netns,
        Layer::FsJail,
        Layer::UidDrop,
        Layer::Seccomp,
        Layer::Rlimits,
        Layer::Nproc,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Layer::Netns => "netns",
            Layer::FsJail => "fs_jail",
            Layer::UidDrop => "uid_drop",
            Layer::Seccomp => "seccomp",
            Layer::Rlimits => "rlimits",
            Layer::Nproc => "nproc",
        }
    }

    /// What the server process needs for the layer; said in every refusal.
    pub fn needs(self) -> &'static str {
        match self {
            Layer::Netns => "CAP_SYS_ADMIN (unshare CLONE_NEWNET)",
            Layer::FsJail => {
                "CAP_SYS_ADMIN and CAP_SYS_CHROOT (mount namespace, bind mounts, chroot)"
            }
            Layer::UidDrop => "CAP_SETUID and CAP_SETGID",
            Layer::Seccomp => "a kernel with seccomp-bpf",
            Layer::Rlimits => "nothing",
            Layer::Nproc => "uid_drop",
        }
    }

    pub fn parse(name: &str) -> Result<Layer, PolicyError> {
        Layer::ALL
            .into_iter()
            .find(|l| l.name() == name)
            .ok_or_else(|| PolicyError::UnknownLayer(name.to_string()))
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

pub type Layers = BTreeSet<Layer>;

/// A comma-separated list of layer names (`netns,fs_jail`); empty text is the empty set.
pub fn parse_layers(text: &str) -> Result<Layers, PolicyError> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Layer::parse)
        .collect()
}

/// `netns,fs_jail`, or `none`.
pub fn list(layers: &Layers) -> String {
    if layers.is_empty() {
        return "none".into();
    }
    layers
        .iter()
        .map(|l| l.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// The layers a sandbox server has in force and those it runs without: `/health` and every receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Isolation {
    pub in_force: Layers,
    pub missing: Layers,
}

impl Isolation {
    /// The complement of `in_force` in [`Layer::ALL`].
    pub fn of(in_force: Layers) -> Isolation {
        let missing = Layer::ALL
            .into_iter()
            .filter(|l| !in_force.contains(l))
            .collect();
        Isolation { in_force, missing }
    }

    /// Reads the `isolation` member of a sandbox's `/health` answer or receipt; both sets must together
    /// name every layer exactly once, so a server that knows fewer layers than this build is refused.
    pub fn from_report(report: &serde_json::Value) -> Result<Isolation, PolicyError> {
        let member = report
            .get("isolation")
            .ok_or_else(|| PolicyError::NoIsolationReport("no `isolation` member".into()))?;
        let parsed: Isolation = serde_json::from_value(member.clone())
            .map_err(|e| PolicyError::NoIsolationReport(e.to_string()))?;
        if parsed != Isolation::of(parsed.in_force.clone()) {
            return Err(PolicyError::NoIsolationReport(format!(
                "in force {} and missing {} do not partition the layers {}",
                list(&parsed.in_force),
                list(&parsed.missing),
                list(&Layer::ALL.into_iter().collect())
            )));
        }
        Ok(parsed)
    }
}

/// What a receipt records about where and how an attempt ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// The container instance (`t<tenant hex>.<n>`), or `local` for the stack's sandbox process.
    pub instance: String,
    pub in_force: Layers,
    pub missing: Layers,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("unknown isolation layer `{0}` (the layers are netns, fs_jail, uid_drop, seccomp, rlimits, nproc)")]
    UnknownLayer(String),
    #[error("{}", missing_text(.missing, .allowed))]
    MissingLayers { missing: Layers, allowed: Layers },
    #[error("--allow-degraded names {} but {} in force here: name exactly the missing layers ({})", list(.extra), if .extra.len() == 1 { "it is" } else { "they are" }, list(.missing))]
    AllowedButPresent { extra: Layers, missing: Layers },
    #[error("the sandbox runs without isolation layers {} and this deployment tolerates {}: refusing to dispatch (set WRIT_ALLOW_DEGRADED_SANDBOX={} to run steps without them)", list(.untolerated), list(.tolerated), list(.missing))]
    Degraded {
        untolerated: Layers,
        tolerated: Layers,
        missing: Layers,
    },
    #[error("the sandbox did not report its isolation layers: {0}")]
    NoIsolationReport(String),
    #[error("the sandbox pool size must be at least 1")]
    EmptyPool,
}

fn missing_text(missing: &Layers, allowed: &Layers) -> String {
    let unallowed: Layers = missing.difference(allowed).copied().collect();
    let needs: Vec<String> = unallowed
        .iter()
        .map(|l| format!("{l} needs {}", l.needs()))
        .collect();
    format!(
        "isolation layers missing: {} ({}); run the server with those privileges, or start it with `--allow-degraded {}` to run without them (every receipt will say so)",
        list(&unallowed),
        needs.join("; "),
        list(missing)
    )
}

/// May a server with `in_force` layers start, told it may lack `allowed`? Only when `allowed` names exactly
/// the missing layers: a layer missing unannounced is refused, and so is an allowance for a layer in force
/// (the flag would silently outlive the host that needed it).
pub fn startup(in_force: &Layers, allowed: &Layers) -> Result<Isolation, PolicyError> {
    let isolation = Isolation::of(in_force.clone());
    if !isolation.missing.is_subset(allowed) {
        return Err(PolicyError::MissingLayers {
            missing: isolation.missing,
            allowed: allowed.clone(),
        });
    }
    let extra: Layers = allowed.difference(&isolation.missing).copied().collect();
    if !extra.is_empty() {
        return Err(PolicyError::AllowedButPresent {
            extra,
            missing: isolation.missing,
        });
    }
    Ok(isolation)
}

/// May the worker dispatch to a sandbox reporting `isolation`, when the deployment tolerates `tolerated`
/// missing layers (`WRIT_ALLOW_DEGRADED_SANDBOX`)? Every missing layer must be tolerated.
pub fn admit(isolation: &Isolation, tolerated: &Layers) -> Result<(), PolicyError> {
    let untolerated: Layers = isolation.missing.difference(tolerated).copied().collect();
    if untolerated.is_empty() {
        Ok(())
    } else {
        Err(PolicyError::Degraded {
            untolerated,
            tolerated: tolerated.clone(),
            missing: isolation.missing.clone(),
        })
    }
}

/// The container instance that runs an attempt: `t<hex of the tenant>.<n>`, `n` in `0..pool`.
///
/// The tenant is hex-encoded whole, so the name determines the tenant ([`tenant_of`]): two tenants never
/// map to one instance, whatever their names. Within a tenant, attempts spread over the pool by
/// `spread_key` (the run and step) plus the shard index, so consecutive shards of a step land on
/// consecutive instances.
pub fn instance_name(
    tenant: &str,
    spread_key: &str,
    shard: u32,
    pool: u32,
) -> Result<String, PolicyError> {
    if pool == 0 {
        return Err(PolicyError::EmptyPool);
    }
    let digest = blake3::hash(spread_key.as_bytes());
    let mut first = [0u8; 4];
    first.copy_from_slice(&digest.as_bytes()[..4]);
    let start = u32::from_le_bytes(first) % pool;
    let index = (u64::from(start) + u64::from(shard)) % u64::from(pool);
    let hex: String = tenant.bytes().map(|b| format!("{b:02x}")).collect();
    Ok(format!("t{hex}.{index}"))
}

/// The tenant an instance name belongs to; `None` for a name [`instance_name`] does not make.
pub fn tenant_of(instance: &str) -> Option<String> {
    let (hex, index) = instance.strip_prefix('t')?.split_once('.')?;
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) || hex.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    String::from_utf8(bytes?).ok()
}

/// The per-tenant pool size from `WRIT_SANDBOX_POOL` (absent: 1), never above the deployment's
/// `max_instances` for the container class.
pub fn pool_size(configured: Option<&str>) -> Result<u32, PolicyError> {
    match configured.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(1),
        Some(text) => match text.parse::<u32>() {
            Ok(0) | Err(_) => Err(PolicyError::EmptyPool),
            Ok(n) => Ok(n),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(names: &str) -> Layers {
        parse_layers(names).expect("layer names")
    }

    #[test]
    fn layer_names_round_trip() {
        for layer in Layer::ALL {
            assert_eq!(Layer::parse(layer.name()), Ok(layer));
            assert_eq!(
                serde_json::to_value(layer).expect("serializes"),
                serde_json::json!(layer.name())
            );
        }
        assert_eq!(
            parse_layers("netns, fs_jail,,"),
            Ok([Layer::Netns, Layer::FsJail].into())
        );
        assert_eq!(
            parse_layers("netns,chroot"),
            Err(PolicyError::UnknownLayer("chroot".into()))
        );
    }

    #[test]
    fn startup_table() {
        let all = list(&Layer::ALL.into_iter().collect());
        // (in force, allowed to be missing, Ok(missing) or Err(start of the message))
        let cases: [(&str, &str, Result<&str, &str>); 6] = [
            (&all, "", Ok("none")),
            ("seccomp,rlimits", "netns,fs_jail,uid_drop,nproc", Ok("netns,fs_jail,uid_drop,nproc")),
            ("seccomp,rlimits", "", Err("isolation layers missing: netns,fs_jail,uid_drop,nproc (netns needs CAP_SYS_ADMIN")),
            ("seccomp,rlimits", "netns,fs_jail", Err("isolation layers missing: uid_drop,nproc (uid_drop needs CAP_SETUID")),
            (&all, "netns", Err("--allow-degraded names netns but it is in force here")),
            ("netns,seccomp,rlimits", "fs_jail,uid_drop,nproc,netns", Err("--allow-degraded names netns but it is in force here: name exactly the missing layers (fs_jail,uid_drop,nproc)")),
        ];
        for (in_force, allowed, want) in cases {
            let got = startup(&set(in_force), &set(allowed));
            match (got, want) {
                (Ok(iso), Ok(missing)) => {
                    assert_eq!(list(&iso.missing), missing, "{in_force} / {allowed}")
                }
                (Err(e), Err(start)) => assert!(
                    e.to_string().starts_with(start),
                    "{in_force} / {allowed}: {e}"
                ),
                (got, want) => panic!("{in_force} / {allowed}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn the_refusal_says_the_flag_to_pass() {
        let err = startup(&set("seccomp,rlimits"), &set("")).expect_err("refused");
        assert!(err
            .to_string()
            .ends_with("start it with `--allow-degraded netns,fs_jail,uid_drop,nproc` to run without them (every receipt will say so)"));
    }

    #[test]
    fn admit_table() {
        let degraded = Isolation::of(set("seccomp,rlimits"));
        let full = Isolation::of(Layer::ALL.into_iter().collect());
        assert_eq!(admit(&full, &set("")), Ok(()));
        assert_eq!(
            admit(&degraded, &set("netns,fs_jail,uid_drop,nproc")),
            Ok(())
        );
        assert_eq!(
            admit(&degraded, &set("netns,fs_jail,uid_drop,nproc,seccomp")),
            Ok(())
        );
        let err = admit(&degraded, &set("netns")).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "the sandbox runs without isolation layers fs_jail,uid_drop,nproc and this deployment tolerates netns: refusing to dispatch (set WRIT_ALLOW_DEGRADED_SANDBOX=netns,fs_jail,uid_drop,nproc to run steps without them)"
        );
    }

    #[test]
    fn isolation_reports_must_partition_the_layers() {
        let good = serde_json::json!({"isolation": {"in_force": ["seccomp", "rlimits"], "missing": ["netns", "fs_jail", "uid_drop", "nproc"]}});
        assert_eq!(
            Isolation::from_report(&good),
            Ok(Isolation::of(set("seccomp,rlimits")))
        );
        let bad = [
            serde_json::json!({"status": "ok"}),
            serde_json::json!({"isolation": {"netns": true}}),
            serde_json::json!({"isolation": {"in_force": ["seccomp"], "missing": []}}),
            serde_json::json!({"isolation": {"in_force": ["seccomp", "chroot"], "missing": []}}),
        ];
        for report in bad {
            assert!(
                matches!(
                    Isolation::from_report(&report),
                    Err(PolicyError::NoIsolationReport(_))
                ),
                "{report}"
            );
        }
    }

    #[test]
    fn instance_names_spread_shards_over_the_pool() {
        let names: BTreeSet<String> = (0..4)
            .map(|k| instance_name("acme", "r1/s1", k, 4).expect("pool"))
            .collect();
        assert_eq!(names.len(), 4, "{names:?}");
        assert!(names.iter().all(|n| n.starts_with("t61636d65.")));
        assert_eq!(
            instance_name("acme", "r1/s1", 0, 0),
            Err(PolicyError::EmptyPool)
        );
        assert_eq!(tenant_of("t61636d65.3").as_deref(), Some("acme"));
        for bad in ["sandbox", "t6.1", "t61.", "t61.x", "x61.1", "tzz.1"] {
            assert_eq!(tenant_of(bad), None, "{bad}");
        }
        assert_eq!(pool_size(None), Ok(1));
        assert_eq!(pool_size(Some("3")), Ok(3));
        assert_eq!(pool_size(Some("0")), Err(PolicyError::EmptyPool));
        assert_eq!(pool_size(Some("many")), Err(PolicyError::EmptyPool));
    }

    proptest! {
        /// Two tenants never map to the same instance, whatever their names, keys, shards and pools.
        #[test]
        fn two_tenants_never_share_an_instance(
            a in ".{0,12}", b in ".{0,12}", ka in ".{0,8}", kb in ".{0,8}",
            sa in 0u32..1000, sb in 0u32..1000, pa in 1u32..64, pb in 1u32..64,
        ) {
            prop_assume!(a != b);
            let na = instance_name(&a, &ka, sa, pa).expect("pool");
            let nb = instance_name(&b, &kb, sb, pb).expect("pool");
            prop_assert_ne!(&na, &nb);
            prop_assert_eq!(tenant_of(&na), Some(a));
        }

        /// Every instance of a tenant lies in its pool.
        #[test]
        fn instances_stay_in_the_pool(t in ".{0,12}", k in ".{0,8}", s in any::<u32>(), p in 1u32..64) {
            let name = instance_name(&t, &k, s, p).expect("pool");
            let index: u32 = name.rsplit('.').next().and_then(|i| i.parse().ok()).expect("index");
            prop_assert!(index < p);
        }
    }
}
