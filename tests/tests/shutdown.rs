//! SIGTERM drains: the server stops accepting, lets an in-flight upload
//! finish and answer, then exits cleanly; the object is whole afterwards.

use anyhow::{Context, Result};
use bytes::Bytes;
use futures::SinkExt;
use futures::channel::mpsc;
use std::time::{Duration, SystemTime};
use tributary_tests::{
    Keys, Payload, Server, pattern, sha256_hex, sign_headers, streaming_http_client, with_headers,
    within,
};

#[tokio::test]
async fn sigterm_lets_an_in_flight_upload_finish_then_exits_cleanly() -> Result<()> {
    let mut server = Server::start().await?;
    server
        .control()
        .create_container()
        .container_name("drain")
        .send()
        .await?;
    let body = Bytes::from(pattern(4 << 20, 7));
    let url = server.object_url("drain", "in-flight.ts");
    let headers = sign_headers(
        &Keys::root(),
        "PUT",
        &url,
        &[],
        Payload::Unsigned,
        SystemTime::now(),
    )?;
    let (mut tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    let put = with_headers(streaming_http_client()?.put(&url), &headers)
        .header("content-length", body.len())
        .body(reqwest::Body::wrap_stream(rx));
    let response = tokio::spawn(put.send());
    let half = body.len() / 2;
    for chunk in body.slice(..half).chunks(64 << 10) {
        tx.send(Ok(Bytes::copy_from_slice(chunk)))
            .await
            .context("first half")?;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    server.terminate()?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = tokio::net::TcpStream::connect(server.addr()?).await;
    assert!(
        refused.is_err(),
        "new connections must be refused while draining"
    );

    for chunk in body.slice(half..).chunks(64 << 10) {
        tx.send(Ok(Bytes::copy_from_slice(chunk)))
            .await
            .context("second half")?;
    }
    drop(tx);
    let resp = within(
        Duration::from_secs(20),
        "the in-flight PUT to answer",
        response,
    )
    .await???;
    assert_eq!(
        resp.status().as_u16(),
        200,
        "the in-flight upload completes during the drain"
    );

    let status = server.wait_exit(Duration::from_secs(35)).await?;
    assert!(
        status.success(),
        "graceful shutdown exits with success, got {status}"
    );

    server.start_again().await?;
    let got = server
        .data("drain")
        .get_object()
        .path("in-flight.ts")
        .send()
        .await?;
    let stored = got.body.collect().await?.into_bytes();
    assert_eq!(
        sha256_hex(&stored),
        sha256_hex(&body),
        "the drained upload is stored whole"
    );
    Ok(())
}
