//! The RunObject Durable Object: one per run, holding the run machine and its event log.

use worker::*;

#[durable_object]
pub struct RunObject {
    _state: State,
}

impl DurableObject for RunObject {
    fn new(state: State, _env: Env) -> Self {
        Self { _state: state }
    }

    async fn fetch(&self, _req: Request) -> Result<Response> {
        Response::error("not found", 404)
    }
}
