//! Cost of the decisions every request makes inside the policy and origin
//! components, measured natively: SigV4 verification, container-policy
//! evaluation, CORS preflight and lifecycle expiry. `cargo bench -p tributary-benches`.

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

#[path = "common/policy.rs"]
mod policy;
use policy::POLICY;

const NOW: u64 = 1_795_000_000;

/// A GET of a segment signed by aws-sigv4 the way the SDKs sign it.
fn signed_get() -> (Vec<(String, String)>, String) {
    let identity = Credentials::new("AKIDEXAMPLE", "secret", None, None, "bench").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("mediastore")
        .time(UNIX_EPOCH + Duration::from_secs(NOW))
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let url = "http://origin.example/store/live/show/seg_00042.ts";
    let request =
        SignableRequest::new("GET", url, std::iter::empty(), SignableBody::Bytes(b"")).unwrap();
    let (instructions, _) = sign(request, &params).unwrap().into_parts();
    let mut headers = vec![("host".to_owned(), "origin.example".to_owned())];
    headers.extend(
        instructions
            .headers()
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    (
        headers,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_owned(),
    )
}

fn sigv4(c: &mut Criterion) {
    let (headers, payload) = signed_get();
    c.bench_function("sigv4_verify_header_signed_get", |b| {
        b.iter(|| {
            let req = tributary_sigv4::Request {
                method: "GET",
                path: "/store/live/show/seg_00042.ts",
                query: "",
                headers: &headers,
                payload_sha256: Some(&payload),
            };
            tributary_sigv4::verify(black_box(&req), "secret", NOW as i64, 900).unwrap();
        })
    });
}

fn policy(c: &mut Criterion) {
    let keys = vec![
        ("aws:SourceIp".to_owned(), "198.51.100.7".to_owned()),
        ("aws:SecureTransport".to_owned(), "false".to_owned()),
    ];
    let ctx = tributary_iam::Context {
        principal: None,
        account: None,
        action: "mediastore:GetObject",
        resource: "arn:aws:mediastore:us-east-1:000000000000:container/live/show/seg_00042.ts",
        keys: &keys,
    };
    c.bench_function("iam_parse_and_evaluate_public_read", |b| {
        b.iter(|| tributary_iam::evaluate(black_box(POLICY), black_box(&ctx)).unwrap())
    });
    let parsed = tributary_iam::Policy::parse(POLICY).unwrap();
    c.bench_function("iam_evaluate_parsed", |b| {
        b.iter(|| parsed.evaluate(black_box(&ctx)))
    });
}

fn cors(c: &mut Criterion) {
    let rules = vec![tributary_cors::Rule {
        allowed_origins: vec!["https://*.player.example".into()],
        allowed_methods: vec!["GET".into(), "HEAD".into()],
        allowed_headers: vec!["*".into()],
        max_age_seconds: Some(3000),
        expose_headers: vec!["ETag".into()],
    }];
    let requested = vec!["range".to_owned()];
    c.bench_function("cors_preflight_match", |b| {
        b.iter(|| {
            tributary_cors::preflight(
                black_box(&rules),
                "https://web.player.example",
                "GET",
                &requested,
            )
        })
    });
}

fn lifecycle(c: &mut Criterion) {
    let doc = r#"{"rules":[{"definition":{"path":[{"wildcard":"show/*.ts"}],
        "seconds_since_create":[{"numeric":[">",120]}]},"action":"EXPIRE"},
        {"definition":{"path":[{"prefix":"archive/"}],"days_since_create":[{"numeric":[">",30]}]},"action":"EXPIRE"}]}"#;
    let policy = tributary_mediastore::lifecycle::LifecyclePolicy::parse(doc).unwrap();
    c.bench_function("lifecycle_is_expired", |b| {
        b.iter(|| policy.is_expired(black_box("show/seg_00042.ts"), 1_000, 200_000, 0))
    });
}

criterion_group!(benches, sigv4, policy, cors, lifecycle);
criterion_main!(benches);
