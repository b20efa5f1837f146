//! Embeds the catalog: every file under the repository's `catalog/` folder (what is cross-domain) and the
//! declarations of every workload pack under `packs/<name>/`, so adding a catalog file or a pack's
//! declaration needs no code change. A pack's files take their place in the catalog's namespace:
//!
//! | in `packs/<name>/`        | in the catalog                |
//! |---------------------------|-------------------------------|
//! | `pack.toml`               | `domains/<name>.toml`         |
//! | `template.json`           | `templates/<name>.json`       |
//! | `schemas/<file>`          | `schemas/<file>`              |
//! | `tools/<file>`            | `tools/<file>`                |
//! | `skills/<file>`           | `skills/<file>`               |
//! | `programs/<file>.py`      | `programs/<name>/<file>.py`   |
//!
//! Generates `$OUT_DIR/catalog_files.rs`: a sorted list of (path in the catalog, contents).

use std::path::{Path, PathBuf};

fn main() {
    let repo = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("../..");
    let root = repo.join("catalog");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, "", &mut files);

    let packs = repo.join("packs");
    println!("cargo:rerun-if-changed={}", packs.display());
    let mut names: Vec<PathBuf> = std::fs::read_dir(&packs)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    for pack in names {
        let Some(name) = pack.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        println!("cargo:rerun-if-changed={}", pack.display());
        for (file, target) in [
            ("pack.toml", format!("domains/{name}.toml")),
            ("template.json", format!("templates/{name}.json")),
        ] {
            let path = pack.join(file);
            println!("cargo:rerun-if-changed={}", path.display());
            if path.is_file() {
                files.push((target, absolute(&path)));
            }
        }
        for (folder, prefix) in [
            ("schemas", "schemas/".to_string()),
            ("tools", "tools/".to_string()),
            ("skills", "skills/".to_string()),
            ("programs", format!("programs/{name}/")),
        ] {
            let dir = pack.join(folder);
            if dir.is_dir() {
                collect(&dir, &dir, &prefix, &mut files);
            }
        }
    }

    files.sort();
    let mut out = String::from("pub(crate) static FILES: &[(&str, &str)] = &[\n");
    for (rel, abs) in &files {
        out.push_str(&format!("    ({rel:?}, include_str!({abs:?})),\n"));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("catalog_files.rs");
    if let Err(err) = std::fs::write(&dest, out) {
        println!("cargo:warning=cannot write {}: {err}", dest.display());
        std::process::exit(1);
    }
}

fn absolute(path: &Path) -> String {
    path.canonicalize()
        .unwrap_or(path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

fn collect(root: &Path, dir: &Path, prefix: &str, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "__pycache__" {
            continue;
        }
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(root, &path, prefix, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("toml" | "json" | "py")
        ) {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((format!("{prefix}{rel}"), absolute(&path)));
        }
    }
}
