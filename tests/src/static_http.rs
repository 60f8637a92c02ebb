//! A tiny static HTTP/1.1 file server on a loopback address of the test's
//! choosing: it stands in for a plain origin (ffmpeg's HLS output on disk,
//! for the checker's own tests) and serves the hls.js page from an origin
//! other than Tributary's. GET and HEAD only, `Connection: close`, one task
//! per connection; stopped when dropped.

use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Rewrites a file's bytes on the way out: `(request path, bytes) -> bytes`.
pub type Tamper = Arc<dyn Fn(&str, Vec<u8>) -> Vec<u8> + Send + Sync>;

/// A running static server.
pub struct StaticServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for StaticServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl StaticServer {
    /// Serve `root` on `ip` (a free port), passing every file through
    /// `tamper` if given.
    pub async fn start(ip: [u8; 4], root: &Path, tamper: Option<Tamper>) -> Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from((ip, 0)))
            .await
            .with_context(|| format!("bind {}", std::net::Ipv4Addr::from(ip)))?;
        let addr = listener.local_addr()?;
        let root = Arc::new(root.to_path_buf());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let root = Arc::clone(&root);
                let tamper = tamper.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, &root, tamper.as_ref()).await;
                });
            }
        });
        Ok(Self { addr, task })
    }

    /// `http://<ip>:<port>/<path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }

    /// `http://<ip>:<port>`: the origin a browser sees.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, root: &Path, tamper: Option<&Tamper>) -> Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > 16 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, ctype, body) = match (method, file_for(root, path)) {
        ("GET" | "HEAD", Some(file)) => match tokio::fs::read(&file).await {
            Ok(bytes) => {
                let bytes = match tamper {
                    Some(t) => t(path, bytes),
                    None => bytes,
                };
                ("200 OK", content_type(&file), bytes)
            }
            Err(_) => ("404 Not Found", "text/plain", b"not found\n".to_vec()),
        },
        ("GET" | "HEAD", None) => ("404 Not Found", "text/plain", b"not found\n".to_vec()),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            b"GET or HEAD\n".to_vec(),
        ),
    };
    // Playlists change every segment; segments and scripts never do.
    let cache = if ctype.contains("mpegurl") {
        "max-age=1"
    } else {
        "max-age=3600"
    };
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: {cache}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(reply.as_bytes()).await?;
    if method != "HEAD" {
        stream.write_all(&body).await?;
    }
    stream.shutdown().await?;
    Ok(())
}

/// The file a request path names under `root`; `None` for `..`, empty or
/// encoded segments.
fn file_for(root: &Path, path: &str) -> Option<PathBuf> {
    let rel = path.strip_prefix('/')?;
    let rel = if rel.is_empty() { "index.html" } else { rel };
    let ok = rel
        .split('/')
        .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && !seg.contains(['%', '\\']));
    ok.then(|| root.join(rel))
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "m3u8" => "application/vnd.apple.mpegurl",
        "ts" => "video/MP2T",
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_under_the_root() {
        let root = Path::new("/srv");
        assert_eq!(
            file_for(root, "/a/b.ts"),
            Some(PathBuf::from("/srv/a/b.ts"))
        );
        assert_eq!(file_for(root, "/"), Some(PathBuf::from("/srv/index.html")));
        assert_eq!(file_for(root, "/../etc/passwd"), None);
        assert_eq!(file_for(root, "/a//b"), None);
        assert_eq!(file_for(root, "/%2e%2e/x"), None);
        assert_eq!(file_for(root, "x"), None);
    }

    #[tokio::test]
    async fn files_are_served_with_their_types_and_tampered_on_request() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.m3u8"), "#EXTM3U\n").unwrap();
        let tamper: Tamper = Arc::new(|_, mut b| {
            b.extend_from_slice(b"#X\n");
            b
        });
        let server = StaticServer::start([127, 0, 0, 1], dir.path(), Some(tamper))
            .await
            .unwrap();
        let client = crate::http_client().unwrap();
        let resp = client.get(server.url("a.m3u8?x=1")).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["content-type"],
            "application/vnd.apple.mpegurl"
        );
        assert_eq!(resp.text().await.unwrap(), "#EXTM3U\n#X\n");
        let resp = client.get(server.url("missing.ts")).send().await.unwrap();
        assert_eq!(resp.status(), 404);
    }
}
