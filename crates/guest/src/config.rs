//! Deployment settings, read from the component's environment.
//!
//! The host (and Spin, through `[component.X] environment`) sets these; a
//! component never hard-codes a region or an address.

/// AWS region used in ARNs and accepted in credential scopes
/// (`TRIBUTARY_REGION`, default `us-east-1`).
pub fn region() -> String {
    std::env::var("TRIBUTARY_REGION").unwrap_or_else(|_| "us-east-1".into())
}

/// 12-digit account id used in ARNs (`TRIBUTARY_ACCOUNT_ID`, default `000000000000`).
pub fn account_id() -> String {
    std::env::var("TRIBUTARY_ACCOUNT_ID").unwrap_or_else(|_| "000000000000".into())
}

/// Public base URL of this deployment, without trailing `/`
/// (`TRIBUTARY_PUBLIC_ENDPOINT`, default `http://127.0.0.1:8080`).
pub fn public_endpoint() -> String {
    let v = std::env::var("TRIBUTARY_PUBLIC_ENDPOINT")
        .unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    v.trim_end_matches('/').to_owned()
}

/// The address MediaConnect flows take their sources' packets on, reported as
/// a source's `ingestIp` (`TRIBUTARY_INGEST_IP`, set by the host that runs the
/// transport); `None` when unset or empty, and then responses leave it out.
pub fn ingest_ip() -> Option<String> {
    std::env::var("TRIBUTARY_INGEST_IP")
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Current wall-clock time in milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    let t = wasip2::clocks::wall_clock::now();
    t.seconds.saturating_mul(1000) + u64::from(t.nanoseconds / 1_000_000)
}
