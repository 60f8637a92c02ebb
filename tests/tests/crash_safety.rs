//! `kill -9` in the middle of an upload never leaves a partial object: after
//! a restart on the same data directory the object is absent, or whole, or
//! (for an overwrite) the old object is still whole.

use anyhow::{Context, Result};
use aws_sdk_mediastoredata::primitives::ByteStream;
use bytes::Bytes;
use futures::SinkExt;
use futures::channel::mpsc;
use std::time::{Duration, SystemTime};
use tokio::task::JoinHandle;
use tributary_tests::{
    Keys, Payload, Server, pattern, sdk_error, sha256_hex, sign_headers, streaming_http_client,
    with_headers, within,
};

const SIZE: usize = 20 << 20;
const CHUNK: usize = 256 << 10;

/// A signed PUT whose body we feed chunk by chunk.
struct Upload {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    response: JoinHandle<reqwest::Result<reqwest::Response>>,
    sent: usize,
}

impl Upload {
    /// Start `PUT <container>/<path>` declaring `len` bytes (as the AWS CLI
    /// and SDK do), signed UNSIGNED-PAYLOAD.
    fn start(server: &Server, container: &str, path: &str, len: usize) -> Result<Self> {
        let url = server.object_url(container, path);
        let headers = sign_headers(
            &Keys::root(),
            "PUT",
            &url,
            &[("content-type", "video/MP2T")],
            Payload::Unsigned,
            SystemTime::now(),
        )?;
        let (tx, rx) = mpsc::channel(2);
        let req = with_headers(streaming_http_client()?.put(&url), &headers)
            .header("content-length", len)
            .body(reqwest::Body::wrap_stream(rx));
        Ok(Self {
            tx,
            response: tokio::spawn(req.send()),
            sent: 0,
        })
    }

    /// Send `body[sent..until]`, a chunk at a time, a little slowly.
    async fn send_until(&mut self, body: &Bytes, until: usize) -> Result<()> {
        while self.sent < until {
            let end = (self.sent + CHUNK).min(until);
            within(
                Duration::from_secs(10),
                "the server to take the next chunk",
                self.tx.send(Ok(body.slice(self.sent..end))),
            )
            .await?
            .context("the upload stopped taking bytes")?;
            self.sent = end;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(())
    }

    /// After the server died: did the PUT get a 200 before it did?
    async fn outcome(self) -> Result<Option<u16>> {
        drop(self.tx);
        let result = within(
            Duration::from_secs(15),
            "the killed upload to end",
            self.response,
        )
        .await??;
        Ok(result.ok().map(|r| r.status().as_u16()))
    }
}

/// What a reader sees at `path` after the restart: `None` when absent
/// (404 ObjectNotFoundException), else the SHA-256 of the whole body.
async fn observed(server: &Server, container: &str, path: &str) -> Result<Option<(String, usize)>> {
    let data = server.data(container);
    match data.get_object().path(path).send().await {
        Ok(got) => {
            let body = got.body.collect().await?.into_bytes();
            Ok(Some((sha256_hex(&body), body.len())))
        }
        Err(e) => {
            let e = sdk_error::<(), _>(Err(e))?;
            anyhow::ensure!(
                e.pair() == (404, "ObjectNotFoundException"),
                "GetObject {path} after restart: {e:?}"
            );
            Ok(None)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_mid_upload_never_leaves_a_partial_object() -> Result<()> {
    let body = Bytes::from(pattern(SIZE, 11));
    let whole = sha256_hex(&body);
    let mut server = Server::start().await?;
    server
        .control()
        .create_container()
        .container_name("c")
        .send()
        .await?;

    // (bytes sent before the kill, pause before the kill)
    let kill_points = [
        (CHUNK, Duration::from_millis(300)),
        (5 << 20, Duration::from_millis(300)),
        (10 << 20, Duration::from_millis(300)),
        (SIZE - CHUNK, Duration::from_millis(300)),
        (SIZE, Duration::ZERO),
    ];
    for (i, (kill_at, pause)) in kill_points.into_iter().enumerate() {
        let path = format!("big/{i}.ts");
        let mut upload = Upload::start(&server, "c", &path, SIZE)?;
        upload.send_until(&body, kill_at).await?;
        tokio::time::sleep(pause).await;
        server.kill9()?;
        let acknowledged = upload.outcome().await?;
        server.restart().await?;

        let seen = observed(&server, "c", &path).await?;
        match (kill_at == SIZE, acknowledged, seen) {
            (_, _, Some((sha, len))) => {
                assert_eq!(
                    len, SIZE,
                    "kill after {kill_at} bytes: a partial object is visible"
                );
                assert_eq!(
                    sha, whole,
                    "kill after {kill_at} bytes: the object's bytes differ"
                );
            }
            (false, _, None) => {}
            (true, Some(200), None) => {
                panic!("the upload was acknowledged (200) but the object is gone after the restart")
            }
            (true, _, None) => {}
        }
        assert!(
            kill_at == SIZE || acknowledged.is_none(),
            "an incomplete upload was answered {acknowledged:?}"
        );

        // Listing agrees with reading: no temp or partial entries.
        let listed = server.data("c").list_items().path("big").send().await?;
        for item in listed.items() {
            let name = item.name().unwrap_or("");
            let found = observed(&server, "c", &format!("big/{name}")).await?;
            assert!(
                found.is_some_and(|(_, len)| len == SIZE),
                "ListItems shows {name:?}, which is not a whole object"
            );
        }
    }

    // The store still takes a whole upload afterwards.
    let mut upload = Upload::start(&server, "c", "big/after.ts", SIZE)?;
    upload.send_until(&body, SIZE).await?;
    drop(upload.tx);
    let resp = within(
        Duration::from_secs(30),
        "the upload after the crashes",
        upload.response,
    )
    .await???;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        observed(&server, "c", "big/after.ts").await?,
        Some((whole, SIZE))
    );
    server.assert_healthy().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_overwrite_leaves_the_old_object_whole() -> Result<()> {
    let mut server = Server::start().await?;
    server
        .control()
        .create_container()
        .container_name("c")
        .send()
        .await?;
    let old = pattern(2 << 20, 99);
    server
        .data("c")
        .put_object()
        .path("live/seg.ts")
        .body(ByteStream::from(old.clone()))
        .send()
        .await
        .context("PutObject of the old object")?;

    let new = Bytes::from(pattern(SIZE, 5));
    for kill_at in [CHUNK, 12 << 20] {
        let mut upload = Upload::start(&server, "c", "live/seg.ts", SIZE)?;
        upload.send_until(&new, kill_at).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        server.kill9()?;
        assert_eq!(
            upload.outcome().await?,
            None,
            "an incomplete overwrite was answered"
        );
        server.restart().await?;
        assert_eq!(
            observed(&server, "c", "live/seg.ts").await?,
            Some((sha256_hex(&old), old.len())),
            "after a kill {kill_at} bytes into the overwrite, the old object must be intact"
        );
    }
    server.assert_healthy().await
}
