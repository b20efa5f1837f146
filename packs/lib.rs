//! The registry of workload packs. Every folder under `packs/` is one workload; adding one is the folder,
//! its line in [`PACKS`] and its dependency line in `Cargo.toml`.

use writ_pack::PackCode;

/// Every pack writ ships.
pub const PACKS: &[PackCode] = &[
    writ_pack_contract_review::PACK,
    writ_pack_resume_screening::PACK,
    writ_pack_site_build::PACK,
];
