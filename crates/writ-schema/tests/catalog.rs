//! Every schema of the built-in catalog is inside the subset, and its template reads back as its example.

use writ_catalog::{Catalog, EntryKind};
use writ_schema::Schema;

#[test]
fn catalog_schemas_compile_and_their_templates_read_back() {
    let catalog = Catalog::builtin();
    let ids: Vec<String> = catalog
        .list(Some(EntryKind::Schema))
        .iter()
        .map(|e| e.id().to_owned())
        .collect();
    assert!(
        ids.len() >= 10,
        "expected the catalog's schemas, found {ids:?}"
    );
    let mut invalid_examples = Vec::new();
    for id in &ids {
        let Some(entry) = catalog.schema(id) else {
            panic!("listed schema {id} not found")
        };
        let schema = match Schema::compile(&entry.schema) {
            Ok(schema) => schema,
            Err(diagnostics) => panic!("{id} is outside the subset: {diagnostics:#?}"),
        };
        let template = schema.template();
        let (value, _) = schema.parse_reply(&template.text);
        assert_eq!(
            value.as_ref(),
            Some(&template.example),
            "{id}: the template does not read back"
        );
        if !schema.is_valid(&template.example) {
            invalid_examples.push(id.clone());
        }
    }
    // Examples cannot satisfy `pattern` (regexes are not inverted); every such miss must be a pattern miss.
    for id in invalid_examples {
        let schema = catalog
            .schema(&id)
            .and_then(|e| Schema::compile(&e.schema).ok());
        let example = schema.as_ref().map(|s| s.example()).unwrap_or_default();
        let codes: Vec<String> = schema
            .map(|s| s.validate(&example))
            .unwrap_or_default()
            .iter()
            .map(|d| d.code.to_string())
            .collect();
        assert!(
            codes.iter().all(|c| c == "S0011"),
            "{id}: example fails with {codes:?}"
        );
    }
}
