//! Multi-file artifacts (a batch of documents, a directory tree such as a site): the artifact's own bytes are
//! a manifest in canonical JSON listing every file by relative path with its content hash and size; each file
//! is stored content-addressed on its own. One manifest hash names the whole; a file shared by two bundles is
//! stored once.

use serde::{Deserialize, Serialize};
use writ_canon::ContentHash;

use crate::ArtifactError;

/// The format tag of a bundle manifest, so a manifest is never mistaken for a JSON artifact's own value.
pub const BUNDLE_FORMAT: &str = "writ.bundle/1";

/// One file of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BundleFile {
    /// Relative, `/`-separated, no `.`, `..` or empty segment.
    pub path: String,
    pub hash: ContentHash,
    pub size: u64,
}

/// The manifest of a bundle: its files sorted by path, no path twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    pub files: Vec<BundleFile>,
}

impl Bundle {
    /// A bundle of `files` (any order); a bad or repeated path is an error naming it.
    pub fn new(mut files: Vec<BundleFile>) -> Result<Bundle, ArtifactError> {
        files.sort();
        for f in &files {
            check_path(&f.path)?;
        }
        if let Some(w) = files.windows(2).find(|w| w[0].path == w[1].path) {
            return Err(ArtifactError::Bundle(format!(
                "the path `{}` appears twice",
                w[0].path
            )));
        }
        Ok(Bundle {
            format: BUNDLE_FORMAT.into(),
            files,
        })
    }

    /// A manifest from its bytes, checked as [`Bundle::new`] checks.
    pub fn parse(bytes: &[u8]) -> Result<Bundle, ArtifactError> {
        let b: Bundle = serde_json::from_slice(bytes)
            .map_err(|e| ArtifactError::Bundle(format!("not a bundle manifest: {e}")))?;
        if b.format != BUNDLE_FORMAT {
            return Err(ArtifactError::Bundle(format!(
                "manifest format `{}` is not `{BUNDLE_FORMAT}`",
                b.format
            )));
        }
        Bundle::new(b.files)
    }

    /// The manifest's canonical bytes; their hash is the bundle's content hash.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ArtifactError> {
        writ_canon::to_canonical_string(self)
            .map(String::into_bytes)
            .map_err(|e| ArtifactError::Bundle(e.to_string()))
    }

    /// Files `[start, end)` (a shard's items).
    pub fn slice(&self, start: usize, end: usize) -> Bundle {
        let end = end.min(self.files.len());
        let start = start.min(end);
        Bundle {
            format: BUNDLE_FORMAT.into(),
            files: self.files[start..end].to_vec(),
        }
    }

    /// The union of shard bundles; two shards writing the same path is an error naming it.
    pub fn merge(parts: &[Bundle]) -> Result<Bundle, ArtifactError> {
        Bundle::new(parts.iter().flat_map(|b| b.files.iter().cloned()).collect())
    }
}

/// A relative path that stays inside its bundle.
pub fn check_path(path: &str) -> Result<(), ArtifactError> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.contains('\0')
        || path
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..");
    if bad {
        return Err(ArtifactError::Bundle(format!(
            "`{path}` is not a relative path inside the bundle"
        )));
    }
    Ok(())
}
