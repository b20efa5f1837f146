//! One attempt's directory on the host, laid out per docs/sandbox-protocol.md:
//! `<attempt>/work/{program.py, inputs.json, inputs/<slot>/<name>, skills/, out/}` and, with the jail,
//! `<attempt>/jail/` holding the empty mount points. Everything but `out/` is read-only to the step.

use std::fs;
use std::io;
use std::os::unix::fs::{chown, PermissionsExt};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::validate::Attempt;

pub struct AttemptDir {
    pub root: PathBuf,
    pub work: PathBuf,
}

/// Who owns what: with a slot uid the read-only parts are root:<gid> r-x/r--, `out/` is <uid>; without one
/// (an unprivileged server) everything is the server's and read-only only by mode.
#[derive(Clone, Copy)]
pub struct Owner {
    pub ids: Option<(u32, u32)>,
}

impl Owner {
    fn read_only(&self, path: &Path, dir: bool) -> io::Result<()> {
        if let Some((_, gid)) = self.ids {
            chown(path, Some(0), Some(gid))?;
        }
        let mode = match (dir, self.ids.is_some()) {
            (true, true) => 0o550,
            (true, false) => 0o500,
            (false, true) => 0o440,
            (false, false) => 0o400,
        };
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
    }

    fn writable(&self, path: &Path) -> io::Result<()> {
        if let Some((uid, gid)) = self.ids {
            chown(path, Some(uid), Some(gid))?;
        }
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))
    }
}

fn write_read_only(path: &Path, bytes: &[u8], owner: Owner) -> io::Result<()> {
    fs::write(path, bytes)?;
    owner.read_only(path, false)
}

pub fn create(
    work_root: &Path,
    name: &str,
    attempt: &Attempt,
    owner: Owner,
) -> io::Result<AttemptDir> {
    let root = work_root.join(name);
    fs::create_dir(&root)?;
    // Traversable (the step may need to reach work/ when there is no jail) but not listable.
    fs::set_permissions(&root, fs::Permissions::from_mode(0o711))?;
    let work = root.join("work");
    fs::create_dir(&work)?;

    write_read_only(&work.join("program.py"), attempt.program.as_bytes(), owner)?;

    let inputs_dir = work.join("inputs");
    fs::create_dir(&inputs_dir)?;
    let mut manifest = Map::new();
    for (slot, input) in &attempt.inputs {
        let slot_dir = inputs_dir.join(slot);
        fs::create_dir(&slot_dir)?;
        let mut files = Vec::new();
        let mut subdirs = Vec::new();
        for file in &input.files {
            // A bundle's nested paths (validated relative and inside the slot) get their folders.
            let target = slot_dir.join(&file.name);
            if let Some(parent) = target.parent().filter(|p| *p != slot_dir) {
                if !parent.exists() {
                    fs::create_dir_all(parent)?;
                    subdirs.push(parent.to_path_buf());
                }
            }
            write_read_only(&target, &file.bytes, owner)?;
            files.push(json!({
                "name": file.name,
                "path": format!("inputs/{slot}/{}", file.name),
                "hash": file.hash.to_string(),
                "size": file.bytes.len(),
            }));
        }
        // Deepest first, so a folder is closed only after everything inside it is written.
        subdirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for dir in &subdirs {
            let mut at = dir.clone();
            while at != slot_dir {
                owner.read_only(&at, true)?;
                match at.parent() {
                    Some(p) => at = p.to_path_buf(),
                    None => break,
                }
            }
        }
        owner.read_only(&slot_dir, true)?;
        manifest.insert(
            slot.clone(),
            json!({"kind": input.kind, "hash": input.hash, "files": files}),
        );
    }
    owner.read_only(&inputs_dir, true)?;
    let manifest = serde_json::to_vec_pretty(&Value::Object(manifest)).map_err(io::Error::other)?;
    write_read_only(&work.join("inputs.json"), &manifest, owner)?;

    let skills_dir = work.join("skills");
    fs::create_dir(&skills_dir)?;
    let mut packages = Vec::new();
    for (module, source) in &attempt.skills {
        // `text.find_lines` becomes skills/text/find_lines.py: importable as the descriptor names it.
        let parts: Vec<&str> = module.split('.').collect();
        let mut dir = skills_dir.clone();
        for part in &parts[..parts.len().saturating_sub(1)] {
            dir = dir.join(part);
            if !dir.exists() {
                fs::create_dir(&dir)?;
                packages.push(dir.clone());
            }
        }
        let file = parts.last().copied().unwrap_or(module.as_str());
        write_read_only(&dir.join(format!("{file}.py")), source.as_bytes(), owner)?;
    }
    packages.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for dir in &packages {
        owner.read_only(dir, true)?;
    }
    owner.read_only(&skills_dir, true)?;

    let out = work.join("out");
    fs::create_dir(&out)?;
    owner.writable(&out)?;
    owner.read_only(&work, true)?;
    Ok(AttemptDir { root, work })
}

/// Removes the work tree. Directories get their write bit back first: an unprivileged server is bound by
/// the read-only modes it set itself.
pub fn remove_work(work: &Path) -> io::Result<()> {
    fn unlock(dir: &Path) -> io::Result<()> {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                unlock(&entry.path())?;
            }
        }
        Ok(())
    }
    let _ = unlock(work);
    fs::remove_dir_all(work)
}
