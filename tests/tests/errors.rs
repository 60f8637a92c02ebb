//! Every refusal carries MediaStore's own error code and HTTP status, as the
//! AWS SDK (or a browser) sees them, and none of them hurts the server:
//! each test ends by checking that `/healthz` still answers.

use anyhow::{Context, Result};
use aws_sdk_mediastoredata::primitives::ByteStream;
use bytes::Bytes;
use std::time::{Duration, SystemTime};
use tributary_tests::{
    ANONYMOUS_DENIED, Keys, Payload, ROOT_ACCESS_KEY_ID, RawResponse, Server, WireError,
    http_client, pattern, presign, public_read_policy, raw_request, response_error, sdk_error,
    sign_headers, streaming_http_client, with_headers, within,
};

/// A server with container `c` holding `a.ts` = "0123456789".
async fn server_with_object() -> Result<Server> {
    let server = Server::start().await?;
    server
        .control()
        .create_container()
        .container_name("c")
        .send()
        .await
        .context("CreateContainer")?;
    server
        .data("c")
        .put_object()
        .path("a.ts")
        .content_type("video/MP2T")
        .body(ByteStream::from_static(b"0123456789"))
        .send()
        .await
        .context("PutObject a.ts")?;
    Ok(server)
}

/// POST a control-plane call by hand, signed by `aws-sigv4` over `body`.
async fn control_call(server: &Server, target: &str, body: &[u8]) -> Result<WireError> {
    let url = format!("{}/", server.base_url());
    let headers = sign_headers(
        &Keys::root(),
        "POST",
        &url,
        &[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", target),
        ],
        Payload::Bytes(body),
        SystemTime::now(),
    )?;
    let resp = with_headers(http_client()?.post(&url), &headers)
        .body(body.to_vec())
        .send()
        .await?;
    response_error(resp).await
}

#[tokio::test]
async fn unknown_container_is_container_not_found_on_both_planes() -> Result<()> {
    let mut server = Server::start().await?;
    let control = server.control();
    let e = sdk_error(
        control
            .describe_container()
            .container_name("nope")
            .send()
            .await,
    )?;
    assert_eq!(
        e.pair(),
        (400, "ContainerNotFoundException"),
        "DescribeContainer"
    );
    let e = sdk_error(
        control
            .delete_container()
            .container_name("nope")
            .send()
            .await,
    )?;
    assert_eq!(
        e.pair(),
        (400, "ContainerNotFoundException"),
        "DeleteContainer"
    );
    let e = sdk_error(
        control
            .put_container_policy()
            .container_name("nope")
            .policy(public_read_policy("nope"))
            .send()
            .await,
    )?;
    assert_eq!(
        e.pair(),
        (400, "ContainerNotFoundException"),
        "PutContainerPolicy"
    );

    let data = server.data("nope");
    let e = sdk_error(data.get_object().path("a.ts").send().await)?;
    assert_eq!(e.pair(), (404, "ContainerNotFoundException"), "GetObject");
    let e = sdk_error(
        data.put_object()
            .path("a.ts")
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
    )?;
    assert_eq!(e.pair(), (404, "ContainerNotFoundException"), "PutObject");
    let e = sdk_error(data.list_items().send().await)?;
    assert_eq!(e.pair(), (404, "ContainerNotFoundException"), "ListItems");
    server.assert_healthy().await
}

#[tokio::test]
async fn unknown_object_is_object_not_found() -> Result<()> {
    let mut server = server_with_object().await?;
    let data = server.data("c");
    let e = sdk_error(data.get_object().path("missing.ts").send().await)?;
    assert_eq!(e.pair(), (404, "ObjectNotFoundException"), "GetObject");
    // HEAD has no body: the code must travel in x-amzn-errortype.
    let e = sdk_error(data.describe_object().path("missing.ts").send().await)?;
    assert_eq!(e.pair(), (404, "ObjectNotFoundException"), "DescribeObject");
    let e = sdk_error(data.delete_object().path("missing.ts").send().await)?;
    assert_eq!(e.pair(), (404, "ObjectNotFoundException"), "DeleteObject");
    let e = sdk_error(data.get_object().path("folder/missing.ts").send().await)?;
    assert_eq!(
        e.pair(),
        (404, "ObjectNotFoundException"),
        "GetObject in a missing folder"
    );
    server.assert_healthy().await
}

#[tokio::test]
async fn unsatisfiable_range_is_416() -> Result<()> {
    let mut server = server_with_object().await?;
    let data = server.data("c");
    for range in ["bytes=10-", "bytes=100-200", "bytes=10-10"] {
        let e = sdk_error(data.get_object().path("a.ts").range(range).send().await)?;
        assert_eq!(
            e.pair(),
            (416, "RequestedRangeNotSatisfiableException"),
            "Range {range} of a 10-byte object"
        );
    }
    server.assert_healthy().await
}

#[tokio::test]
async fn unsigned_write_is_refused() -> Result<()> {
    let mut server = server_with_object().await?;
    let http = http_client()?;
    let resp = http
        .put(server.object_url("c", "new.ts"))
        .body("sneaky")
        .send()
        .await?;
    assert_eq!(
        response_error(resp).await?.pair(),
        (403, ANONYMOUS_DENIED),
        "anonymous PUT, no policy"
    );
    let resp = http
        .put(server.object_url("c", "a.ts"))
        .body("overwrite")
        .send()
        .await?;
    assert_eq!(
        response_error(resp).await?.pair(),
        (403, ANONYMOUS_DENIED),
        "anonymous overwrite, no policy"
    );
    let resp = http.delete(server.object_url("c", "a.ts")).send().await?;
    assert_eq!(
        response_error(resp).await?.pair(),
        (403, ANONYMOUS_DENIED),
        "anonymous DELETE, no policy"
    );

    // A public-read policy opens reads, not writes.
    server
        .control()
        .put_container_policy()
        .container_name("c")
        .policy(public_read_policy("c"))
        .send()
        .await?;
    let resp = http
        .put(server.object_url("c", "new.ts"))
        .body("sneaky")
        .send()
        .await?;
    assert_eq!(
        response_error(resp).await?.pair(),
        (403, ANONYMOUS_DENIED),
        "anonymous PUT, public-read policy"
    );

    let data = server.data("c");
    let e = sdk_error(data.get_object().path("new.ts").send().await)?;
    assert_eq!(
        e.pair(),
        (404, "ObjectNotFoundException"),
        "nothing was written"
    );
    let kept = data
        .get_object()
        .path("a.ts")
        .send()
        .await?
        .body
        .collect()
        .await?
        .into_bytes();
    assert_eq!(kept.as_ref(), b"0123456789", "nothing was overwritten");
    server.assert_healthy().await
}

#[tokio::test]
async fn wrong_secret_is_invalid_signature() -> Result<()> {
    let mut server = server_with_object().await?;
    let wrong = Keys::new(ROOT_ACCESS_KEY_ID, "not-the-secret");
    let e = sdk_error(server.control_as(&wrong).list_containers().send().await)?;
    assert_eq!(
        e.pair(),
        (403, "InvalidSignatureException"),
        "control plane"
    );
    let data = server.data_as("c", &wrong);
    let e = sdk_error(data.get_object().path("a.ts").send().await)?;
    assert_eq!(e.pair(), (403, "InvalidSignatureException"), "GetObject");
    let e = sdk_error(
        data.put_object()
            .path("b.ts")
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
    )?;
    assert_eq!(e.pair(), (403, "InvalidSignatureException"), "PutObject");
    let e = sdk_error(server.data("c").get_object().path("b.ts").send().await)?;
    assert_eq!(
        e.pair(),
        (404, "ObjectNotFoundException"),
        "the refused PUT stored nothing"
    );
    server.assert_healthy().await
}

#[tokio::test]
async fn unknown_access_key_is_unrecognized_client() -> Result<()> {
    let mut server = server_with_object().await?;
    let stranger = Keys::new("AKIANOSUCHKEY0000000", "whatever");
    let e = sdk_error(server.control_as(&stranger).list_containers().send().await)?;
    assert_eq!(
        e.pair(),
        (403, "UnrecognizedClientException"),
        "control plane"
    );
    let e = sdk_error(
        server
            .data_as("c", &stranger)
            .get_object()
            .path("a.ts")
            .send()
            .await,
    )?;
    assert_eq!(e.pair(), (403, "UnrecognizedClientException"), "data plane");
    server.assert_healthy().await
}

#[tokio::test]
async fn presigned_urls_work_until_they_expire() -> Result<()> {
    let mut server = server_with_object().await?;
    let http = http_client()?;
    let url = server.object_url("c", "a.ts");

    let fresh = presign(
        &Keys::root(),
        "GET",
        &url,
        Duration::from_secs(300),
        SystemTime::now(),
    )?;
    let resp = http.get(&fresh).send().await?;
    assert_eq!(resp.status().as_u16(), 200, "fresh presigned URL {fresh}");
    assert_eq!(resp.bytes().await?.as_ref(), b"0123456789");

    // Signed an hour ago, valid for a minute.
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let expired = presign(
        &Keys::root(),
        "GET",
        &url,
        Duration::from_secs(60),
        an_hour_ago,
    )?;
    let resp = http.get(&expired).send().await?;
    assert_eq!(
        response_error(resp).await?.pair(),
        (403, "RequestExpired"),
        "expired presigned URL"
    );

    // Tampered: another path under the same signature.
    let other = fresh.replacen("/a.ts?", "/b.ts?", 1);
    let resp = http.get(&other).send().await?;
    assert_eq!(
        response_error(resp).await?.pair(),
        (403, "InvalidSignatureException"),
        "presigned URL for another path"
    );
    server.assert_healthy().await
}

#[tokio::test]
async fn anonymous_read_without_policy_is_denied() -> Result<()> {
    let mut server = server_with_object().await?;
    let http = http_client()?;
    let url = server.object_url("c", "a.ts");
    let resp = http.get(&url).send().await?;
    assert_eq!(
        response_error(resp).await?.pair(),
        (403, ANONYMOUS_DENIED),
        "anonymous GET"
    );
    let resp = http.head(&url).send().await?;
    assert_eq!(
        response_error(resp).await?.pair(),
        (403, ANONYMOUS_DENIED),
        "anonymous HEAD"
    );
    let resp = http
        .get(format!("{}/store/c", server.base_url()))
        .send()
        .await?;
    assert_eq!(
        response_error(resp).await?.pair(),
        (403, ANONYMOUS_DENIED),
        "anonymous ListItems"
    );
    server.assert_healthy().await
}

#[tokio::test]
async fn explicit_deny_overrides_a_public_allow() -> Result<()> {
    let mut server = server_with_object().await?;
    let arn = Server::container_arn("c");
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
             "Action": "mediastore:GetObject", "Resource": format!("{arn}/*")},
            {"Sid": "NotThePrivateFolder", "Effect": "Deny", "Principal": "*",
             "Action": "mediastore:*", "Resource": format!("{arn}/private/*")}
        ]
    });
    server
        .control()
        .put_container_policy()
        .container_name("c")
        .policy(policy.to_string())
        .send()
        .await?;
    let data = server.data("c");
    data.put_object()
        .path("private/secret.ts")
        .body(ByteStream::from_static(b"secret"))
        .send()
        .await?;

    let http = http_client()?;
    let resp = http.get(server.object_url("c", "a.ts")).send().await?;
    assert_eq!(
        resp.status().as_u16(),
        200,
        "allowed by the public statement"
    );
    assert_eq!(resp.bytes().await?.as_ref(), b"0123456789");
    let resp = http
        .get(server.object_url("c", "private/secret.ts"))
        .send()
        .await?;
    assert_eq!(
        response_error(resp).await?.pair(),
        (403, ANONYMOUS_DENIED),
        "denied under private/"
    );
    server.assert_healthy().await
}

#[tokio::test]
async fn named_users_may_do_what_the_policy_allows_them_and_nothing_else() -> Result<()> {
    let mut server = server_with_object().await?;
    let alice = server.create_access_key("alice")?;
    let bob = server.create_access_key("bob")?;
    assert_eq!(
        alice.arn,
        format!("arn:aws:iam::{}:user/alice", tributary_tests::ACCOUNT_ID)
    );
    let arn = Server::container_arn("c");
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AliceReadsAndWrites", "Effect": "Allow",
            "Principal": {"AWS": alice.arn},
            "Action": ["mediastore:GetObject", "mediastore:PutObject", "mediastore:DescribeObject"],
            "Resource": format!("{arn}/*")
        }]
    });
    server
        .control()
        .put_container_policy()
        .container_name("c")
        .policy(policy.to_string())
        .send()
        .await?;

    let as_alice = server.data_as("c", &alice.keys);
    as_alice
        .put_object()
        .path("alice.ts")
        .body(ByteStream::from_static(b"from alice"))
        .send()
        .await
        .context("alice PutObject")?;
    let got = as_alice
        .get_object()
        .path("alice.ts")
        .send()
        .await
        .context("alice GetObject")?;
    assert_eq!(
        got.body.collect().await?.into_bytes().as_ref(),
        b"from alice"
    );
    let e = sdk_error(as_alice.delete_object().path("alice.ts").send().await)?;
    assert_eq!(
        e.pair(),
        (403, "AccessDeniedException"),
        "alice DeleteObject (not in the policy)"
    );

    let as_bob = server.data_as("c", &bob.keys);
    let e = sdk_error(as_bob.get_object().path("alice.ts").send().await)?;
    assert_eq!(e.pair(), (403, "AccessDeniedException"), "bob GetObject");
    let e = sdk_error(
        as_bob
            .put_object()
            .path("bob.ts")
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
    )?;
    assert_eq!(e.pair(), (403, "AccessDeniedException"), "bob PutObject");
    server.assert_healthy().await
}

/// 26 MiB, made 256 KiB at a time from one buffer: nothing holds the whole
/// body.
fn oversize_body() -> (u64, reqwest::Body) {
    const CHUNK: usize = 256 << 10;
    const CHUNKS: usize = 104;
    let chunk = Bytes::from(pattern(CHUNK, 0));
    let stream =
        futures::stream::iter((0..CHUNKS).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    ((CHUNK * CHUNKS) as u64, reqwest::Body::wrap_stream(stream))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_over_25_mb_are_rejected_with_413() -> Result<()> {
    let mut server = server_with_object().await?;
    let http = streaming_http_client()?;
    for declared in [true, false] {
        let url = server.object_url("c", "big.ts");
        let headers = sign_headers(
            &Keys::root(),
            "PUT",
            &url,
            &[],
            Payload::Unsigned,
            SystemTime::now(),
        )?;
        let (len, body) = oversize_body();
        let mut req = with_headers(http.put(&url), &headers).body(body);
        if declared {
            req = req.header("content-length", len);
        }
        let resp = within(Duration::from_secs(60), "the oversize PUT", req.send())
            .await?
            .with_context(|| {
                format!("oversize PUT (Content-Length declared: {declared}) got no response")
            })?;
        assert_eq!(
            response_error(resp).await?.pair(),
            (413, "ObjectTooLargeException"),
            "26 MiB PUT, Content-Length declared: {declared}"
        );
        let e = sdk_error(server.data("c").get_object().path("big.ts").send().await)?;
        assert_eq!(
            e.pair(),
            (404, "ObjectNotFoundException"),
            "nothing of the oversize object is stored"
        );
    }
    server.assert_healthy().await
}

#[tokio::test]
async fn invalid_container_names_are_rejected() -> Result<()> {
    let mut server = Server::start().await?;
    let control = server.control();
    let long = "n".repeat(256);
    for name in ["has space", "dot.name", "slash/name", "", long.as_str()] {
        let e = sdk_error(control.create_container().container_name(name).send().await)?;
        assert_eq!(
            e.pair(),
            (400, "ValidationException"),
            "CreateContainer {name:?}"
        );
    }
    let listed = control.list_containers().send().await?;
    assert!(
        listed.containers().is_empty(),
        "no container was created: {:?}",
        listed.containers()
    );
    // The longest valid name works.
    control
        .create_container()
        .container_name("n".repeat(255))
        .send()
        .await
        .context("a 255-character name")?;
    server.assert_healthy().await
}

#[tokio::test]
async fn invalid_object_paths_are_rejected_with_400() -> Result<()> {
    let mut server = server_with_object().await?;
    server
        .control()
        .put_container_policy()
        .container_name("c")
        .policy(public_read_policy("c"))
        .send()
        .await?;
    let addr = server.addr()?;
    let deep = format!("{}x.ts", "d/".repeat(11));
    let long = format!("{}/x.ts", "l".repeat(900));
    // Sent byte for byte: URL libraries would resolve `..` before sending.
    let targets = [
        "/store/c/a/../a.ts".to_owned(),
        "/store/c/%2E%2E/a.ts".to_owned(),
        "/store/c/a//b.ts".to_owned(),
        "/store/c/a%2Fb.ts".to_owned(),
        "/store/c/a%00b.ts".to_owned(),
        "/store/c/a%20b.ts".to_owned(),
        format!("/store/c/{deep}"),
        format!("/store/c/{long}"),
    ];
    for target in &targets {
        let resp: RawResponse = raw_request(addr, "GET", target, &[]).await?;
        assert_eq!(
            resp.error().pair(),
            (400, "InvalidRequestException"),
            "anonymous GET {target}"
        );
    }
    // Ten folders deep is still fine (and simply absent).
    let ten = format!("/store/c/{}x.ts", "d/".repeat(10));
    let resp = raw_request(addr, "GET", &ten, &[]).await?;
    assert_eq!(
        resp.error().pair(),
        (404, "ObjectNotFoundException"),
        "GET {ten}"
    );

    // The same through the SDK, signed: refused as invalid, nothing stored.
    let data = server.data("c");
    for path in [
        "a//b.ts",
        deep.as_str(),
        long.as_str(),
        "a/./b.ts",
        "a/../b.ts",
    ] {
        let e = sdk_error(
            data.put_object()
                .path(path)
                .body(ByteStream::from_static(b"x"))
                .send()
                .await,
        )?;
        assert_eq!(
            e.pair(),
            (400, "InvalidRequestException"),
            "PutObject {path:?}"
        );
    }
    let listed = data.list_items().send().await?;
    let names: Vec<_> = listed.items().iter().filter_map(|i| i.name()).collect();
    assert_eq!(names, ["a.ts"], "nothing was stored under an invalid path");
    server.assert_healthy().await
}

#[tokio::test]
async fn malformed_json_is_a_serialization_error() -> Result<()> {
    let mut server = Server::start().await?;
    // The hand-signing itself is right: a well-formed call succeeds.
    let ok = control_call(&server, "MediaStore_20170901.ListContainers", b"{}").await?;
    assert_eq!(ok.status, 200, "well-formed ListContainers: {ok:?}");
    for body in [
        &b"{\"ContainerName\": "[..],
        b"not json",
        b"{\"ContainerName\": \"a\"",
        b"\xff\xfe",
    ] {
        let e = control_call(&server, "MediaStore_20170901.CreateContainer", body).await?;
        assert_eq!(
            e.pair(),
            (400, "SerializationException"),
            "body {:?}",
            String::from_utf8_lossy(body)
        );
    }
    let listed = server.control().list_containers().send().await?;
    assert!(listed.containers().is_empty(), "nothing was created");
    server.assert_healthy().await
}

#[tokio::test]
async fn unknown_target_is_rejected() -> Result<()> {
    let mut server = Server::start().await?;
    for target in [
        "MediaStore_20170901.LaunchRockets",
        "DynamoDB_20120810.ListTables",
        "MediaStore_20170901.",
    ] {
        let e = control_call(&server, target, b"{}").await?;
        assert_eq!(
            e.pair(),
            (400, "UnknownOperationException"),
            "X-Amz-Target: {target}"
        );
    }
    server.assert_healthy().await
}
