//! The "native handler" baseline of the load harness: the least a Rust
//! origin can do on the same stack as Tributary's host (tokio + hyper,
//! HTTP/1.1 keep-alive), without components, policies or state.
//!
//! - GET answers from memory: every file under `--root` is read at start-up
//!   and served at its path (`<root>/store/c/p` → `GET /store/c/p`; the
//!   query, such as a presigned signature, is ignored), `.m3u8` files as
//!   `application/vnd.apple.mpegurl`, the rest as `application/octet-stream`.
//! - PUT stores the body as Tributary's filesystem backend does — temp file,
//!   fsync, rename, fsync of the folder — so upload figures compare the same
//!   durability; the new bytes are served from memory afterwards.
//!
//! `tributary-native-origin --root DIR --listen 127.0.0.1:PORT`

use anyhow::{Context, Result};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

#[derive(Parser, Debug)]
#[command(about = "Minimal native hyper origin: the load harness's baseline")]
struct Args {
    /// Files to serve (and the folder uploads are written under).
    #[arg(long)]
    root: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: std::net::SocketAddr,
}

struct Files {
    root: PathBuf,
    bytes: RwLock<HashMap<String, Bytes>>,
    temp_counter: AtomicU64,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let mut bytes = HashMap::new();
    load(&args.root, &args.root, &mut bytes)?;
    let files = Arc::new(Files {
        root: args.root,
        bytes: RwLock::new(bytes),
        temp_counter: AtomicU64::new(0),
    });
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(args.listen, files))
}

/// Every file under `dir`, keyed by its path from `root` with a leading `/`.
fn load(root: &Path, dir: &Path, into: &mut HashMap<String, Bytes>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            load(root, &path, into)?;
        } else {
            let rel = path.strip_prefix(root)?.to_string_lossy().into_owned();
            into.insert(format!("/{rel}"), Bytes::from(std::fs::read(&path)?));
        }
    }
    Ok(())
}

async fn serve(listen: std::net::SocketAddr, files: Arc<Files>) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let files = files.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let files = files.clone();
                async move { Ok::<_, Infallible>(handle(&files, req).await) }
            });
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = code;
    resp
}

async fn handle(files: &Files, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    match *req.method() {
        Method::GET => {
            let found = files
                .bytes
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&path)
                .cloned();
            match found {
                Some(body) => {
                    let mut resp = Response::new(Full::new(body));
                    resp.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static(content_type(&path)),
                    );
                    resp
                }
                None => status(StatusCode::NOT_FOUND),
            }
        }
        Method::PUT => {
            if path.split('/').any(|s| s == "..") {
                return status(StatusCode::BAD_REQUEST);
            }
            let body = match req.into_body().collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => return status(StatusCode::BAD_REQUEST),
            };
            let target = files.root.join(path.trim_start_matches('/'));
            let n = files.temp_counter.fetch_add(1, Ordering::Relaxed);
            let stored = body.clone();
            let written = tokio::task::spawn_blocking(move || store(&target, &stored, n)).await;
            match written {
                Ok(Ok(())) => {
                    files
                        .bytes
                        .write()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(path, body);
                    status(StatusCode::OK)
                }
                _ => status(StatusCode::INTERNAL_SERVER_ERROR),
            }
        }
        _ => status(StatusCode::METHOD_NOT_ALLOWED),
    }
}

/// The content type of a served file, as nginx's `types` block in the
/// harness says: HLS playlists by their extension, anything else as bytes.
fn content_type(path: &str) -> &'static str {
    if path.ends_with(".m3u8") {
        "application/vnd.apple.mpegurl"
    } else {
        "application/octet-stream"
    }
}

/// Write `bytes` to `target` atomically and durably: temp file, fsync,
/// rename, fsync of the folder.
fn store(target: &Path, bytes: &[u8], n: u64) -> std::io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".upload-{}-{n}", std::process::id()));
    let mut f = std::fs::File::create(&temp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&temp, target)?;
    std::fs::File::open(dir)?.sync_all()
}
