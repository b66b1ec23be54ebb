//! The `Query` RPC's answer: the view of [`crate::view::query`] the request names, serialised
//! to pretty JSON with its keys sorted, as clients parse it.
use tonic::Status;

use crate::domain::State;
use crate::pki::Identity;
use crate::view::query;

/// Runs the query `what` as `who` and serialises its view.
pub fn answer(state: &State, who: &Identity, what: &str, id: u64) -> Result<String, Status> {
    let v = query::run_logged(state, who, what, id)?;
    let json = query::json(&v).map_err(|e| Status::internal(e.to_string()))?;
    serde_json::to_string_pretty(&json).map_err(|e| Status::internal(e.to_string()))
}
