//! The catalog of writ, as data: artifact kinds and adapters, domain and workflow packs, policy profiles,
//! skills, tools, schemas, execution profiles, plan templates and the packs' reference programs. Everything
//! under the repository's `catalog/` folder is embedded at build time (see build.rs); nothing here reads
//! files at run time.
//!
//! - [`Catalog::builtin`] and lookups by id for every kind of entry; [`Catalog::list`], [`Catalog::find`].
//! - [`Catalog::bind_rank`]: exact / acceptable / adapter / generic / incompatible between artifact kinds.
//! - [`Catalog::search`]: discovery, BM25 over ids, titles, keywords, descriptions and kinds.
//! - [`Catalog::problems`]: load errors and unresolved cross-references (empty for the embedded catalog).

mod catalog;
mod check;
mod entry;
mod load;
mod mcp;
mod model;
mod search;

pub use catalog::{Catalog, DEFAULT_PROFILE};
pub use check::missing_programs;
pub use entry::{Entry, EntryKind, UnknownEntryKind};
pub use load::CatalogProblem;
pub use mcp::{
    is_mcp_tool, mcp_schema_hash, mcp_tool, mcp_tool_id, split_pin, valid_name as valid_mcp_name,
    MCP_PREFIX,
};
pub use model::*;
pub use search::{stem, tokenize, Field, Hit, SearchOptions, TermMatch, B, K1};
pub use writ_plan::BindRank;
