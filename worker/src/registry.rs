//! The Registry Durable Object: one global instance holding tenants, hashed tokens, the run index, programs
//! and schedules, in SQLite.

use worker::*;

#[durable_object]
pub struct Registry {
    state: State,
}

impl DurableObject for Registry {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/ping" => {
                // Touch SQLite so that a ping proves storage works, not only that the object exists.
                self.state.storage().sql().exec("SELECT 1", None)?;
                Response::ok("pong")
            }
            _ => Response::error("not found", 404),
        }
    }
}
