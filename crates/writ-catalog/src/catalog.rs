//! The catalog: every entry by kind and id, binding ranks between artifact kinds.

use crate::entry::{Entry, EntryKind};
use crate::load::{load, CatalogProblem};
use crate::model::*;
use crate::search::Index;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use writ_plan::BindRank;

mod files {
    include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));
}

#[derive(Debug, Default)]
pub struct Catalog {
    pub(crate) kinds: BTreeMap<String, ArtifactKind>,
    pub(crate) adapters: BTreeMap<String, Adapter>,
    pub(crate) domains: BTreeMap<String, Pack>,
    pub(crate) workflows: BTreeMap<String, Pack>,
    pub(crate) policies: BTreeMap<String, PolicyProfile>,
    pub(crate) skills: BTreeMap<String, Skill>,
    pub(crate) tools: BTreeMap<String, Tool>,
    pub(crate) schemas: BTreeMap<String, SchemaEntry>,
    pub(crate) templates: BTreeMap<String, Template>,
    pub(crate) profiles: BTreeMap<String, Profile>,
    pub(crate) programs: BTreeMap<String, Program>,
    pub(crate) problems: Vec<CatalogProblem>,
    pub(crate) index: OnceLock<Index>,
}

/// The execution profile used when none is named.
pub const DEFAULT_PROFILE: &str = "builtin";

impl Catalog {
    /// The catalog embedded at build time from `catalog/`, parsed once.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| Catalog::from_files(files::FILES))
    }

    /// The embedded files: (path relative to `catalog/`, contents).
    pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
        files::FILES
    }

    /// A catalog from any set of (path relative to `catalog/`, contents), e.g. a test's or a tenant's.
    pub fn from_files(files: &[(&str, &str)]) -> Catalog {
        load(files)
    }

    /// Problems found while loading and cross-checking; empty for a sound catalog.
    pub fn problems(&self) -> Vec<CatalogProblem> {
        let mut out = self.problems.clone();
        out.extend(crate::check::cross_references(self));
        out
    }

    pub fn artifact_kind(&self, id: &str) -> Option<&ArtifactKind> {
        self.kinds.get(id)
    }
    pub fn adapter(&self, id: &str) -> Option<&Adapter> {
        self.adapters.get(id)
    }
    pub fn domain_pack(&self, id: &str) -> Option<&Pack> {
        self.domains.get(id)
    }
    pub fn workflow_pack(&self, id: &str) -> Option<&Pack> {
        self.workflows.get(id)
    }
    pub fn policy(&self, id: &str) -> Option<&PolicyProfile> {
        self.policies.get(id)
    }
    pub fn skill(&self, id: &str) -> Option<&Skill> {
        self.skills.get(id)
    }
    pub fn tool(&self, id: &str) -> Option<&Tool> {
        self.tools.get(id)
    }
    pub fn schema(&self, id: &str) -> Option<&SchemaEntry> {
        self.schemas.get(id)
    }
    pub fn template(&self, id: &str) -> Option<&Template> {
        self.templates.get(id)
    }
    pub fn profile(&self, id: &str) -> Option<&Profile> {
        self.profiles.get(id)
    }
    pub fn program(&self, id: &str) -> Option<&Program> {
        self.programs.get(id)
    }

    /// Every validator id a pack declares, with the pack that declares it.
    pub fn validator(&self, id: &str) -> Option<(&Pack, &CheckDecl)> {
        self.packs().find_map(|pack| {
            pack.validators
                .iter()
                .find(|v| v.id == id)
                .map(|v| (pack, v))
        })
    }

    /// The rubric check `id` and the pack that declares it.
    pub fn rubric_check(&self, id: &str) -> Option<(&Pack, &CheckDecl)> {
        self.packs().find_map(|pack| {
            pack.rubric_checks
                .iter()
                .find(|v| v.id == id)
                .map(|v| (pack, v))
        })
    }

    fn packs(&self) -> impl Iterator<Item = &Pack> {
        self.domains.values().chain(self.workflows.values())
    }

    /// The entry of `kind` with `id`.
    pub fn get(&self, kind: EntryKind, id: &str) -> Option<Entry<'_>> {
        Some(match kind {
            EntryKind::ArtifactKind => Entry::ArtifactKind(self.kinds.get(id)?),
            EntryKind::Adapter => Entry::Adapter(self.adapters.get(id)?),
            EntryKind::DomainPack => Entry::DomainPack(self.domains.get(id)?),
            EntryKind::WorkflowPack => Entry::WorkflowPack(self.workflows.get(id)?),
            EntryKind::Policy => Entry::Policy(self.policies.get(id)?),
            EntryKind::Skill => Entry::Skill(self.skills.get(id)?),
            EntryKind::Tool => Entry::Tool(self.tools.get(id)?),
            EntryKind::Schema => Entry::Schema(self.schemas.get(id)?),
            EntryKind::Template => Entry::Template(self.templates.get(id)?),
            EntryKind::Profile => Entry::Profile(self.profiles.get(id)?),
            EntryKind::Program => Entry::Program(self.programs.get(id)?),
        })
    }

    /// Every entry with this id, whatever its kind (ids are unique per kind only: `site-build` is a
    /// domain pack and a template).
    pub fn find(&self, id: &str) -> Vec<Entry<'_>> {
        EntryKind::ALL
            .into_iter()
            .filter_map(|k| self.get(k, id))
            .collect()
    }

    /// Every entry, or those of one kind; ordered by kind then id.
    pub fn list(&self, kind: Option<EntryKind>) -> Vec<Entry<'_>> {
        let mut out = Vec::new();
        for k in EntryKind::ALL {
            if kind.is_some_and(|want| want != k) {
                continue;
            }
            match k {
                EntryKind::ArtifactKind => out.extend(self.kinds.values().map(Entry::ArtifactKind)),
                EntryKind::Adapter => out.extend(self.adapters.values().map(Entry::Adapter)),
                EntryKind::DomainPack => out.extend(self.domains.values().map(Entry::DomainPack)),
                EntryKind::WorkflowPack => {
                    out.extend(self.workflows.values().map(Entry::WorkflowPack))
                }
                EntryKind::Policy => out.extend(self.policies.values().map(Entry::Policy)),
                EntryKind::Skill => out.extend(self.skills.values().map(Entry::Skill)),
                EntryKind::Tool => out.extend(self.tools.values().map(Entry::Tool)),
                EntryKind::Schema => out.extend(self.schemas.values().map(Entry::Schema)),
                EntryKind::Template => out.extend(self.templates.values().map(Entry::Template)),
                EntryKind::Profile => out.extend(self.profiles.values().map(Entry::Profile)),
                EntryKind::Program => out.extend(self.programs.values().map(Entry::Program)),
            }
        }
        out
    }

    /// Number of entries per kind, in [`EntryKind::ALL`] order.
    pub fn counts(&self) -> Vec<(EntryKind, usize)> {
        EntryKind::ALL
            .into_iter()
            .map(|k| (k, self.list(Some(k)).len()))
            .collect()
    }

    /// How an output of `producer` kind binds to an input asking for `consumer` kind, best rank first:
    /// exact; acceptable (the producer's kind lists the consumer's in `acceptable_for`); adapter (one
    /// adapter from the producer's kind, or from a kind it is acceptable for, to the consumer's); generic
    /// (`file.binary` takes anything, `file.text` any text kind, `<family>.*` any kind of that family);
    /// incompatible. Unknown kinds are incompatible.
    pub fn bind_rank(&self, producer: &str, consumer: &str) -> BindRank {
        let Some(made) = self.kinds.get(producer) else {
            return BindRank::Incompatible;
        };
        if let Some(family) = consumer.strip_suffix(".*") {
            let prefix = format!("{family}.");
            let in_family = made.id.starts_with(&prefix)
                || made.acceptable_for.iter().any(|k| k.starts_with(&prefix));
            return if in_family {
                BindRank::Generic
            } else {
                BindRank::Incompatible
            };
        }
        if !self.kinds.contains_key(consumer) {
            return BindRank::Incompatible;
        }
        if producer == consumer {
            return BindRank::Exact;
        }
        if made.acceptable_for.iter().any(|k| k == consumer) {
            return BindRank::Acceptable;
        }
        // Adapters are keyed by id in a BTreeMap, so the first match is the smallest id: deterministic.
        let direct = self
            .adapters
            .values()
            .find(|a| a.from == producer && a.to == consumer);
        let via_acceptable = || {
            self.adapters
                .values()
                .find(|a| a.to == consumer && made.acceptable_for.iter().any(|k| k == &a.from))
        };
        if let Some(adapter) = direct.or_else(via_acceptable) {
            return BindRank::Adapter(adapter.id.clone());
        }
        if consumer == "file.binary" || (consumer == "file.text" && made.text) {
            return BindRank::Generic;
        }
        BindRank::Incompatible
    }

    /// The policy's verdict on a tool: allowed by cost class and not denied by name.
    pub fn tool_allowed(&self, policy: &str, tool: &str) -> Option<bool> {
        Some(
            self.policies
                .get(policy)?
                .allows_tool(self.tools.get(tool)?),
        )
    }
}
