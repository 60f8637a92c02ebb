//! The task that pushes a channel output's segments into the channel, the
//! way an encoder does: HTTP PUT of each segment, then (when it changed)
//! the master playlist, then the media playlist listing it, to the
//! channel's first ingest endpoint on this host's own listener — the same
//! ingest path and authentication an external encoder goes through.
//!
//! Authentication: Basic first; a 401 carrying a Digest challenge is
//! answered with Digest (RFC 7616) from then on. Credentials rejected
//! outright (a Digest answer refused without `stale=true`, a 401 without a
//! challenge, 403) or a 404 make the task re-read the channel record once —
//! RotateIngestEndpointCredentials may have changed them, or the channel may
//! be gone — so a rotation costs one refused Digest answer, not more.
//!
//! The task owns the media playlist: a segment is listed only once its PUT
//! succeeded, and the segment after one that was lost (queue full, PUT
//! failed) starts a discontinuity.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tributary_mediapackage::{BUCKET, ChannelRecord, keys};

use super::auth::{Challenge, basic, digest, digest_challenge};
use super::playlist::{self, Entry, MediaPlaylist};
use super::segmenter::Segment;
use crate::storage::KvBackend;

/// One request, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Pauses before the second and third attempt of a PUT that failed on the
/// network or with a 5xx.
const BACKOFF: [Duration; 2] = [Duration::from_millis(250), Duration::from_secs(1)];
/// Digest challenges answered per request (Basic refused, stale nonces)
/// before giving up: a server that keeps challenging does not loop us.
const CHALLENGES: u32 = 4;

/// What a pushing task needs from the host.
#[derive(Clone)]
pub struct PushCtx {
    /// The key-value backend (the `channels` store: credentials).
    pub kv: Arc<dyn KvBackend>,
    /// This host's own HTTP listener.
    pub http: SocketAddr,
}

impl std::fmt::Debug for PushCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushCtx")
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

/// One ingest endpoint's id and credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingest {
    /// The ingest endpoint id (a path segment).
    pub id: String,
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

impl Ingest {
    /// The channel's first ingest endpoint, from its record.
    pub fn first_of(record: &ChannelRecord) -> Option<Self> {
        record
            .channel
            .hls_ingest
            .ingest_endpoints
            .first()
            .map(|e| Ingest {
                id: e.id.clone(),
                username: e.username.clone(),
                password: e.password.clone(),
            })
    }
}

/// A closed segment on its way to the pusher.
#[derive(Debug)]
pub struct Job {
    /// The segment.
    pub segment: Segment,
    /// The program's `CODECS`, when known.
    pub codecs: Option<String>,
    /// Segments before this one were dropped on the way.
    pub gap_before: bool,
}

/// What the pusher has done; each only grows.
#[derive(Debug, Default)]
pub struct PushStats {
    /// Segments the channel accepted.
    pub segments: AtomicU64,
    /// Their bytes.
    pub bytes: AtomicU64,
    /// PUTs (segment or playlist) that failed for good.
    pub failures: AtomicU64,
}

#[derive(Debug, thiserror::Error)]
enum PushError {
    #[error("cannot reach {0}: {1}")]
    Network(SocketAddr, String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("the channel answered {0}")]
    Status(StatusCode),
    #[error("channel {0} does not exist")]
    ChannelGone(String),
    #[error("channel {0} has no ingest endpoint")]
    NoIngest(String),
    #[error("cannot read channel {0}: {1}")]
    Store(String, String),
}

impl PushError {
    /// Worth trying again in a moment.
    fn transient(&self) -> bool {
        match self {
            PushError::Network(..) | PushError::Timeout(_) => true,
            PushError::Status(s) => s.is_server_error(),
            _ => false,
        }
    }
}

/// The pushing task of one channel output.
pub struct Pusher {
    flow: String,
    output: String,
    channel: String,
    ctx: PushCtx,
    ingest: Ingest,
    conn: Option<SendRequest<Full<Bytes>>>,
    digest: Option<(Challenge, u32)>,
    playlist: MediaPlaylist,
    /// Bandwidth and codecs of the master playlist last pushed.
    master: Option<(u64, Option<String>)>,
    peak_bps: u64,
    next_sequence: u64,
    gap: bool,
    stats: Arc<PushStats>,
    failing: bool,
}

impl Pusher {
    /// A pusher into `channel` through `ingest`, numbering segments from
    /// `first_sequence`.
    #[expect(clippy::too_many_arguments, reason = "one constructor, called once")]
    pub fn new(
        flow: &str,
        output: &str,
        channel: &str,
        ingest: Ingest,
        target_s: u32,
        first_sequence: u64,
        ctx: PushCtx,
        stats: Arc<PushStats>,
    ) -> Self {
        Self {
            flow: flow.to_owned(),
            output: output.to_owned(),
            channel: channel.to_owned(),
            ctx,
            ingest,
            conn: None,
            digest: None,
            playlist: MediaPlaylist::new(target_s),
            master: None,
            peak_bps: 0,
            next_sequence: first_sequence,
            gap: false,
            stats,
            failing: false,
        }
    }

    /// Pushes jobs until the sending side (the flow's output) is gone.
    pub async fn run(mut self, mut jobs: mpsc::Receiver<Job>) {
        while let Some(job) = jobs.recv().await {
            self.job(job).await;
        }
    }

    async fn job(&mut self, job: Job) {
        let Job {
            segment,
            codecs,
            gap_before,
        } = job;
        self.gap |= gap_before;
        let sequence = self.next_sequence;
        let size = segment.bytes.len() as u64;
        let name = playlist::segment_name(sequence);
        if let Err(e) = self.put(&name, segment.bytes.clone(), "video/MP2T").await {
            self.failed(&name, &e);
            self.gap = true;
            return;
        }
        self.next_sequence += 1;
        self.stats.segments.fetch_add(1, Ordering::Relaxed);
        self.stats.bytes.fetch_add(size, Ordering::Relaxed);
        self.playlist.push(Entry {
            sequence,
            duration_ms: segment.duration_ms,
            program_date_time_ms: segment.program_date_time_ms,
            discontinuity: segment.discontinuity || std::mem::take(&mut self.gap),
        });
        let bps = size * 8 * 1000 / u64::from(segment.duration_ms.max(1));
        self.peak_bps = self.peak_bps.max(bps);
        let stale = match &self.master {
            None => true,
            Some((bandwidth, pushed)) => self.peak_bps > *bandwidth || *pushed != codecs,
        };
        if stale {
            // 10% headroom so ordinary variation does not re-push it.
            let bandwidth = self.peak_bps + self.peak_bps / 10;
            let text = playlist::master(bandwidth, codecs.as_deref());
            match self.put(playlist::MASTER, Bytes::from(text), MPEGURL).await {
                Ok(()) => self.master = Some((bandwidth, codecs)),
                Err(e) => self.failed(playlist::MASTER, &e),
            }
        }
        let text = self.playlist.render();
        match self.put(playlist::MEDIA, Bytes::from(text), MPEGURL).await {
            Ok(()) => {
                if std::mem::take(&mut self.failing) {
                    tracing::info!(flow = %self.flow, output = %self.output, channel = %self.channel, "channel output: pushing again");
                }
            }
            Err(e) => self.failed(playlist::MEDIA, &e),
        }
    }

    fn failed(&mut self, file: &str, e: &PushError) {
        self.stats.failures.fetch_add(1, Ordering::Relaxed);
        // One warning per outage; the counter says how long it lasts.
        if !std::mem::replace(&mut self.failing, true) {
            tracing::warn!(flow = %self.flow, output = %self.output, channel = %self.channel, file, error = %e, "channel output: push failed");
        } else {
            tracing::debug!(flow = %self.flow, output = %self.output, channel = %self.channel, file, error = %e, "channel output: push failed");
        }
    }

    /// PUTs `file` next to the ingest playlist, trying again on transient
    /// errors.
    async fn put(&mut self, file: &str, body: Bytes, content_type: &str) -> Result<(), PushError> {
        let mut attempt = 0;
        loop {
            match self.put_once(file, body.clone(), content_type).await {
                Err(e) if e.transient() && attempt < BACKOFF.len() => {
                    let pause = BACKOFF.get(attempt).copied().unwrap_or_default();
                    attempt += 1;
                    tokio::time::sleep(pause).await;
                }
                other => return other,
            }
        }
    }

    /// One PUT, with its authentication round trips.
    async fn put_once(
        &mut self,
        file: &str,
        body: Bytes,
        content_type: &str,
    ) -> Result<(), PushError> {
        let mut reread = false;
        let mut challenges = 0;
        loop {
            let path = format!("/in/v1/{}/{}/{file}", self.channel, self.ingest.id);
            let sent_digest = self.digest.is_some();
            let authorization = match self.digest.as_mut() {
                Some((challenge, nc)) => {
                    *nc += 1;
                    let cnonce = hex::encode(rand::random::<[u8; 12]>());
                    digest(
                        challenge,
                        &self.ingest.username,
                        &self.ingest.password,
                        "PUT",
                        &path,
                        *nc,
                        &cnonce,
                    )
                }
                None => basic(&self.ingest.username, &self.ingest.password),
            };
            let (status, challenge) = self
                .send(&path, authorization, body.clone(), content_type)
                .await?;
            if status.is_success() {
                return Ok(());
            }
            match (status, challenge) {
                (StatusCode::UNAUTHORIZED, Some(c)) if challenges < CHALLENGES => {
                    challenges += 1;
                    // Basic refused, or our nonce went stale: answer the
                    // challenge. A Digest answer refused without `stale`
                    // means the credentials are wrong (RFC 7616 §3.3): read
                    // them again, then answer this challenge with them.
                    let refused = sent_digest && !c.stale;
                    self.digest = Some((c, 0));
                    if !refused {
                        continue;
                    }
                }
                (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND, _) => {}
                (other, _) => return Err(PushError::Status(other)),
            }
            if reread {
                return Err(PushError::Status(status));
            }
            reread = true;
            self.reread().await?;
        }
    }

    /// Reads the channel record again for its current credentials.
    async fn reread(&mut self) -> Result<(), PushError> {
        let raw = self
            .ctx
            .kv
            .get(BUCKET, &keys::channel(&self.channel))
            .await
            .map_err(|e| PushError::Store(self.channel.clone(), e.to_string()))?
            .ok_or_else(|| PushError::ChannelGone(self.channel.clone()))?;
        let record: ChannelRecord = serde_json::from_slice(&raw)
            .map_err(|e| PushError::Store(self.channel.clone(), e.to_string()))?;
        let ingest =
            Ingest::first_of(&record).ok_or_else(|| PushError::NoIngest(self.channel.clone()))?;
        if ingest != self.ingest {
            tracing::info!(flow = %self.flow, output = %self.output, channel = %self.channel, "channel output: ingest credentials changed; using the new ones");
            self.ingest = ingest;
        }
        Ok(())
    }

    /// Sends one request on the kept connection (opening one if needed);
    /// the status and any Digest challenge.
    async fn send(
        &mut self,
        path: &str,
        authorization: String,
        body: Bytes,
        content_type: &str,
    ) -> Result<(StatusCode, Option<Challenge>), PushError> {
        let addr = self.ctx.http;
        let exchange = async {
            let sender = self.connection().await?;
            let request = Request::put(path)
                .header(hyper::header::HOST, addr.to_string())
                .header(hyper::header::CONTENT_TYPE, content_type)
                .header(hyper::header::AUTHORIZATION, authorization)
                .body(Full::new(body))
                .map_err(|e| PushError::Network(addr, e.to_string()))?;
            sender
                .ready()
                .await
                .map_err(|e| PushError::Network(addr, e.to_string()))?;
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| PushError::Network(addr, e.to_string()))?;
            let status = response.status();
            let challenge = digest_challenge(
                response
                    .headers()
                    .get_all(hyper::header::WWW_AUTHENTICATE)
                    .iter()
                    .filter_map(|v| v.to_str().ok()),
            );
            // Read the body to the end so the connection can be reused.
            response
                .into_body()
                .collect()
                .await
                .map_err(|e| PushError::Network(addr, e.to_string()))?;
            Ok((status, challenge))
        };
        let result = match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
            Ok(result) => result,
            Err(_) => Err(PushError::Timeout(REQUEST_TIMEOUT)),
        };
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    async fn connection(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, PushError> {
        if self.conn.as_ref().is_some_and(SendRequest::is_closed) {
            self.conn = None;
        }
        let addr = self.ctx.http;
        let conn = match self.conn.take() {
            Some(conn) => conn,
            None => {
                let stream = TcpStream::connect(addr)
                    .await
                    .map_err(|e| PushError::Network(addr, e.to_string()))?;
                let _ = stream.set_nodelay(true);
                let (sender, connection) = http1::handshake(TokioIo::new(stream))
                    .await
                    .map_err(|e| PushError::Network(addr, e.to_string()))?;
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                sender
            }
        };
        Ok(self.conn.insert(conn))
    }
}

const MPEGURL: &str = "application/vnd.apple.mpegurl";

#[cfg(test)]
#[path = "push_tests.rs"]
mod tests;
