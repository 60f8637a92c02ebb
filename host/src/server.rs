//! The HTTP server: accept, route by the manifest, run the component, count.
//! `/healthz` and `/metrics` are the host's own.

use crate::manifest::Manifest;
use crate::metrics::Metrics;
use crate::runtime::{Failure, Runtime};
use anyhow::Result;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// How long in-flight requests get to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// A client that has not sent its headers by then is dropped (slowloris).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What every connection shares.
pub struct Shared {
    /// Routes.
    pub manifest: Manifest,
    /// Components.
    pub runtime: Runtime,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Bounds requests in flight: the instance pool is finite, and past it
    /// queueing is kinder than failing.
    pub concurrency: Semaphore,
}

/// Serve `listener` until `shutdown` resolves, then drain.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // EMFILE and friends: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let service = service_fn(move |req| {
                    let shared = shared.clone();
                    async move { Ok::<_, Infallible>(handle(&shared, peer, req).await) }
                });
                let conn = http1::Builder::new()
                    .keep_alive(true)
                    // Finish a request whose client closed after sending it:
                    // ffmpeg's HLS PUT sends the body and closes without
                    // reading the answer, and the upload must still be stored.
                    .half_close(true)
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(HEADER_READ_TIMEOUT)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, %peer, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down: draining in-flight requests");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("drain timed out; closing remaining connections"),
    }
    Ok(())
}

async fn handle(
    shared: &Shared,
    peer: SocketAddr,
    mut req: Request<Incoming>,
) -> Response<HyperOutgoingBody> {
    let started = Instant::now();
    let path = req.uri().path().to_owned();
    match path.as_str() {
        "/healthz" => return text(StatusCode::OK, "text/plain", "ok\n".into()),
        "/metrics" => {
            return text(
                StatusCode::OK,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                shared.metrics.render(),
            );
        }
        _ => {}
    }
    let Some(route) = shared.manifest.route(&path) else {
        let resp = error(
            StatusCode::NOT_FOUND,
            "NotFoundException",
            &format!("No route for {path}"),
        );
        shared
            .metrics
            .observe_request("(none)", 404, started.elapsed());
        return resp;
    };
    let route_label = route.label();
    let Some(component) = shared.runtime.component(&route.component) else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "route names a missing component",
        );
    };
    set_spin_headers(&mut req, peer, &route_label);

    let _permit = shared.concurrency.acquire().await;
    shared.metrics.in_flight(1);
    // A client that sent `Expect: 100-continue` waits for our word before
    // sending the body: one answered without reading it must not be told to
    // go ahead by the lingering read (ffmpeg then sends the body and never
    // retries with the credentials the 401 asked for).
    let expects_continue = req
        .headers()
        .get(hyper::header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let req = req.map(|body| crate::drain::DrainOnDrop::new(body, !expects_continue));
    let resp = match shared.runtime.handle(component, req).await {
        Ok(resp) => resp,
        Err(Failure::Timeout) => {
            tracing::warn!(component = %component.id, %path, "guest exceeded its time budget");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailableException",
                "The request took too long to process",
            )
        }
        Err(Failure::Unavailable(e)) => {
            tracing::warn!(component = %component.id, error = %e, "cannot instantiate");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailableException",
                "The server is busy; retry",
            )
        }
        Err(Failure::Trap(e)) => {
            tracing::error!(component = %component.id, %path, error = %e, "component failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "The component failed to handle the request",
            )
        }
    };
    shared.metrics.in_flight(-1);
    shared
        .metrics
        .observe_request(&route_label, resp.status().as_u16(), started.elapsed());
    resp
}

/// Spin's request headers, set by the host only: anything a client sent
/// under `spin-` is dropped first so it cannot claim another address.
fn set_spin_headers(req: &mut Request<Incoming>, peer: SocketAddr, route: &str) {
    let spin: Vec<_> = req
        .headers()
        .keys()
        .filter(|k| k.as_str().starts_with("spin-"))
        .cloned()
        .collect();
    for k in spin {
        req.headers_mut().remove(&k);
    }
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    let full = format!(
        "http://{host}{}",
        req.uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let path_info = req.uri().path().to_owned();
    let pairs = [
        ("spin-client-addr", peer.to_string()),
        ("spin-full-url", full),
        ("spin-path-info", path_info),
        ("spin-matched-route", route.to_owned()),
    ];
    for (k, v) in pairs {
        if let Ok(v) = http::HeaderValue::from_str(&v) {
            req.headers_mut().insert(k, v);
        }
    }
}

fn text(status: StatusCode, content_type: &str, body: String) -> Response<HyperOutgoingBody> {
    let mut resp = Response::new(
        Full::new(Bytes::from(body))
            .map_err(|never| match never {})
            .boxed_unsync(),
    );
    *resp.status_mut() = status;
    if let Ok(v) = http::HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    resp
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<HyperOutgoingBody> {
    let body = serde_json::json!({ "__type": code, "Message": message }).to_string();
    let mut resp = text(status, "application/json", body);
    if let Ok(v) = http::HeaderValue::from_str(code) {
        resp.headers_mut().insert("x-amzn-errortype", v);
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        resp.headers_mut().insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("1"),
        );
    }
    resp
}
