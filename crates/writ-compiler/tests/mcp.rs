//! Tools imported from a tenant's MCP server bind like catalog tools: the contract freezes their schema hash;
//! a tool no server lists, or one pinned at schemas it no longer has, is E0047 naming the change.

mod common;

use serde_json::{json, Value};
use writ_compiler::compile_value_with;

fn candidate(tool: &str) -> Value {
    let mut c: Value = serde_json::from_str(common::VALID).expect("VALID parses");
    c["steps"][1]["kind"] = json!("hybrid");
    c["steps"][1]["tools"] = json!([tool]);
    c
}

fn imported(output: Value) -> Vec<writ_catalog::Tool> {
    let listed = json!({"name": "add", "description": "Adds two numbers.",
        "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}},
        "outputSchema": output});
    vec![writ_catalog::mcp_tool("calc", &listed).expect("imports")]
}

#[test]
fn an_imported_tool_binds_and_its_schema_hash_is_frozen() {
    let tools = imported(json!({"type": "object"}));
    for reference in [
        "mcp.calc.add".to_string(),
        format!("mcp.calc.add@{}", tools[0].hash),
    ] {
        let compiled = compile_value_with(
            &candidate(&reference),
            common::catalog(),
            &tools,
            &common::profile(),
        );
        let plan = compiled
            .frozen
            .unwrap_or_else(|| panic!("{:#?}", compiled.diagnostics));
        let total = plan
            .steps
            .iter()
            .find(|s| s.contract.slug == "total")
            .expect("the step");
        let bound = &total.contract.tools;
        assert_eq!(bound.len(), 1);
        assert_eq!(
            (
                bound[0].id.as_str(),
                bound[0].hash,
                bound[0].cost_class.as_str()
            ),
            ("mcp.calc.add", tools[0].hash, "metered")
        );
    }
}

#[test]
fn an_unknown_or_changed_tool_is_e0047_naming_the_change() {
    let before = imported(json!({"type": "object"}));
    let after = imported(json!({"type": "object", "required": ["sum"]}));
    let pinned = format!("mcp.calc.add@{}", before[0].hash);
    let cases: [(&str, &[writ_catalog::Tool], Vec<String>); 3] = [
        (
            "mcp.calc.add",
            &[],
            vec!["unknown MCP tool `mcp.calc.add`".into()],
        ),
        (
            "mcp.calc.sub",
            &after,
            vec!["unknown MCP tool `mcp.calc.sub`".into()],
        ),
        (
            &pinned,
            &after,
            vec![before[0].hash.to_string(), after[0].hash.to_string()],
        ),
    ];
    for (reference, tools, says) in cases {
        let compiled = compile_value_with(
            &candidate(reference),
            common::catalog(),
            tools,
            &common::profile(),
        );
        assert_eq!(compiled.codes(), ["E0047"], "{reference}");
        let message = &compiled.diagnostics[0].message;
        for s in says {
            assert!(message.contains(&s), "{message}");
        }
    }
}
