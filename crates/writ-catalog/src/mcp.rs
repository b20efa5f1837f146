//! Tools imported from a tenant's MCP server: each becomes a catalog tool `mcp.<server>.<tool>`, metered, whose
//! version is the hash of its input and output schemas (a description edit is not a new version; a schema
//! change is). The tools live with the tenant, not in the embedded catalog; the compiler takes them beside it.

use crate::model::{CostClass, Tool};
use serde_json::{json, Value};
use writ_canon::ContentHash;

/// The prefix of every imported MCP tool's id.
pub const MCP_PREFIX: &str = "mcp.";

/// `mcp.<server>.<tool>`.
pub fn mcp_tool_id(server: &str, tool: &str) -> String {
    format!("{MCP_PREFIX}{server}.{tool}")
}

/// Whether a tool id names an imported MCP tool (pinned or not).
pub fn is_mcp_tool(id: &str) -> bool {
    id.starts_with(MCP_PREFIX)
}

/// A reference `mcp.s.t` or `mcp.s.t@b3:…` (pinned at a schema hash): the id and the pin.
pub fn split_pin(reference: &str) -> (&str, Option<&str>) {
    match reference.split_once('@') {
        Some((id, pin)) => (id, Some(pin)),
        None => (reference, None),
    }
}

/// Server and tool names: what is safe inside an id and a URL path.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The version of an MCP tool: the hash of its schemas (a missing output schema hashes as `null`).
pub fn mcp_schema_hash(input_schema: &Value, output_schema: &Value) -> Result<ContentHash, String> {
    writ_canon::hash_of(&json!({"input": input_schema, "output": output_schema}))
        .map_err(|e| e.to_string())
}

/// The catalog tool for one tool of an MCP server's `tools/list`.
pub fn mcp_tool(server: &str, listed: &Value) -> Result<Tool, String> {
    let name = listed["name"]
        .as_str()
        .ok_or_else(|| format!("a tool of MCP server `{server}` has no name"))?;
    if !valid_name(name) {
        return Err(format!(
            "MCP server `{server}` lists a tool named {name:?}; writ imports names of letters, digits, `_` and `-`"
        ));
    }
    let input_schema = listed
        .get("inputSchema")
        .cloned()
        .ok_or_else(|| format!("MCP tool `{server}.{name}` has no inputSchema"))?;
    let output_schema = listed.get("outputSchema").cloned().unwrap_or(Value::Null);
    let text = |k: &str| listed[k].as_str().unwrap_or_default().to_string();
    Ok(Tool {
        id: mcp_tool_id(server, name),
        title: if text("title").is_empty() {
            name.to_string()
        } else {
            text("title")
        },
        description: text("description"),
        keywords: vec!["mcp".into(), server.to_string()],
        cost_class: CostClass::Metered,
        hash: mcp_schema_hash(&input_schema, &output_schema)?,
        input_schema,
        output_schema,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_follows_the_schemas_not_the_prose() -> Result<(), String> {
        let listed = json!({"name": "add", "description": "Adds.",
            "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}}},
            "outputSchema": {"type": "object"}});
        let tool = mcp_tool("calc", &listed)?;
        assert_eq!(tool.id, "mcp.calc.add");
        assert_eq!(tool.cost_class, CostClass::Metered);
        let mut reworded = listed.clone();
        reworded["description"] = json!("Adds two numbers.");
        assert_eq!(mcp_tool("calc", &reworded)?.hash, tool.hash);
        let mut changed = listed.clone();
        changed["inputSchema"]["properties"]["b"] = json!({"type": "number"});
        assert_ne!(mcp_tool("calc", &changed)?.hash, tool.hash);
        Ok(())
    }

    #[test]
    fn names_are_checked_and_pins_split() {
        assert!(mcp_tool("calc", &json!({"name": "a.b", "inputSchema": {}})).is_err());
        assert!(mcp_tool("calc", &json!({"name": "add"})).is_err());
        assert_eq!(split_pin("mcp.c.add@b3:00"), ("mcp.c.add", Some("b3:00")));
        assert_eq!(split_pin("mcp.c.add"), ("mcp.c.add", None));
        assert!(is_mcp_tool("mcp.c.add") && !is_mcp_tool("csv_profile.profile"));
    }
}
