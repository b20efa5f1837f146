//! Reading catalog files into a [`Catalog`]. Loading is lenient: a file that does not parse is skipped and
//! recorded as a problem, so one bad file never takes the whole catalog down; tests assert there are none.

use crate::catalog::Catalog;
use crate::model::*;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use writ_canon::{hash_of, ContentHash};
use writ_plan::{ExecutionProfile, PlanCandidate};

/// Something wrong with the catalog's own files.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{code} {file}: {message}")]
pub struct CatalogProblem {
    /// Stable code: `CAT001` does not parse, `CAT002` id differs from file name, `CAT003` duplicate id,
    /// `CAT004` file outside a known folder, `CAT005` skill without its source or descriptor,
    /// `CAT010` unresolved reference, `CAT011` inconsistent entry.
    pub code: &'static str,
    /// Path relative to `catalog/`.
    pub file: String,
    pub message: String,
}

impl CatalogProblem {
    pub(crate) fn new(code: &'static str, file: &str, message: impl Into<String>) -> Self {
        CatalogProblem {
            code,
            file: file.to_string(),
            message: message.into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindsFile {
    kind: Vec<ArtifactKind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdaptersFile {
    adapter: Vec<Adapter>,
}

fn toml_of<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, CatalogProblem> {
    toml::from_str(text)
        .map_err(|e| CatalogProblem::new("CAT001", file, e.to_string().trim_end().to_string()))
}

fn json_of<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, CatalogProblem> {
    writ_plan::from_json(text).map_err(|e| CatalogProblem::new("CAT001", file, e.to_string()))
}

fn insert<T>(
    map: &mut BTreeMap<String, T>,
    problems: &mut Vec<CatalogProblem>,
    file: &str,
    id: &str,
    value: T,
) {
    if map.contains_key(id) {
        problems.push(CatalogProblem::new(
            "CAT003",
            file,
            format!("duplicate id `{id}`"),
        ));
    } else {
        map.insert(id.to_string(), value);
    }
}

fn expect_stem(problems: &mut Vec<CatalogProblem>, file: &str, stem: &str, id: &str) {
    if stem != id {
        problems.push(CatalogProblem::new(
            "CAT002",
            file,
            format!("id `{id}` differs from the file name `{stem}`"),
        ));
    }
}

/// `dir/name.ext` → (`dir`, `name`), with `.schema.json` treated as one extension.
fn split(path: &str) -> (&str, &str) {
    let (dir, name) = path.split_once('/').unwrap_or(("", path));
    let stem = name
        .strip_suffix(".schema.json")
        .or_else(|| name.rsplit_once('.').map(|(s, _)| s))
        .unwrap_or(name);
    (dir, stem)
}

pub(crate) fn load(files: &[(&str, &str)]) -> Catalog {
    let mut c = Catalog::default();
    let mut p = Vec::new();
    let mut skill_sources: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    let mut skill_descriptors: Vec<(&str, SkillDescriptor)> = Vec::new();
    for &(file, text) in files {
        let (dir, stem) = split(file);
        let ext = file.rsplit('.').next().unwrap_or("");
        match (dir, ext) {
            ("kinds", "toml") => match toml_of::<KindsFile>(file, text) {
                Ok(f) => f.kind.into_iter().for_each(|k| {
                    let id = k.id.clone();
                    insert(&mut c.kinds, &mut p, file, &id, k)
                }),
                Err(e) => p.push(e),
            },
            ("adapters", "toml") => match toml_of::<AdaptersFile>(file, text) {
                Ok(f) => f.adapter.into_iter().for_each(|a| {
                    let id = a.id.clone();
                    insert(&mut c.adapters, &mut p, file, &id, a)
                }),
                Err(e) => p.push(e),
            },
            ("domains", "toml") | ("workflows", "toml") => match toml_of::<Pack>(file, text) {
                Ok(pack) => {
                    expect_stem(&mut p, file, stem, &pack.id);
                    let id = pack.id.clone();
                    let map = if dir == "domains" {
                        &mut c.domains
                    } else {
                        &mut c.workflows
                    };
                    insert(map, &mut p, file, &id, pack);
                }
                Err(e) => p.push(e),
            },
            ("policies", "toml") => match toml_of::<PolicyProfile>(file, text) {
                Ok(policy) => {
                    expect_stem(&mut p, file, stem, &policy.id);
                    let id = policy.id.clone();
                    insert(&mut c.policies, &mut p, file, &id, policy);
                }
                Err(e) => p.push(e),
            },
            ("skills", "toml") => match toml_of::<SkillDescriptor>(file, text) {
                Ok(d) => {
                    expect_stem(&mut p, file, stem, &d.id);
                    skill_descriptors.push((file, d));
                }
                Err(e) => p.push(e),
            },
            ("skills", "py") => {
                skill_sources.insert(stem, (file, text));
            }
            ("tools", "json") => match json_of::<ToolDescriptor>(file, text) {
                Ok(d) => {
                    expect_stem(&mut p, file, stem, &d.id);
                    match hash_of(&d) {
                        Ok(hash) => {
                            let tool = Tool {
                                id: d.id,
                                title: d.title,
                                description: d.description,
                                keywords: d.keywords,
                                cost_class: d.cost_class,
                                input_schema: d.input_schema,
                                output_schema: d.output_schema,
                                hash,
                            };
                            let id = tool.id.clone();
                            insert(&mut c.tools, &mut p, file, &id, tool);
                        }
                        Err(e) => p.push(CatalogProblem::new("CAT001", file, e.to_string())),
                    }
                }
                Err(e) => p.push(e),
            },
            ("schemas", "json") => {
                match json_of::<Value>(file, text).and_then(|v| schema_entry(file, v)) {
                    Ok(s) => {
                        expect_stem(&mut p, file, stem, &s.id);
                        let id = s.id.clone();
                        insert(&mut c.schemas, &mut p, file, &id, s);
                    }
                    Err(e) => p.push(e),
                }
            }
            ("templates", "json") => match json_of::<PlanCandidate>(file, text) {
                Ok(plan) => {
                    if plan.template.as_deref() != Some(stem) {
                        p.push(CatalogProblem::new(
                            "CAT002",
                            file,
                            format!("`template` must be `{stem}`"),
                        ));
                    }
                    match hash_of(&plan) {
                        Ok(hash) => insert(
                            &mut c.templates,
                            &mut p,
                            file,
                            stem,
                            Template {
                                id: stem.into(),
                                hash,
                                plan,
                            },
                        ),
                        Err(e) => p.push(CatalogProblem::new("CAT001", file, e.to_string())),
                    }
                }
                Err(e) => p.push(e),
            },
            ("profiles", "toml") => match ExecutionProfile::from_toml(text) {
                Ok(profile) => {
                    expect_stem(&mut p, file, stem, &profile.id);
                    match hash_of(&profile) {
                        Ok(hash) => {
                            let id = profile.id.clone();
                            insert(
                                &mut c.profiles,
                                &mut p,
                                file,
                                &id,
                                Profile {
                                    id: id.clone(),
                                    hash,
                                    profile,
                                },
                            );
                        }
                        Err(e) => p.push(CatalogProblem::new("CAT001", file, e.to_string())),
                    }
                }
                Err(e) => p.push(CatalogProblem::new("CAT001", file, e.to_string())),
            },
            ("programs", "py") => {
                // Program id: the path under programs/ without `.py`, e.g. `adapters/csv_to_tsv`.
                let id = file
                    .strip_prefix("programs/")
                    .and_then(|f| f.strip_suffix(".py"))
                    .unwrap_or(file);
                let program = Program {
                    id: id.to_string(),
                    hash: ContentHash::of_bytes(text.as_bytes()),
                    source: text.to_string(),
                };
                insert(&mut c.programs, &mut p, file, id, program);
            }
            _ => p.push(CatalogProblem::new(
                "CAT004",
                file,
                "not in a known catalog folder for its extension",
            )),
        }
    }
    for (file, descriptor) in skill_descriptors {
        match skill_sources.remove(descriptor.id.as_str()) {
            Some((_, source)) => {
                let id = descriptor.id.clone();
                let skill = Skill {
                    descriptor,
                    hash: ContentHash::of_bytes(source.as_bytes()),
                    source: source.to_string(),
                };
                insert(&mut c.skills, &mut p, file, &id, skill);
            }
            None => p.push(CatalogProblem::new(
                "CAT005",
                file,
                format!("no source `skills/{}.py`", descriptor.id),
            )),
        }
    }
    for (_, (file, _)) in skill_sources {
        p.push(CatalogProblem::new(
            "CAT005",
            file,
            "skill source without a TOML descriptor",
        ));
    }
    c.problems = p;
    c
}

fn schema_entry(file: &str, schema: Value) -> Result<SchemaEntry, CatalogProblem> {
    let text = |key: &str| schema.get(key).and_then(Value::as_str).map(str::to_string);
    let id =
        text("$id").ok_or_else(|| CatalogProblem::new("CAT011", file, "schema has no `$id`"))?;
    let kind = text("x-kind")
        .ok_or_else(|| CatalogProblem::new("CAT011", file, "schema has no `x-kind`"))?;
    let hash = hash_of(&schema).map_err(|e| CatalogProblem::new("CAT001", file, e.to_string()))?;
    Ok(SchemaEntry {
        title: text("title").unwrap_or_else(|| id.clone()),
        description: text("description").unwrap_or_default(),
        id,
        kind,
        hash,
        schema,
    })
}
