//! A uniform view over every kind of catalog entry, for listing, showing and searching.

use crate::model::*;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    ArtifactKind,
    Adapter,
    DomainPack,
    WorkflowPack,
    Policy,
    Skill,
    Tool,
    Schema,
    Template,
    Profile,
    Program,
}

impl EntryKind {
    pub const ALL: [EntryKind; 11] = [
        EntryKind::ArtifactKind,
        EntryKind::Adapter,
        EntryKind::DomainPack,
        EntryKind::WorkflowPack,
        EntryKind::Policy,
        EntryKind::Skill,
        EntryKind::Tool,
        EntryKind::Schema,
        EntryKind::Template,
        EntryKind::Profile,
        EntryKind::Program,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::ArtifactKind => "artifact-kind",
            EntryKind::Adapter => "adapter",
            EntryKind::DomainPack => "domain-pack",
            EntryKind::WorkflowPack => "workflow-pack",
            EntryKind::Policy => "policy",
            EntryKind::Skill => "skill",
            EntryKind::Tool => "tool",
            EntryKind::Schema => "schema",
            EntryKind::Template => "template",
            EntryKind::Profile => "profile",
            EntryKind::Program => "program",
        }
    }

    /// Plural noun phrase for count lines ("24 artifact kinds").
    pub fn plural(self) -> &'static str {
        match self {
            EntryKind::ArtifactKind => "artifact kinds",
            EntryKind::Adapter => "adapters",
            EntryKind::DomainPack => "domain packs",
            EntryKind::WorkflowPack => "workflow packs",
            EntryKind::Policy => "policy profiles",
            EntryKind::Skill => "skills",
            EntryKind::Tool => "tools",
            EntryKind::Schema => "schemas",
            EntryKind::Template => "templates",
            EntryKind::Profile => "execution profiles",
            EntryKind::Program => "programs",
        }
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown entry kind `{0}`; expected one of: artifact-kind, adapter, domain-pack, workflow-pack, policy, skill, tool, schema, template, profile, program")]
pub struct UnknownEntryKind(pub String);

impl FromStr for EntryKind {
    type Err = UnknownEntryKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EntryKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownEntryKind(s.to_string()))
    }
}

/// One catalog entry of any kind, borrowed from the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "entry", content = "value", rename_all = "kebab-case")]
pub enum Entry<'a> {
    ArtifactKind(&'a ArtifactKind),
    Adapter(&'a Adapter),
    DomainPack(&'a Pack),
    WorkflowPack(&'a Pack),
    Policy(&'a PolicyProfile),
    Skill(&'a Skill),
    Tool(&'a Tool),
    Schema(&'a SchemaEntry),
    Template(&'a Template),
    Profile(&'a Profile),
    Program(&'a Program),
}

impl<'a> Entry<'a> {
    pub fn kind(&self) -> EntryKind {
        match self {
            Entry::ArtifactKind(_) => EntryKind::ArtifactKind,
            Entry::Adapter(_) => EntryKind::Adapter,
            Entry::DomainPack(_) => EntryKind::DomainPack,
            Entry::WorkflowPack(_) => EntryKind::WorkflowPack,
            Entry::Policy(_) => EntryKind::Policy,
            Entry::Skill(_) => EntryKind::Skill,
            Entry::Tool(_) => EntryKind::Tool,
            Entry::Schema(_) => EntryKind::Schema,
            Entry::Template(_) => EntryKind::Template,
            Entry::Profile(_) => EntryKind::Profile,
            Entry::Program(_) => EntryKind::Program,
        }
    }

    pub fn id(&self) -> &'a str {
        match self {
            Entry::ArtifactKind(e) => &e.id,
            Entry::Adapter(e) => &e.id,
            Entry::DomainPack(e) | Entry::WorkflowPack(e) => &e.id,
            Entry::Policy(e) => &e.id,
            Entry::Skill(e) => &e.descriptor.id,
            Entry::Tool(e) => &e.id,
            Entry::Schema(e) => &e.id,
            Entry::Template(e) => &e.id,
            Entry::Profile(e) => &e.id,
            Entry::Program(e) => &e.id,
        }
    }

    /// A short human title (the id where the entry has none).
    pub fn title(&self) -> &'a str {
        match self {
            Entry::ArtifactKind(e) => &e.title,
            Entry::Adapter(e) => &e.id,
            Entry::DomainPack(e) | Entry::WorkflowPack(e) => &e.title,
            Entry::Policy(e) => &e.title,
            Entry::Skill(e) => &e.descriptor.title,
            Entry::Tool(e) => &e.title,
            Entry::Schema(e) => &e.title,
            Entry::Template(e) => &e.id,
            Entry::Profile(e) => &e.id,
            Entry::Program(e) => &e.id,
        }
    }

    /// The prose that describes the entry, for listing and search.
    pub fn description(&self) -> &'a str {
        match self {
            Entry::ArtifactKind(e) => &e.description,
            Entry::Adapter(e) => &e.description,
            Entry::DomainPack(e) | Entry::WorkflowPack(e) => &e.description,
            Entry::Policy(e) => &e.description,
            Entry::Skill(e) => &e.descriptor.description,
            Entry::Tool(e) => &e.description,
            Entry::Schema(e) => &e.description,
            Entry::Template(e) => &e.plan.objective,
            Entry::Profile(e) => &e.profile.description,
            // A program's docstring opens its source; search reads the first lines.
            Entry::Program(e) => &e.source,
        }
    }

    pub fn keywords(&self) -> &'a [String] {
        match self {
            Entry::ArtifactKind(e) => &e.keywords,
            Entry::DomainPack(e) | Entry::WorkflowPack(e) => &e.keywords,
            Entry::Policy(e) => &e.keywords,
            Entry::Skill(e) => &e.descriptor.keywords,
            Entry::Tool(e) => &e.keywords,
            Entry::Template(e) => &e.plan.success_criteria,
            _ => &[],
        }
    }

    /// Artifact kinds the entry is about (an artifact kind itself, an adapter's ends, a schema's kind, a
    /// template's inputs and outputs), so that search can match by kind.
    pub fn kinds(&self) -> Vec<&'a str> {
        match self {
            Entry::ArtifactKind(e) => vec![e.id.as_str()],
            Entry::Adapter(e) => vec![e.from.as_str(), e.to.as_str()],
            Entry::Schema(e) => vec![e.kind.as_str()],
            Entry::Template(e) => {
                let mut out: Vec<&str> = e.plan.inputs.iter().map(|i| i.kind.as_str()).collect();
                out.extend(
                    e.plan
                        .steps
                        .iter()
                        .flat_map(|s| s.outputs.iter().map(|o| o.kind.as_str())),
                );
                out.sort_unstable();
                out.dedup();
                out
            }
            _ => vec![],
        }
    }
}
