//! The sandbox server's refusals: RFC 9457 problem details, as [`writ_diag::Problem`] (the one problem type
//! of writ's HTTP surfaces), with the kinds of problem this server gives.

pub use writ_diag::Problem;

/// The kinds of problem the sandbox server answers with.
pub trait SandboxProblem {
    fn invalid(detail: impl Into<String>) -> Self;
    fn hash_mismatch(detail: impl Into<String>) -> Self;
    fn internal(detail: impl Into<String>) -> Self;
}

impl SandboxProblem for Problem {
    fn invalid(detail: impl Into<String>) -> Self {
        Problem::new(
            422,
            "invalid-request",
            "The request is not a valid execute request",
            detail,
        )
    }

    fn hash_mismatch(detail: impl Into<String>) -> Self {
        Problem::new(
            422,
            "input-hash-mismatch",
            "An input's content does not match its declared hash",
            detail,
        )
    }

    fn internal(detail: impl Into<String>) -> Self {
        Problem::new(
            500,
            "internal",
            "The sandbox server failed on its own side",
            detail,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_type_uri_and_pointer() {
        let p = Problem::hash_mismatch("declared b3:00, got b3:11").at("/inputs/a/files/0/hash");
        let v = p.to_json();
        assert_eq!(v["type"], "https://writ.dev/problems/input-hash-mismatch");
        assert_eq!(v["status"], 422);
        assert_eq!(v["pointer"], "/inputs/a/files/0/hash");
    }
}
