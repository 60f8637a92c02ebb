//! The pusher against a fake ingest that, like MediaPackage, takes only
//! HTTP Digest (MD5, `qop=auth`): the authentication round trips it makes,
//! and what a credential rotation costs.
#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1 as server_http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use md5::{Digest as _, Md5};
use tokio::net::TcpListener;
use tributary_mediapackage::wire::{Channel, HlsIngest, IngestEndpoint};
use tributary_mediapackage::{BUCKET, ChannelRecord, keys};

use super::*;
use crate::storage::{KvBackend, MemoryKvBackend};

const REALM: &str = "MediaPackage";

/// One request the fake ingest saw: file, the auth scheme, its answer.
type Seen = (String, &'static str, u16);

#[derive(Default)]
struct FakeIngest {
    password: String,
    nonces: u32,
    /// Nonce → whether it is expired (answered with `stale=true`).
    issued: HashMap<String, bool>,
    seen: Vec<Seen>,
    stored: HashMap<String, Bytes>,
}

fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

fn param(header: &str, name: &str) -> Option<String> {
    header.split(", ").find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.trim_start_matches("Digest ") == name).then(|| v.trim_matches('"').to_owned())
    })
}

/// The verdict on one request: `None` granted, else `Some(stale)`.
fn check(ingest: &FakeIngest, method: &str, uri: &str, auth: Option<&str>) -> Option<bool> {
    match digest_verdict(ingest, method, uri, auth?) {
        Some((true, false)) => None,
        Some((true, true)) => Some(true),
        _ => Some(false),
    }
}

/// Whether a Digest `header` is right, and whether its nonce is expired;
/// `None` when it is no Digest answer to a nonce of ours.
fn digest_verdict(
    ingest: &FakeIngest,
    method: &str,
    uri: &str,
    header: &str,
) -> Option<(bool, bool)> {
    if !header.starts_with("Digest ") {
        return None;
    }
    let nonce = param(header, "nonce")?;
    let stale = *ingest.issued.get(&nonce)?;
    let (nc, cnonce) = (param(header, "nc")?, param(header, "cnonce")?);
    let ha1 = md5_hex(&format!("user:{REALM}:{}", ingest.password));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    let want = md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
    let ok = param(header, "uri")? == uri
        && param(header, "username")? == "user"
        && param(header, "response")? == want;
    Some((ok, stale))
}

async fn serve(
    state: Arc<Mutex<FakeIngest>>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = req.method().to_string();
    let uri = req.uri().path().to_owned();
    let auth = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let mut s = state.lock().unwrap();
    let scheme = match auth.as_deref() {
        Some(a) if a.starts_with("Digest ") => "digest",
        Some(_) => "basic",
        None => "none",
    };
    let file = uri.rsplit('/').next().unwrap_or("").to_owned();
    let verdict = check(&s, &method, &uri, auth.as_deref());
    let response = match verdict {
        None => {
            s.stored.insert(file.clone(), body);
            Response::builder().status(StatusCode::NO_CONTENT)
        }
        Some(stale) => {
            s.nonces += 1;
            let nonce = format!("n{}", s.nonces);
            s.issued.insert(nonce.clone(), false);
            let stale = if stale { ", stale=true" } else { "" };
            Response::builder()
                .status(StatusCode::UNAUTHORIZED)
                .header(
                    hyper::header::WWW_AUTHENTICATE,
                    format!("Digest realm=\"{REALM}\", qop=\"auth\", algorithm=MD5, nonce=\"{nonce}\"{stale}"),
                )
        }
    };
    let response = response.body(Full::new(Bytes::new())).unwrap();
    s.seen.push((file, scheme, response.status().as_u16()));
    Ok(response)
}

/// A fake ingest for `password` on a free port of 127.0.0.1.
async fn fake_ingest(password: &str) -> (std::net::SocketAddr, Arc<Mutex<FakeIngest>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = Arc::new(Mutex::new(FakeIngest {
        password: password.to_owned(),
        ..FakeIngest::default()
    }));
    let shared = state.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let state = shared.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| serve(state.clone(), req));
                let _ = server_http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, state)
}

fn record(password: &str) -> Vec<u8> {
    serde_json::to_vec(&ChannelRecord {
        channel: Channel {
            id: "live".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            hls_ingest: HlsIngest {
                ingest_endpoints: vec![IngestEndpoint {
                    id: "i1".into(),
                    url: String::new(),
                    username: "user".into(),
                    password: password.into(),
                }],
            },
            ..Channel::default()
        },
    })
    .unwrap()
}

fn job(n: u8) -> Job {
    Job {
        segment: Segment {
            bytes: Bytes::from(vec![n; 188]),
            duration_ms: 2_000,
            pts: u64::from(n) * 180_000,
            program_date_time_ms: 1_700_000_000_000 + i64::from(n) * 2_000,
            discontinuity: false,
        },
        codecs: None,
        gap_before: false,
    }
}

fn take_seen(state: &Mutex<FakeIngest>) -> Vec<Seen> {
    std::mem::take(&mut state.lock().unwrap().seen)
}

#[tokio::test]
async fn digest_is_answered_and_a_rotation_costs_one_refused_request() {
    let (addr, state) = fake_ingest("old").await;
    let kv = Arc::new(MemoryKvBackend::new());
    kv.set(BUCKET, &keys::channel("live"), record("old"))
        .await
        .unwrap();
    let ctx = PushCtx {
        kv: kv.clone(),
        http: addr,
    };
    let ingest = Ingest::first_of(&serde_json::from_slice(&record("old")).unwrap()).unwrap();
    let stats = Arc::new(PushStats::default());
    let mut pusher = Pusher::new("f", "o", "live", ingest, 2, 100, ctx, stats.clone());

    // Basic is refused with a challenge; Digest from then on.
    pusher.job(job(0)).await;
    let seg0 = segment_name_of(100);
    assert_eq!(
        take_seen(&state),
        [
            (seg0.clone(), "basic", 401),
            (seg0, "digest", 204),
            (playlist::MASTER.into(), "digest", 204),
            (playlist::MEDIA.into(), "digest", 204),
        ]
    );

    // RotateIngestEndpointCredentials: the record and the ingest change.
    state.lock().unwrap().password = "new".into();
    kv.set(BUCKET, &keys::channel("live"), record("new"))
        .await
        .unwrap();
    pusher.job(job(1)).await;
    let seg1 = segment_name_of(101);
    let seen = take_seen(&state);
    assert_eq!(
        seen[..2],
        [(seg1.clone(), "digest", 401), (seg1, "digest", 204)],
        "{seen:?}"
    );
    assert_eq!(seen.last(), Some(&(playlist::MEDIA.into(), "digest", 204)));
    assert_eq!(seen.iter().filter(|s| s.2 == 401).count(), 1, "{seen:?}");

    // An expired nonce (`stale=true`) is answered again without rereading.
    {
        let mut s = state.lock().unwrap();
        for stale in s.issued.values_mut() {
            *stale = true;
        }
    }
    pusher.job(job(2)).await;
    let seen = take_seen(&state);
    assert_eq!(seen.iter().filter(|s| s.2 == 401).count(), 1, "{seen:?}");
    assert_eq!(
        stats.failures.load(Ordering::Relaxed),
        0,
        "nothing failed so far"
    );
    assert_eq!(stats.segments.load(Ordering::Relaxed), 3);

    // Credentials the record does not know: refused, reread once, given up.
    state.lock().unwrap().password = "elsewhere".into();
    pusher.job(job(3)).await;
    let seen = take_seen(&state);
    assert_eq!(
        seen,
        [
            (segment_name_of(103), "digest", 401),
            (segment_name_of(103), "digest", 401),
        ]
    );
    assert_eq!(stats.failures.load(Ordering::Relaxed), 1);
    assert_eq!(stats.segments.load(Ordering::Relaxed), 3);
    let stored = &state.lock().unwrap().stored;
    assert!(!stored.contains_key(&segment_name_of(103)));
    let media = String::from_utf8(stored[playlist::MEDIA].to_vec()).unwrap();
    assert!(media.contains(&segment_name_of(102)), "{media}");
}

fn segment_name_of(sequence: u64) -> String {
    playlist::segment_name(sequence)
}
