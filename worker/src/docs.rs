//! The published documents: the OpenAPI description of this API and the JSON Schemas of the plan language.

use crate::error::{ApiError, ApiResult};
use worker::Response;

const OPENAPI: &str = include_str!("../openapi.json");

fn json_text(text: &str) -> ApiResult<Response> {
    let headers = worker::Headers::new();
    headers.set("content-type", "application/json")?;
    Ok(Response::builder()
        .with_headers(headers)
        .fixed(text.as_bytes().to_vec()))
}

pub fn openapi() -> ApiResult<Response> {
    json_text(OPENAPI)
}

pub fn schema_index() -> ApiResult<Response> {
    let names: Vec<String> = writ_plan::schema::all_schemas()
        .into_iter()
        .map(|(n, _)| n.to_string())
        .collect();
    crate::http::json(200, &serde_json::json!({"schemas": names}))
}

pub fn schema(name: &str) -> ApiResult<Response> {
    let wanted = name.trim_end_matches(".json").trim_end_matches(".schema");
    for (n, schema) in writ_plan::schema::all_schemas() {
        if n.trim_end_matches(".json").trim_end_matches(".schema") == wanted {
            return json_text(
                &serde_json::to_string_pretty(&schema)
                    .map_err(|e| ApiError::internal(e.to_string()))?,
            );
        }
    }
    Err(ApiError::not_found(format!(
        "no schema {name}; see /v1/schemas"
    )))
}
