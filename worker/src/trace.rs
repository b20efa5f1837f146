//! Tracing a value of a published artifact back to the uploaded rows it came from: through each
//! intermediate artifact's row-level provenance (recorded by the step runtime, kept by the platform), with
//! the step, the line of step code and the proof record on the way.

use crate::error::{ApiError, ApiResult};
use crate::run_object::RunObject;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use writ_artifact::{sources_for, Provenance, Source, Table};
use writ_canon::ContentHash;

/// The producer of `step`'s input `slot` in the frozen plan: (producing step, its output slot); `None` for
/// a run input.
fn producer_of(obj: &RunObject, step: &str, slot: &str) -> ApiResult<Option<(String, String)>> {
    Ok(obj.with_run(|r| {
        let input = r
            .plan
            .step(step)
            .and_then(|s| s.contract.inputs.iter().find(|i| i.slot == slot))?;
        // `<step>:output:<k>:<slot>` for a step output, `run:input:<name>` for a run input.
        let mut parts = input.producer_ref.split(':');
        let producer = parts.next()?;
        if producer == "run" {
            return None;
        }
        let out_slot = parts.nth(2)?;
        Some((producer.to_string(), out_slot.to_string()))
    })?)
}

pub async fn trace(obj: &RunObject, artifact: &str, pointer: &str) -> ApiResult<Value> {
    if artifact.is_empty() {
        return Err(ApiError::bad_request(
            "the `artifact` query parameter is required",
        ));
    }
    let hash = crate::run_exec::artifact_hash(obj, artifact)?;
    let record = crate::run_exec::provenance_json(obj, artifact).await?;
    let value = read_value(obj, &hash, artifact, pointer).await?;
    let run_inputs: BTreeMap<String, ContentHash> = obj.with_run(|r| r.inputs.clone())?;
    let upload_hashes: BTreeSet<String> = run_inputs.values().map(|h| h.to_string()).collect();

    let mut chain = Vec::new();
    // (upload, file, where: "row N", "line N" or a JSON pointer).
    let mut terminal: BTreeSet<(String, String, String)> = BTreeSet::new();
    // Work list: (artifact hash, the sources of the value within it).
    let first =
        Provenance::parse(&record["sources"]).map_err(|e| ApiError::internal(e.to_string()))?;
    let first_sources =
        sources_for(&first, pointer).map_err(|e| ApiError::not_found(e.to_string()))?;
    let first_step = record["record"]["step"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    chain.push(json!({
        "step": first_step, "artifact": artifact, "hash": hash,
        "code": first.code_for(pointer).map(|c| with_code_hash(obj, &first_step, c)),
        "sources": first_sources.len(),
    }));
    let mut frontier: Vec<(String, Vec<Source>)> = vec![(first_step, first_sources)];
    let mut depth = 0;
    let mut seen_hops: BTreeSet<String> = BTreeSet::new();
    // (step whose provenance cites it, proof record hash).
    let mut judgements: BTreeSet<(String, String)> = BTreeSet::new();
    while let Some((step, sources)) = frontier.pop() {
        depth += 1;
        if depth > 64 {
            break; // plans are acyclic; this only guards against a malformed record
        }
        let step_inputs: BTreeMap<String, String> = obj.with_run(|r| {
            r.step(&step)
                .map(|s| {
                    s.inputs
                        .iter()
                        .map(|i| (i.slot.clone(), i.artifact_hash.to_string()))
                        .collect()
                })
                .unwrap_or_default()
        })?;
        // Grouped by input slot: the slot names its producer (step and output) in the frozen plan, so two
        // steps that produced identical bytes still trace through their own provenance records.
        let mut by_slot: BTreeMap<String, (String, Vec<Source>)> = BTreeMap::new();
        for s in sources {
            if let Some(proof) = &s.proof {
                // A verdict of the governed evaluator decided this value: its proof record is on the way.
                judgements.insert((step.clone(), proof.clone()));
                continue;
            }
            if let Some(h) = step_inputs.get(&s.input) {
                by_slot
                    .entry(s.input.clone())
                    .or_insert_with(|| (h.clone(), Vec::new()))
                    .1
                    .push(s);
            }
        }
        for (slot, (input_hash, sources)) in by_slot {
            if upload_hashes.contains(&input_hash) {
                for s in sources {
                    let at = match (s.row, s.line, &s.pointer) {
                        (Some(r), _, _) => Some(format!("row {r}")),
                        (None, Some(l), _) => Some(format!("line {l}")),
                        (None, None, Some(p)) => Some(p.clone()),
                        _ => None,
                    };
                    if let Some(at) = at {
                        terminal.insert((
                            input_hash.clone(),
                            s.file.clone().unwrap_or_default(),
                            at,
                        ));
                    }
                }
                continue;
            }
            let Some((producer, out_slot)) = producer_of(obj, &step, &slot)? else {
                continue;
            };
            let Some(recorded) =
                crate::artifacts::output_provenance(obj, &input_hash, &producer, &out_slot).await?
            else {
                continue;
            };
            let prov = Provenance::parse(&recorded).map_err(|e| {
                ApiError::internal(format!("provenance of {producer} `{out_slot}`: {e}"))
            })?;
            let mut next = BTreeSet::new();
            for s in &sources {
                let ptr = match (s.row, &s.pointer) {
                    (Some(r), _) => format!("/{r}"),
                    (None, Some(p)) => p.clone(),
                    (None, None) => String::new(),
                };
                if let Ok(found) = sources_for(&prov, &ptr) {
                    next.extend(found);
                }
            }
            if seen_hops.insert(format!("{producer}/{out_slot}")) {
                chain.push(json!({"step": producer, "artifact": out_slot, "hash": input_hash}));
            }
            frontier.push((producer, next.into_iter().collect()));
        }
    }
    let mut sources = Vec::new();
    let mut keys_cache: BTreeMap<String, Option<Table>> = BTreeMap::new();
    for (upload, file, at) in &terminal {
        let row: Option<u64> = at.strip_prefix("row ").and_then(|r| r.parse().ok());
        let line: Option<u64> = at.strip_prefix("line ").and_then(|r| r.parse().ok());
        let key = match row {
            Some(row) => {
                let table = match keys_cache.get(upload) {
                    Some(t) => t.clone(),
                    None => {
                        let bytes =
                            crate::inputs::read_blob(obj.env(), &obj.meta()?.tenant, upload)
                                .await
                                .ok();
                        let t = bytes.and_then(|b| Table::parse(&b).ok());
                        keys_cache.insert(upload.clone(), t.clone());
                        t
                    }
                };
                table.as_ref().and_then(|t| {
                    t.rows
                        .get((row as usize).wrapping_sub(1))
                        .and_then(|r| r.first().cloned())
                })
            }
            None => None,
        };
        let mut source = json!({"upload": upload, "file": file, "key": key});
        match (row, line) {
            (Some(r), _) => source["row"] = json!(r),
            (None, Some(l)) => source["line"] = json!(l),
            (None, None) => source["pointer"] = json!(at),
        }
        sources.push(source);
    }
    let proof = record["record"]["audit_proof"].as_str().map(|h| {
        let doc = crate::validate::doc(obj, h).ok().flatten();
        json!({"hash": h, "verdict": doc.as_ref().map(|d| if d["passed"] == true { "pass" } else { "fail" }), "criteria": doc.map(|d| d["criteria"].clone())})
    });
    let mut judged = Vec::new();
    for (step, proof) in &judgements {
        let doc = crate::validate::doc(obj, proof)?.ok_or_else(|| {
            ApiError::internal(format!(
                "{step} cites the evaluator's proof record {proof}, which the run does not hold"
            ))
        })?;
        let entry = &doc["entry"];
        judged.push(json!({
            "proof": proof,
            "step": step,
            "item": entry["item"],
            "rubric": entry["rubric"],
            "verdict": entry["verdict"],
            "judged_by": entry["judged_by"],
            "bundle_hash": entry["bundle_hash"],
            "reasons": doc["result"]["reasons"],
        }));
    }
    Ok(json!({
        "artifact": artifact,
        "pointer": pointer,
        "value": value,
        "hash": hash,
        "provenance_hash": record["record_hash"],
        "chain": chain,
        "proof": proof,
        "judgements": judged,
        "sources": sources,
    }))
}

fn with_code_hash(obj: &RunObject, step: &str, code: Value) -> Value {
    let hash = obj
        .with_run(|r| {
            r.plan
                .step(step)
                .and_then(|s| s.contract.program.as_ref().map(|p| p.hash.to_string()))
        })
        .ok()
        .flatten();
    let mut c = code;
    if let Some(h) = hash {
        c["hash"] = json!(h);
    }
    c
}

async fn read_value(
    obj: &RunObject,
    hash: &str,
    artifact: &str,
    pointer: &str,
) -> ApiResult<Value> {
    let h = ContentHash::parse(hash).map_err(|e| ApiError::internal(e.to_string()))?;
    let bytes = crate::run_exec::read_blob(obj, &h).await?;
    if artifact.ends_with(".json") {
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        return Ok(v.pointer(pointer).cloned().unwrap_or(Value::Null));
    }
    if artifact.ends_with(".csv") {
        let t = Table::parse(&bytes).map_err(|e| ApiError::internal(e.to_string()))?;
        let mut parts = pointer.trim_start_matches('/').split('/');
        let row: usize = parts.next().and_then(|r| r.parse().ok()).unwrap_or(0);
        return Ok(match parts.next() {
            Some(col) => t.cell(row, col).map(|v| json!(v)).unwrap_or(Value::Null),
            None => t
                .rows
                .get(row.wrapping_sub(1))
                .map(|r| json!(r))
                .unwrap_or(Value::Null),
        });
    }
    Ok(Value::Null)
}
