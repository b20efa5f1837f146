//! Artifact bytes by kind, for the run object: the shell side of `writ-artifact`. It fetches and stores blobs
//! (R2, content-addressed per tenant) and leaves every decision about formats to `writ-artifact`: what a
//! kind's items are, how a shard's slice is cut, how shard outputs merge, and how a bundle (a batch of
//! documents, a site) lists its files.

use crate::error::{ApiError, ApiResult};
use crate::inputs::blob_key;
use crate::run_object::RunObject;
use writ_artifact::{Bundle, BundleFile};
use writ_canon::ContentHash;

/// One file as the sandbox receives it.
pub struct FileBytes {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A step's view of its plan: the kind of each input slot, and the fan-out's `over` slot and `items`.
pub struct StepShape {
    pub kinds: std::collections::BTreeMap<String, String>,
    pub over: Option<String>,
    pub items: Option<String>,
}

pub fn step_shape(obj: &RunObject, step: &str) -> ApiResult<StepShape> {
    Ok(obj.with_run(|r| {
        let s = r.plan.step(step);
        StepShape {
            kinds: s
                .map(|s| {
                    s.contract
                        .inputs
                        .iter()
                        .map(|i| (i.slot.clone(), i.kind.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            over: s.and_then(|s| s.contract.fan_out.as_ref().map(|f| f.over.clone())),
            items: s.and_then(|s| s.contract.fan_out.as_ref().and_then(|f| f.items.clone())),
        }
    })?)
}

/// The files of an input artifact of `kind` for the sandbox, and the hash of what the step receives: a
/// bundle's files under their paths (a shard's slice of them when `shard` is given; the hash is that slice's
/// manifest's), or the one blob (sliced by kind for a shard) under `name`.
pub async fn input_files(
    obj: &RunObject,
    kind: &str,
    items: Option<&str>,
    hash: &ContentHash,
    name: &str,
    shard: Option<(usize, usize)>,
) -> ApiResult<(ContentHash, Vec<FileBytes>)> {
    let bytes = crate::run_exec::read_blob(obj, hash).await?;
    if writ_artifact::is_bundle(kind) {
        let mut bundle = Bundle::parse(&bytes)
            .map_err(|e| ApiError::internal(format!("input {name} ({kind}): {e}")))?;
        if let Some((start, end)) = shard {
            bundle = bundle.slice(start, end);
        }
        let manifest = bundle
            .to_bytes()
            .map_err(|e| ApiError::internal(format!("input {name} ({kind}): {e}")))?;
        let mut files = Vec::with_capacity(bundle.files.len());
        for f in &bundle.files {
            files.push(FileBytes {
                name: f.path.clone(),
                bytes: crate::run_exec::read_blob(obj, &f.hash).await?,
            });
        }
        return Ok((ContentHash::of_bytes(&manifest), files));
    }
    let bytes = match shard {
        Some((start, end)) => writ_artifact::slice_items(kind, items, &bytes, start, end)
            .map_err(|e| ApiError::internal(format!("slicing {name} ({kind}): {e}")))?,
        None => bytes,
    };
    Ok((
        ContentHash::of_bytes(&bytes),
        vec![FileBytes {
            name: name.to_string(),
            bytes,
        }],
    ))
}

/// Stores `bytes` under their content hash (once) and returns the hash.
pub async fn put_blob(obj: &RunObject, bytes: &[u8]) -> ApiResult<ContentHash> {
    let meta = obj.meta()?;
    let hash = ContentHash::of_bytes(bytes);
    let bucket = obj.env().bucket("ARTIFACTS")?;
    let key = blob_key(&meta.tenant, &hash.to_string());
    if bucket.head(&key).await?.is_none() {
        bucket.put(&key, bytes.to_vec()).execute().await?;
    }
    Ok(hash)
}

/// Stores every file and the bundle manifest over them; returns the manifest's bytes (its hash is the
/// artifact's). A bad or repeated path is an error naming it.
pub async fn put_bundle(
    obj: &RunObject,
    files: Vec<FileBytes>,
) -> ApiResult<Result<Vec<u8>, String>> {
    let mut listed = Vec::with_capacity(files.len());
    for f in files {
        let hash = put_blob(obj, &f.bytes).await?;
        listed.push(BundleFile {
            path: f.name,
            hash,
            size: f.bytes.len() as u64,
        });
    }
    let manifest = match Bundle::new(listed).and_then(|b| b.to_bytes()) {
        Ok(m) => m,
        Err(e) => return Ok(Err(e.to_string())),
    };
    put_blob(obj, &manifest).await?;
    Ok(Ok(manifest))
}

/// The artifact as the ladder reads it (a bundle's files fetched); an artifact that cannot be read as its
/// kind is `Err(reason)` for the caller to report against the step, never a default value.
pub async fn read_for_validation(
    obj: &RunObject,
    kind: &str,
    bytes: &[u8],
) -> ApiResult<Result<serde_json::Value, String>> {
    let mut contents = std::collections::BTreeMap::new();
    if writ_artifact::is_bundle(kind) {
        match Bundle::parse(bytes) {
            Ok(b) => {
                for f in b.files {
                    let data = crate::run_exec::read_blob(obj, &f.hash).await?;
                    contents.insert(f.hash, data);
                }
            }
            Err(e) => return Ok(Err(e.to_string())),
        }
    }
    Ok(
        writ_artifact::read_for_validation(kind, bytes, &|f: &BundleFile| {
            contents.get(&f.hash).cloned()
        })
        .map_err(|e| e.to_string()),
    )
}

/// Records a step output with its row-level provenance. The provenance is kept as a content-addressed
/// blob beside the artifacts (the sources of a 1,000-row table with per-cell citations outgrow a SQLite
/// value); the run's `outputs` table holds its hash.
pub async fn put_output(
    obj: &RunObject,
    hash: &ContentHash,
    step: &str,
    slot: &str,
    attempt_id: &str,
    provenance: Option<&serde_json::Value>,
) -> ApiResult<()> {
    let reference = match provenance {
        None => None,
        Some(p) => {
            let bytes = serde_json::to_vec(p)
                .map_err(|e| ApiError::internal(format!("provenance of {step} `{slot}`: {e}")))?;
            Some(put_blob(obj, &bytes).await?.to_string())
        }
    };
    obj.store()
        .put_output(&hash.to_string(), step, slot, attempt_id, reference)?;
    Ok(())
}

/// The row-level provenance `step` recorded for its output `slot` with this hash; `None` when the step
/// recorded none. A record that cannot be read is an error, never an empty provenance.
pub async fn output_provenance(
    obj: &RunObject,
    hash: &str,
    step: &str,
    slot: &str,
) -> ApiResult<Option<serde_json::Value>> {
    let Some((_, Some(stored))) = obj.store().output(hash, step, slot)? else {
        return Ok(None);
    };
    // Run objects written before provenance moved to blobs hold the JSON text itself.
    let bytes = if stored.starts_with('{') {
        stored.into_bytes()
    } else {
        let at = ContentHash::parse(&stored).map_err(|e| {
            ApiError::internal(format!("provenance reference of {step} `{slot}`: {e}"))
        })?;
        crate::run_exec::read_blob(obj, &at).await?
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| ApiError::internal(format!("provenance of {step} `{slot}`: {e}")))
}
