//! Request ids: taken from the caller's `x-request-id` metadata or minted here, echoed back in
//! the response (or error) metadata, and carried by the tracing span of the call, so a caller's
//! complaint can be matched to the server's log lines.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;

use tonic::metadata::MetadataValue;
use tonic::{Request, Response, Status};

const HEADER: &str = "x-request-id";
const MAX_LEN: usize = 128;

/// The caller's id when it sent a usable one, else a fresh one.
pub fn of<T>(req: &Request<T>) -> String {
    req.metadata()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty() && s.len() <= MAX_LEN)
        .map_or_else(mint, str::to_owned)
}

/// Process-unique ids without a syscall per call: a random prefix drawn once, then a counter.
fn mint() -> String {
    static PREFIX: LazyLock<u32> = LazyLock::new(rand::random);
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("{:08x}-{}", *PREFIX, NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Adds the id to the response metadata, or to the status metadata on failure.
pub fn attach<T>(result: Result<Response<T>, Status>, id: &str) -> Result<Response<T>, Status> {
    let Ok(value) = id.parse::<MetadataValue<_>>() else {
        return result;
    };
    match result {
        Ok(mut resp) => {
            resp.metadata_mut().insert(HEADER, value);
            Ok(resp)
        }
        Err(mut status) => {
            status.metadata_mut().insert(HEADER, value);
            Err(status)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_caller_id_and_mints_distinct_ones() {
        let mut req = Request::new(());
        req.metadata_mut()
            .insert(HEADER, MetadataValue::from_static("abc-1"));
        assert_eq!(of(&req), "abc-1");
        let (a, b) = (of(&Request::new(())), of(&Request::new(())));
        assert_ne!(a, b);
        let long = "x".repeat(MAX_LEN + 1);
        let mut req = Request::new(());
        req.metadata_mut()
            .insert(HEADER, long.parse().unwrap_or_else(|_| unreachable!()));
        assert_ne!(of(&req), long, "an over-long id is replaced");
    }

    #[test]
    fn attaches_to_errors_too() {
        let Err(status) = attach::<()>(Err(Status::not_found("x")), "id-7") else {
            panic!("expected an error")
        };
        assert_eq!(
            status.metadata().get(HEADER).and_then(|v| v.to_str().ok()),
            Some("id-7")
        );
    }
}
