//! The validation ladder and the built-in auditor, run on a step's stored outputs.
//!
//! Both see the same evidence: each output (tables as JSON rows), every input of the step and the sibling
//! outputs. The built-in auditor judges each rubric criterion with the pack's check written as code; a
//! criterion without a check it can run is a failure, never a silent pass.

use crate::error::{ApiError, ApiResult};
use crate::run_object::RunObject;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use writ_canon::ContentHash;
use writ_ladder::{Artifact, Contract, Ladder, LadderConfig, ValidatorRef};
use writ_ledger::{CriterionVerdict, LedgerEvent, StageOutcome, Verdict};
use writ_plan::{FrozenStep, RubricCriterion, ValidationMode};
use writ_run::{Event, OutputMeasure};

struct Evidence {
    step: FrozenStep,
    outputs: BTreeMap<String, (String, Value)>,
    context: writ_ladder::types::Context,
    /// Artifacts that cannot be read as their kind: (slot, why). Their step does not publish.
    unreadable: Vec<(String, String)>,
}

/// An artifact as the ladder reads it, by kind (`writ-artifact`); `Err` says why it cannot be read.
async fn as_json(
    obj: &RunObject,
    hash: &ContentHash,
    kind: &str,
) -> ApiResult<Result<Value, String>> {
    let bytes = crate::run_exec::read_blob(obj, hash).await?;
    crate::artifacts::read_for_validation(obj, kind, &bytes).await
}

async fn evidence(
    obj: &RunObject,
    step_id: &str,
    outputs: &BTreeMap<String, OutputMeasure>,
) -> ApiResult<Evidence> {
    let (step, inputs) = obj.with_run(|r| {
        (
            r.plan.step(step_id).cloned(),
            r.step(step_id).map(|s| s.inputs.clone()),
        )
    })?;
    let step = step.ok_or_else(|| ApiError::internal(format!("no step {step_id}")))?;
    let mut context = writ_ladder::types::Context::default();
    let mut unreadable = Vec::new();
    for input in inputs.unwrap_or_default() {
        let kind = step
            .contract
            .inputs
            .iter()
            .find(|i| i.slot == input.slot)
            .map(|i| i.kind.clone())
            .unwrap_or_default();
        let value = match as_json(obj, &input.artifact_hash, &kind).await? {
            Ok(v) => v,
            Err(why) => {
                unreadable.push((
                    input.slot.clone(),
                    format!("input `{}` ({kind}): {why}", input.slot),
                ));
                continue;
            }
        };
        if let Value::Array(rows) = &value {
            context
                .input_row_counts
                .insert(input.slot.clone(), rows.len() as u64);
        }
        context.related.insert(input.slot.clone(), value);
    }
    let mut out = BTreeMap::new();
    for (slot, m) in outputs {
        let kind = step
            .contract
            .outputs
            .iter()
            .find(|o| &o.slot == slot)
            .map(|o| o.kind.clone())
            .unwrap_or_default();
        let value = match as_json(obj, &m.hash, &kind).await? {
            Ok(v) => v,
            Err(why) => {
                unreadable.push((
                    slot.clone(),
                    format!("output `{slot}` is not a valid `{kind}`: {why}"),
                ));
                continue;
            }
        };
        context.related.insert(slot.clone(), value.clone());
        out.insert(slot.clone(), (kind, value));
    }
    Ok(Evidence {
        step,
        outputs: out,
        context,
        unreadable,
    })
}

/// Catalog schemas of tables describe one row; the ladder sees the table as an array of rows.
fn table_schema(kind: &str, row: Value) -> Value {
    if !(kind.starts_with("table.") || kind.starts_with("dataset.")) || row["type"] == "array" {
        return row;
    }
    let mut row = row;
    let defs = row.as_object_mut().and_then(|o| o.remove("$defs"));
    if let Some(o) = row.as_object_mut() {
        o.remove("$schema");
        o.remove("$id");
    }
    let mut wrapped = json!({"type": "array", "items": row});
    if let Some(d) = defs {
        wrapped["$defs"] = d;
    }
    wrapped
}

fn mode(m: ValidationMode) -> writ_ladder::types::Mode {
    match m {
        ValidationMode::Block => writ_ladder::types::Mode::Block,
        ValidationMode::Report => writ_ladder::types::Mode::Report,
        ValidationMode::Off => writ_ladder::types::Mode::Off,
    }
}

pub async fn validate(
    obj: &RunObject,
    step_id: &str,
    attempt_id: &str,
    outputs: &BTreeMap<String, OutputMeasure>,
) -> ApiResult<Event> {
    let ev = evidence(obj, step_id, outputs).await?;
    let profile_mode = obj.with_run(|r| r.profile.validation.step_output)?;
    let catalog = writ_catalog::Catalog::builtin();
    let mut reports = serde_json::Map::new();
    // An output that cannot be read as its kind (a ragged CSV, a bundle with a bad path) is rejected here,
    // named with its reason: the attempt ends, never stalls.
    let mut publishable = ev.unreadable.is_empty();
    for (slot, why) in &ev.unreadable {
        reports.insert(
            slot.clone(),
            json!({"publishable": false, "unreadable": why}),
        );
        crate::outbox::append(
            obj,
            LedgerEvent::Note {
                text: format!("{step_id}: {why}"),
            },
        )?;
    }
    let mut stage_events = Vec::new();
    let mut corrections = Vec::new();
    let mut corrected = BTreeMap::new();
    for (slot, (kind, value)) in &ev.outputs {
        let decl = ev.step.contract.outputs.iter().find(|o| &o.slot == slot);
        let schema = decl
            .and_then(|o| o.schema_id.as_deref())
            .and_then(|id| catalog.schema(id))
            .map(|s| table_schema(kind, s.schema.clone()));
        let config = LadderConfig {
            mode: mode(profile_mode),
            schema,
            contract: Contract {
                kind: Some(kind.clone()),
                ..Contract::default()
            },
            validators: ev
                .step
                .contract
                .validators
                .iter()
                .map(|v| ValidatorRef::new(v))
                .collect(),
            ..LadderConfig::default()
        };
        let mut ladder = Ladder::new(config)
            .map_err(|e| ApiError::internal(format!("ladder for {slot}: {e}")))?
            .with_registry(writ_packs::registry());
        let artifact = Artifact {
            name: slot.clone(),
            kind: kind.clone(),
            value: value.clone(),
            context: ev.context.clone(),
        };
        let step = ladder
            .start(artifact)
            .map_err(|e| ApiError::internal(format!("ladder on {slot}: {e}")))?;
        let report = match step {
            writ_ladder::Step::Done(report) => report,
            // No model serves the built-in profile's ladder stages; a request for one is a configuration error.
            writ_ladder::Step::NeedsModel(req) => {
                return Err(ApiError::internal(format!(
                    "ladder stage {:?} asked for a model, none is configured",
                    req.stage
                )))
            }
        };
        publishable &= report.publishable;
        // What is audited and published is the ladder's output: a corrected value is written back as its
        // kind, with the step's provenance, and replaces the sandbox's bytes; each correction is recorded.
        if report.publishable && report.final_hash != report.original_hash {
            let Some(measure) = outputs.get(slot) else {
                return Err(ApiError::internal(format!(
                    "{step_id}: no measured output `{slot}`"
                )));
            };
            match write_corrected(obj, step_id, attempt_id, slot, kind, measure, &report).await? {
                Ok(after) => {
                    for c in &report.corrections {
                        corrections.push(LedgerEvent::Correction {
                            step: step_id.to_string(),
                            slot: slot.clone(),
                            stage: c.stage.name().to_string(),
                            what: c.what.clone(),
                            why: c.why.clone(),
                            before_hash: measure.hash,
                            after_hash: after.hash,
                        });
                    }
                    corrected.insert(slot.clone(), after);
                }
                Err(why) => {
                    publishable = false;
                    crate::outbox::append(
                        obj,
                        LedgerEvent::Note {
                            text: format!(
                                "{step_id}: the corrected `{slot}` cannot be written: {why}"
                            ),
                        },
                    )?;
                }
            }
        }
        for stage in &report.stage_results {
            let details =
                writ_canon::hash_of(stage).map_err(|e| ApiError::internal(e.to_string()))?;
            stage_events.push(LedgerEvent::ValidationStage {
                step: step_id.to_string(),
                stage: format!("{slot}:{}", stage.stage.name()),
                outcome: match &stage.outcome {
                    writ_ladder::types::Outcome::Pass => StageOutcome::Pass,
                    writ_ladder::types::Outcome::Corrected => StageOutcome::Corrected,
                    writ_ladder::types::Outcome::Rejected => StageOutcome::Rejected,
                    writ_ladder::types::Outcome::Skipped { .. } => StageOutcome::Skipped,
                },
                details_hash: details,
            });
        }
        // The record keeps the ladder's verdicts, corrections and the final value's hash; the value itself
        // is the artifact (a 1,000-file bundle would not fit a record).
        let mut record = serde_json::to_value(&*report)
            .map_err(|e| ApiError::internal(format!("ladder report of {slot}: {e}")))?;
        if let Some(map) = record.as_object_mut() {
            map.remove("final_value");
        }
        reports.insert(slot.clone(), record);
    }
    for e in stage_events.into_iter().chain(corrections) {
        crate::outbox::append(obj, e)?;
    }
    if !publishable {
        corrected.clear(); // nothing is published; the sandbox's outputs stay the attempt's evidence
    }
    let body = json!({"step": step_id, "attempt_id": attempt_id, "reports": reports});
    let report_hash = store_doc(obj, &body)?;
    Ok(Event::Validated {
        attempt_id: attempt_id.to_string(),
        publishable,
        report_hash,
        corrected,
    })
}

/// Writes the ladder's corrected value of `slot` back as its kind, stored beside the original with the
/// step's provenance (renamed fields carry their cell sources). `Err`: why it cannot be written.
async fn write_corrected(
    obj: &RunObject,
    step: &str,
    attempt_id: &str,
    slot: &str,
    kind: &str,
    before: &OutputMeasure,
    report: &writ_ladder::types::LadderReport,
) -> ApiResult<Result<OutputMeasure, String>> {
    let original = crate::run_exec::read_blob(obj, &before.hash).await?;
    let renames = report.renamed_fields();
    let bytes = match writ_artifact::write_corrected(kind, &original, &report.final_value, &renames)
    {
        Ok(b) => b,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let hash = crate::artifacts::put_blob(obj, &bytes).await?;
    let store = obj.store();
    let name = store
        .blob(&before.hash.to_string())?
        .map(|(name, _)| name)
        .ok_or_else(|| ApiError::internal(format!("{step}: `{slot}` has no stored name")))?;
    store.put_blob(&hash.to_string(), &name, kind)?;
    let provenance = crate::artifacts::output_provenance(obj, &before.hash.to_string(), step, slot)
        .await?
        .map(|v| writ_artifact::Provenance::parse(&v).map(|p| p.with_renamed_fields(&renames)))
        .transpose()
        .map_err(|e| ApiError::internal(format!("provenance of {step} `{slot}`: {e}")))?
        .map(|p| serde_json::to_value(&p))
        .transpose()
        .map_err(|e| ApiError::internal(format!("provenance of {step} `{slot}`: {e}")))?;
    crate::artifacts::put_output(obj, &hash, step, slot, attempt_id, provenance.as_ref()).await?;
    let rows = match writ_artifact::items_of(kind) {
        writ_artifact::Items::Rows { .. } => Some(
            writ_artifact::count_items(kind, None, &bytes)
                .map_err(|e| ApiError::internal(format!("{step} `{slot}`: {e}")))?,
        ),
        _ => before.rows,
    };
    Ok(Ok(OutputMeasure {
        hash,
        size: bytes.len() as u64,
        rows,
    }))
}

pub async fn audit(
    obj: &RunObject,
    step_id: &str,
    attempt_id: &str,
    outputs: &BTreeMap<String, OutputMeasure>,
    rubric: &[RubricCriterion],
) -> ApiResult<Vec<Event>> {
    let ev = evidence(obj, step_id, outputs).await?;
    let registry = writ_packs::registry();
    // The metered model calls, for the machine before the verdict.
    let mut events = Vec::new();
    // The rubric checks written as code judge first: facts no model may overrule.
    let mut by_code: Vec<Option<(bool, Vec<String>)>> = Vec::new();
    for c in rubric {
        by_code.push(c.check.as_ref().map(|check| {
            let mut problems = Vec::new();
            for (slot, (kind, value)) in &ev.outputs {
                let artifact = Artifact {
                    name: slot.clone(),
                    kind: kind.clone(),
                    value: value.clone(),
                    context: ev.context.clone(),
                };
                for d in registry.run(&[ValidatorRef::new(check)], &artifact, value) {
                    if d.severity == writ_diag::Severity::Error {
                        problems.push(format!("{slot}: {} {}", d.code, d.message));
                    }
                }
            }
            (problems.is_empty(), problems)
        }));
    }
    // Then the auditor phase's model, when the profile names one and the run may call models: it judges the
    // evidence bundle (the step's inputs, its outputs, the rubric) criterion by criterion.
    let (profile, sealed) = obj.with_run(|r| (r.profile.clone(), r.mode.is_sealed()))?;
    let auditor = &profile.phases.auditor;
    let by_model: Option<Result<BTreeMap<String, (bool, String)>, String>> =
        if auditor.is_builtin() || sealed || rubric.is_empty() {
            None
        } else if auditor.same_model_as(&profile.phases.executor) {
            // Checked again here, not only when the profile was frozen: nobody grades their own homework.
            Some(Err(format!(
                "the auditor would be the executor's own model (`{}` / `{}`)",
                auditor.provider, auditor.model
            )))
        } else {
            let inputs = ev
                .step
                .contract
                .inputs
                .iter()
                .filter_map(|i| {
                    ev.context
                        .related
                        .get(&i.slot)
                        .map(|v| (i.slot.clone(), v.clone()))
                })
                .collect();
            let evidence = writ_models::task::Evidence {
                inputs,
                outputs: ev
                    .outputs
                    .iter()
                    .map(|(k, (_, v))| (k.clone(), v.clone()))
                    .collect(),
            };
            let task = writ_models::task::AuditTask {
                step_id: step_id.to_string(),
                intent: ev.step.contract.intent.clone(),
                rubric: rubric.to_vec(),
                evidence,
            };
            let (answer, calls) = crate::models::audit(obj, step_id, task).await?;
            events.extend(calls);
            Some(answer.map(|v| {
                v["verdicts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| {
                        Some((
                            x["criterion"].as_str()?.to_string(),
                            (
                                x["verdict"] == "pass",
                                x["evidence"].as_str().unwrap_or("").to_string(),
                            ),
                        ))
                    })
                    .collect()
            }))
        };
    let mut criteria = Vec::new();
    let mut verdicts = Vec::new();
    let mut passed = true;
    for (c, code) in rubric.iter().zip(by_code) {
        let model = match &by_model {
            None => None,
            Some(Ok(v)) => Some(v.get(&c.id).cloned().unwrap_or((
                false,
                "the auditor model gave no verdict on this criterion".to_string(),
            ))),
            Some(Err(why)) => Some((false, format!("no verdict from the auditor model: {why}"))),
        };
        // A criterion passes when every judge that can judge it says so; with none, it fails.
        let verdict = match (&code, &model) {
            (None, None) => false,
            _ => {
                code.as_ref().is_none_or(|(ok, _)| *ok) && model.as_ref().is_none_or(|(ok, _)| *ok)
            }
        };
        let mut evidence: Vec<String> = match &code {
            Some((_, problems)) => problems.clone(),
            None if model.is_none() => vec![
                "no rubric check as code is declared and no auditor model is configured"
                    .to_string(),
            ],
            None => Vec::new(),
        };
        if let Some((_, said)) = &model {
            evidence.push(format!(
                "{}: {said}",
                crate::models::judged_by(auditor, None)
            ));
        }
        passed &= verdict;
        verdicts.push(CriterionVerdict {
            criterion: c.id.clone(),
            verdict: if verdict {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
        });
        criteria.push(json!({
            "id": c.id, "text": c.text, "check": c.check,
            "verdict": if verdict { "pass" } else { "fail" },
            "by_code": code.as_ref().map(|(ok, _)| if *ok { "pass" } else { "fail" }),
            "by_model": model.as_ref().map(|(ok, _)| if *ok { "pass" } else { "fail" }),
            "evidence": evidence,
        }));
    }
    let auditor_name = match &by_model {
        None => "builtin (rubric checks as code)".to_string(),
        Some(_) => format!(
            "{} and rubric checks as code",
            crate::models::judged_by(auditor, None)
        ),
    };
    let proof = json!({
        "step": step_id,
        "attempt_id": attempt_id,
        "auditor": auditor_name,
        "outputs": outputs,
        "criteria": criteria,
        "passed": passed,
    });
    let proof_hash = store_doc(obj, &proof)?;
    crate::outbox::append(
        obj,
        LedgerEvent::ProofRecord {
            step: step_id.to_string(),
            verdicts,
        },
    )?;
    events.push(Event::Audited {
        attempt_id: attempt_id.to_string(),
        passed,
        proof_hash,
    });
    Ok(events)
}

/// Reports and proof records, stored with the run under their hash.
pub fn store_doc(obj: &RunObject, body: &Value) -> ApiResult<ContentHash> {
    let text = writ_canon::canonical_value(body).map_err(|e| ApiError::internal(e.to_string()))?;
    let hash = ContentHash::of_bytes(text.as_bytes());
    obj.store().exec(
        "INSERT OR IGNORE INTO docs (hash, body) VALUES (?, ?)",
        vec![hash.to_string().into(), text.into()],
    )?;
    Ok(hash)
}

/// A record kept under another record's hash (an evaluator verdict's proof, under its ledger event's hash).
pub fn store_doc_as(obj: &RunObject, key: &ContentHash, body: &Value) -> ApiResult<()> {
    let text = writ_canon::canonical_value(body).map_err(|e| ApiError::internal(e.to_string()))?;
    obj.store().exec(
        "INSERT OR IGNORE INTO docs (hash, body) VALUES (?, ?)",
        vec![key.to_string().into(), text.into()],
    )?;
    Ok(())
}

pub fn doc(obj: &RunObject, hash: &str) -> ApiResult<Option<Value>> {
    #[derive(serde::Deserialize)]
    struct D {
        body: String,
    }
    Ok(obj
        .store()
        .rows::<D>("SELECT body FROM docs WHERE hash = ?", vec![hash.into()])?
        .into_iter()
        .next()
        .and_then(|d| serde_json::from_str(&d.body).ok()))
}
