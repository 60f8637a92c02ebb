//! The MediaStore tutorial path against the real server, driven by the AWS
//! SDK for Rust (control plane and data plane) and by plain HTTP where a
//! browser or an anonymous player is the point.

use anyhow::{Context, Result, ensure};
use aws_sdk_mediastore::types::{
    ContainerLevelMetrics, ContainerStatus, CorsRule, MethodName, MetricPolicy, MetricPolicyRule,
    Tag,
};
use aws_sdk_mediastoredata::primitives::ByteStream;
use aws_sdk_mediastoredata::types::{ItemType, StorageClass};
use bytes::Bytes;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};
use tributary_tests::{
    Hls, Keys, Payload, Server, data_client, hls, http_client, pattern, public_read_policy,
    response_error, sdk_error, sha256_hex, sign_headers, streaming_http_client, with_headers,
    within,
};

const PLAYER: &str = "https://player.example";
const EVIL: &str = "https://evil.example";

fn player_cors_rule() -> Result<CorsRule> {
    Ok(CorsRule::builder()
        .allowed_origins(PLAYER)
        .allowed_methods(MethodName::Get)
        .allowed_methods(MethodName::Head)
        .allowed_headers("*")
        .max_age_seconds(300)
        .expose_headers("ETag")
        .build()?)
}

fn unquote(etag: &str) -> &str {
    etag.trim_matches('"')
}

/// Upload every file of `hls` under `folder/` with the SDK; checks what
/// PutObject answers.
async fn put_hls(data: &aws_sdk_mediastoredata::Client, folder: &str, hls: &Hls) -> Result<()> {
    for f in &hls.files {
        let path = format!("{folder}/{}", f.name);
        let out = data
            .put_object()
            .path(&path)
            .content_type(f.content_type)
            .body(ByteStream::from(f.bytes.clone()))
            .send()
            .await
            .with_context(|| format!("PutObject {path}"))?;
        assert_eq!(
            out.content_sha256(),
            Some(sha256_hex(&f.bytes).as_str()),
            "PutObject {path}: ContentSHA256"
        );
        assert!(
            out.e_tag().is_some_and(|e| !unquote(e).is_empty()),
            "PutObject {path}: no ETag"
        );
        assert_eq!(
            out.storage_class(),
            Some(&StorageClass::Temporal),
            "PutObject {path}: StorageClass"
        );
    }
    Ok(())
}

/// A container with the player CORS rule, public read, and `hls` under
/// `hls/`.
async fn public_hls_container(server: &Server, name: &str) -> Result<std::sync::Arc<Hls>> {
    let hls = hls()?;
    let control = server.control();
    control
        .create_container()
        .container_name(name)
        .send()
        .await
        .context("CreateContainer")?;
    control
        .put_cors_policy()
        .container_name(name)
        .cors_policy(player_cors_rule()?)
        .send()
        .await
        .context("PutCorsPolicy")?;
    control
        .put_container_policy()
        .container_name(name)
        .policy(public_read_policy(name))
        .send()
        .await
        .context("PutContainerPolicy")?;
    put_hls(&server.data(name), "hls", &hls).await?;
    Ok(hls)
}

fn access_control_headers(headers: &reqwest::header::HeaderMap) -> Vec<String> {
    headers
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tutorial_flow_from_create_container_to_deletion_rules() -> Result<()> {
    let hls = hls()?;
    let mut server = Server::start().await?;
    let control = server.control();
    let name = "live";

    // Create, then describe: the endpoint is where the data plane lives.
    let created = control
        .create_container()
        .container_name(name)
        .send()
        .await
        .context("CreateContainer")?;
    let c = created
        .container()
        .context("CreateContainer returned no Container")?;
    assert_eq!(c.name(), Some(name));
    assert_eq!(c.arn(), Some(Server::container_arn(name).as_str()));
    let described = control
        .describe_container()
        .container_name(name)
        .send()
        .await
        .context("DescribeContainer")?;
    let c = described
        .container()
        .context("DescribeContainer returned no Container")?;
    assert_eq!(
        c.endpoint(),
        Some(server.container_endpoint(name).as_str()),
        "Container.Endpoint"
    );
    assert_eq!(
        c.arn(),
        Some(Server::container_arn(name).as_str()),
        "Container.ARN"
    );
    assert_eq!(
        c.status(),
        Some(&ContainerStatus::Active),
        "Container.Status"
    );
    assert_eq!(c.name(), Some(name));
    assert!(
        c.creation_time().is_some(),
        "Container.CreationTime missing"
    );
    let endpoint = c.endpoint().context("no endpoint")?.to_owned();

    // CORS for the player's origin, and public read.
    control
        .put_cors_policy()
        .container_name(name)
        .cors_policy(player_cors_rule()?)
        .send()
        .await?;
    control
        .put_container_policy()
        .container_name(name)
        .policy(public_read_policy(name))
        .send()
        .await?;

    // Upload the ffmpeg-made rendition through the endpoint DescribeContainer gave.
    let data = data_client(&endpoint, &Keys::root());
    put_hls(&data, "hls", &hls).await?;

    // List: the root shows the folder, the folder shows the files.
    let root = data.list_items().send().await.context("ListItems /")?;
    let root_items: Vec<_> = root
        .items()
        .iter()
        .map(|i| (i.name().unwrap_or(""), i.r#type().cloned()))
        .collect();
    assert_eq!(
        root_items,
        vec![("hls", Some(ItemType::Folder))],
        "ListItems at the root"
    );
    let listed = data
        .list_items()
        .path("hls")
        .send()
        .await
        .context("ListItems hls")?;
    let mut names: Vec<_> = listed
        .items()
        .iter()
        .map(|i| i.name().unwrap_or("").to_owned())
        .collect();
    names.sort();
    let mut expected: Vec<_> = hls.files.iter().map(|f| f.name.clone()).collect();
    expected.sort();
    assert_eq!(names, expected, "ListItems hls");

    // Get: identical bytes.
    for f in &hls.files {
        let got = data
            .get_object()
            .path(format!("hls/{}", f.name))
            .send()
            .await?;
        assert_eq!(got.status_code(), 200);
        assert_eq!(got.content_type(), Some(f.content_type));
        let body = got.body.collect().await?.into_bytes();
        assert!(
            body.as_ref() == f.bytes.as_slice(),
            "hls/{}: bytes differ from the file",
            f.name
        );
    }

    // A browser on the player's origin, anonymously: CORS headers. Another origin: none.
    let http = http_client()?;
    let url = server.object_url(name, "hls/index.m3u8");
    let resp = http.get(&url).header("Origin", PLAYER).send().await?;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        header(resp.headers(), "access-control-allow-origin"),
        Some(PLAYER)
    );
    let resp = http.get(&url).header("Origin", EVIL).send().await?;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(access_control_headers(resp.headers()), Vec::<String>::new());

    // A range read.
    let seg = &hls.segments()[0];
    let got = data
        .get_object()
        .path(format!("hls/{}", seg.name))
        .range("bytes=0-99")
        .send()
        .await?;
    assert_eq!(got.status_code(), 206);
    assert_eq!(
        got.content_range(),
        Some(format!("bytes 0-99/{}", seg.bytes.len()).as_str())
    );
    assert!(got.body.collect().await?.into_bytes().as_ref() == &seg.bytes[..100]);

    // Delete one object; the container still holds others, so it cannot go.
    data.delete_object()
        .path(format!("hls/{}", seg.name))
        .send()
        .await
        .context("DeleteObject")?;
    let gone = sdk_error(
        data.get_object()
            .path(format!("hls/{}", seg.name))
            .send()
            .await,
    )?;
    assert_eq!(gone.pair(), (404, "ObjectNotFoundException"));
    let in_use = sdk_error(control.delete_container().container_name(name).send().await)?;
    assert_eq!(in_use.pair(), (400, "ContainerInUseException"));

    // Emptied, it can.
    for f in hls.files.iter().filter(|f| f.name != seg.name) {
        data.delete_object()
            .path(format!("hls/{}", f.name))
            .send()
            .await?;
    }
    control
        .delete_container()
        .container_name(name)
        .send()
        .await
        .context("DeleteContainer of an empty container")?;
    let missing = sdk_error(
        control
            .describe_container()
            .container_name(name)
            .send()
            .await,
    )?;
    assert_eq!(missing.pair(), (400, "ContainerNotFoundException"));

    server.assert_healthy().await
}

#[tokio::test]
async fn list_containers_pages_one_at_a_time_across_three_containers() -> Result<()> {
    let server = Server::start().await?;
    let control = server.control();
    for name in ["alpha", "bravo", "charlie"] {
        control
            .create_container()
            .container_name(name)
            .send()
            .await?;
    }
    let all = control.list_containers().send().await?;
    let mut names: Vec<_> = all.containers().iter().filter_map(|c| c.name()).collect();
    names.sort();
    assert_eq!(names, ["alpha", "bravo", "charlie"]);

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        pages += 1;
        ensure!(
            pages <= 4,
            "ListContainers with MaxResults=1 did not end after 4 pages (3 containers)"
        );
        let page = control
            .list_containers()
            .max_results(1)
            .set_next_token(token.clone())
            .send()
            .await?;
        assert!(
            page.containers().len() <= 1,
            "page {pages} holds {} containers",
            page.containers().len()
        );
        for c in page.containers() {
            seen.push(c.name().unwrap_or("").to_owned());
            assert_eq!(
                c.endpoint(),
                Some(server.container_endpoint(c.name().unwrap_or("")).as_str())
            );
        }
        match page.next_token() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert!(
        seen.len() == 3 && pages >= 3,
        "pages: {pages}, containers: {seen:?}"
    );
    seen.sort();
    assert_eq!(
        seen,
        ["alpha", "bravo", "charlie"],
        "every container exactly once"
    );
    Ok(())
}

#[tokio::test]
async fn list_items_shows_folders_and_objects_and_pages_with_max_results() -> Result<()> {
    let server = Server::start().await?;
    let name = "vod";
    server
        .control()
        .create_container()
        .container_name(name)
        .send()
        .await?;
    let data = server.data(name);
    let put = |path: &'static str, body: &'static [u8]| {
        data.put_object()
            .path(path)
            .content_type("video/MP2T")
            .body(ByteStream::from_static(body))
            .send()
    };
    put("a.ts", b"aaaa").await?;
    put("b.ts", b"bbbbbbbb").await?;
    put("show/ep1/seg1.ts", b"1").await?;
    put("show/ep1/seg2.ts", b"22").await?;
    put("show/ep2/seg1.ts", b"333").await?;
    put("show/poster.ts", b"4444").await?;

    let items_of = |out: &aws_sdk_mediastoredata::operation::list_items::ListItemsOutput| -> BTreeMap<String, (ItemType, Option<i64>)> {
        out.items()
            .iter()
            .map(|i| (i.name().unwrap_or("").to_owned(), (i.r#type().cloned().unwrap_or(ItemType::Object), i.content_length())))
            .collect()
    };
    let root = data.list_items().send().await?;
    let expected: BTreeMap<String, (ItemType, Option<i64>)> = [
        ("a.ts".to_owned(), (ItemType::Object, Some(4))),
        ("b.ts".to_owned(), (ItemType::Object, Some(8))),
        ("show".to_owned(), (ItemType::Folder, None)),
    ]
    .into();
    let mut got = items_of(&root);
    // A folder's ContentLength is not specified; compare objects' only.
    if let Some(v) = got.get_mut("show") {
        v.1 = None;
    }
    assert_eq!(got, expected, "ListItems at the root");
    for i in root
        .items()
        .iter()
        .filter(|i| i.r#type() == Some(&ItemType::Object))
    {
        assert_eq!(i.content_type(), Some("video/MP2T"), "{:?}", i.name());
        assert!(i.e_tag().is_some() && i.last_modified().is_some(), "{i:?}");
    }

    let show = data.list_items().path("show").send().await?;
    let names: Vec<_> = items_of(&show)
        .into_iter()
        .map(|(n, (t, _))| (n, t))
        .collect();
    assert_eq!(
        names,
        [
            ("ep1".to_owned(), ItemType::Folder),
            ("ep2".to_owned(), ItemType::Folder),
            ("poster.ts".to_owned(), ItemType::Object)
        ]
    );
    let ep1 = data.list_items().path("/show/ep1/").send().await?;
    assert_eq!(
        items_of(&ep1).into_keys().collect::<Vec<_>>(),
        ["seg1.ts", "seg2.ts"]
    );

    // Page through the root one item at a time.
    let mut paged = Vec::new();
    let mut token: Option<String> = None;
    for page_no in 1..=5 {
        let page = data
            .list_items()
            .max_results(1)
            .set_next_token(token.clone())
            .send()
            .await?;
        assert!(
            page.items().len() <= 1,
            "page {page_no} holds {} items",
            page.items().len()
        );
        paged.extend(
            page.items()
                .iter()
                .map(|i| i.name().unwrap_or("").to_owned()),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert!(
        token.is_none(),
        "ListItems MaxResults=1 did not end after 5 pages (3 items)"
    );
    paged.sort();
    assert_eq!(paged, ["a.ts", "b.ts", "show"]);
    Ok(())
}

#[tokio::test]
async fn objects_read_back_byte_for_byte_with_their_metadata() -> Result<()> {
    let server = Server::start().await?;
    let hls = public_hls_container(&server, "live").await?;
    let data = server.data("live");
    for f in &hls.files {
        let path = format!("hls/{}", f.name);
        let got = data.get_object().path(&path).send().await?;
        assert_eq!(got.status_code(), 200, "{path}");
        assert_eq!(
            got.content_type(),
            Some(f.content_type),
            "{path}: Content-Type"
        );
        assert_eq!(
            got.content_length(),
            Some(f.bytes.len() as i64),
            "{path}: Content-Length"
        );
        let etag = got.e_tag().map(str::to_owned).context("no ETag")?;
        assert!(got.last_modified().is_some(), "{path}: no Last-Modified");
        let body = got.body.collect().await?.into_bytes();
        assert!(body.as_ref() == f.bytes.as_slice(), "{path}: bytes differ");
        assert_eq!(sha256_hex(&body), sha256_hex(&f.bytes));

        let head = data.describe_object().path(&path).send().await?;
        assert_eq!(
            head.e_tag().map(unquote),
            Some(unquote(&etag)),
            "{path}: DescribeObject ETag"
        );
        assert_eq!(
            head.content_length(),
            Some(f.bytes.len() as i64),
            "{path}: DescribeObject Content-Length"
        );
        assert_eq!(
            head.content_type(),
            Some(f.content_type),
            "{path}: DescribeObject Content-Type"
        );
        assert!(
            head.last_modified().is_some(),
            "{path}: DescribeObject Last-Modified"
        );
    }

    // Cache-Control is stored and served.
    data.put_object()
        .path("live/index.m3u8")
        .content_type("application/x-mpegURL")
        .cache_control("max-age=2")
        .body(ByteStream::from(hls.playlist().bytes.clone()))
        .send()
        .await?;
    let got = data.get_object().path("live/index.m3u8").send().await?;
    assert_eq!(got.cache_control(), Some("max-age=2"));
    let head = data
        .describe_object()
        .path("live/index.m3u8")
        .send()
        .await?;
    assert_eq!(head.cache_control(), Some("max-age=2"));

    // Overwriting replaces bytes and ETag.
    let before = data
        .describe_object()
        .path("live/index.m3u8")
        .send()
        .await?;
    data.put_object()
        .path("live/index.m3u8")
        .body(ByteStream::from_static(b"#EXTM3U\n"))
        .send()
        .await?;
    let after = data.get_object().path("live/index.m3u8").send().await?;
    assert_ne!(
        after.e_tag().map(unquote),
        before.e_tag().map(unquote),
        "ETag after overwrite"
    );
    assert_eq!(
        after.body.collect().await?.into_bytes().as_ref(),
        b"#EXTM3U\n"
    );
    Ok(())
}

#[tokio::test]
async fn anonymous_get_carries_cors_headers_only_for_allowed_origins() -> Result<()> {
    let server = Server::start().await?;
    let hls = public_hls_container(&server, "live").await?;
    let http = http_client()?;
    let seg = &hls.segments()[0];
    let url = server.object_url("live", &format!("hls/{}", seg.name));

    let resp = http.get(&url).header("Origin", PLAYER).send().await?;
    assert_eq!(resp.status().as_u16(), 200);
    let h = resp.headers().clone();
    assert_eq!(header(&h, "access-control-allow-origin"), Some(PLAYER));
    let exposed = header(&h, "access-control-expose-headers").unwrap_or("");
    assert!(
        exposed
            .split(',')
            .any(|e| e.trim().eq_ignore_ascii_case("etag")),
        "Expose-Headers: {exposed:?}"
    );
    assert!(
        header(&h, "vary").is_some_and(|v| v.to_ascii_lowercase().contains("origin")),
        "Vary: {:?}",
        header(&h, "vary")
    );
    assert_eq!(header(&h, "content-type"), Some("video/MP2T"));
    assert!(
        resp.bytes().await?.as_ref() == seg.bytes.as_slice(),
        "anonymous GET bytes differ"
    );

    let resp = http.get(&url).header("Origin", EVIL).send().await?;
    assert_eq!(
        resp.status().as_u16(),
        200,
        "a disallowed origin still gets the object (CORS is the browser's job)"
    );
    assert_eq!(
        access_control_headers(resp.headers()),
        Vec::<String>::new(),
        "no CORS headers for {EVIL}"
    );
    assert!(resp.bytes().await?.as_ref() == seg.bytes.as_slice());

    // No Origin at all: a plain player, no CORS headers either.
    let resp = http.get(&url).send().await?;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(access_control_headers(resp.headers()), Vec::<String>::new());

    // HEAD is DescribeObject, also public under the policy.
    let resp = http.head(&url).header("Origin", PLAYER).send().await?;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        header(resp.headers(), "access-control-allow-origin"),
        Some(PLAYER)
    );
    assert_eq!(
        header(resp.headers(), "content-length"),
        Some(seg.bytes.len().to_string().as_str())
    );
    Ok(())
}

#[tokio::test]
async fn preflight_is_answered_for_an_allowed_origin_and_refused_for_others() -> Result<()> {
    let server = Server::start().await?;
    public_hls_container(&server, "live").await?;
    let http = http_client()?;
    let url = server.object_url("live", "hls/index.m3u8");

    let resp = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("Origin", PLAYER)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "range")
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 200, "allowed preflight");
    let h = resp.headers();
    assert_eq!(header(h, "access-control-allow-origin"), Some(PLAYER));
    let methods = header(h, "access-control-allow-methods").unwrap_or("");
    assert!(
        methods.split(',').any(|m| m.trim() == "GET"),
        "Allow-Methods: {methods:?}"
    );
    let allowed = header(h, "access-control-allow-headers").unwrap_or("");
    assert!(
        allowed.trim() == "*"
            || allowed
                .split(',')
                .any(|a| a.trim().eq_ignore_ascii_case("range")),
        "Allow-Headers: {allowed:?}"
    );
    assert_eq!(header(h, "access-control-max-age"), Some("300"));

    let resp = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("Origin", EVIL)
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await?;
    assert_eq!(
        resp.status().as_u16(),
        403,
        "preflight from a disallowed origin"
    );
    assert_eq!(access_control_headers(resp.headers()), Vec::<String>::new());

    // The rule allows GET and HEAD only.
    let resp = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("Origin", PLAYER)
        .header("Access-Control-Request-Method", "DELETE")
        .send()
        .await?;
    assert_eq!(
        resp.status().as_u16(),
        403,
        "preflight for a method the rule does not allow"
    );
    assert_eq!(access_control_headers(resp.headers()), Vec::<String>::new());
    Ok(())
}

#[tokio::test]
async fn range_reads_return_partial_content_with_content_range() -> Result<()> {
    let server = Server::start().await?;
    server
        .control()
        .create_container()
        .container_name("vod")
        .send()
        .await?;
    let data = server.data("vod");
    let body = pattern(1000, 7);
    data.put_object()
        .path("clip.ts")
        .body(ByteStream::from(body.clone()))
        .send()
        .await?;

    let cases: [(&str, std::ops::Range<usize>); 5] = [
        ("bytes=0-99", 0..100),
        ("bytes=-10", 990..1000),
        ("bytes=900-", 900..1000),
        ("bytes=500-500", 500..501),
        ("bytes=990-5000", 990..1000),
    ];
    for (range, want) in cases {
        let got = data
            .get_object()
            .path("clip.ts")
            .range(range)
            .send()
            .await
            .with_context(|| range.to_owned())?;
        assert_eq!(got.status_code(), 206, "{range}");
        assert_eq!(
            got.content_range(),
            Some(format!("bytes {}-{}/1000", want.start, want.end - 1).as_str()),
            "{range}: Content-Range"
        );
        assert_eq!(
            got.content_length(),
            Some(want.len() as i64),
            "{range}: Content-Length"
        );
        let bytes = got.body.collect().await?.into_bytes();
        assert!(
            bytes.as_ref() == &body[want.clone()],
            "{range}: wrong bytes"
        );
    }
    // No Range: the whole object, 200.
    let got = data.get_object().path("clip.ts").send().await?;
    assert_eq!(got.status_code(), 200);
    assert_eq!(got.content_range(), None);
    Ok(())
}

#[tokio::test]
async fn conditional_gets_answer_304_when_the_client_copy_is_current() -> Result<()> {
    let server = Server::start().await?;
    let hls = public_hls_container(&server, "live").await?;
    let http = http_client()?;
    let url = server.object_url("live", "hls/index.m3u8");

    let first = http.get(&url).send().await?;
    assert_eq!(first.status().as_u16(), 200);
    let etag = header(first.headers(), "etag")
        .context("no ETag on GET")?
        .to_owned();
    let modified = header(first.headers(), "last-modified")
        .context("no Last-Modified on GET")?
        .to_owned();
    assert!(first.bytes().await?.as_ref() == hls.playlist().bytes.as_slice());

    let resp = http.get(&url).header("If-None-Match", &etag).send().await?;
    assert_eq!(resp.status().as_u16(), 304, "If-None-Match: {etag}");
    assert_eq!(header(resp.headers(), "etag"), Some(etag.as_str()));
    assert!(resp.bytes().await?.is_empty(), "a 304 has no body");

    let resp = http
        .get(&url)
        .header("If-None-Match", "\"not-the-etag\"")
        .send()
        .await?;
    assert_eq!(
        resp.status().as_u16(),
        200,
        "If-None-Match with another ETag"
    );

    let resp = http
        .get(&url)
        .header("If-Modified-Since", &modified)
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 304, "If-Modified-Since: {modified}");

    let resp = http
        .get(&url)
        .header("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 200, "If-Modified-Since long ago");
    Ok(())
}

#[tokio::test]
async fn container_policy_and_cors_policy_round_trip_and_delete() -> Result<()> {
    let server = Server::start().await?;
    let control = server.control();
    control
        .create_container()
        .container_name("c1")
        .send()
        .await?;

    let missing = sdk_error(
        control
            .get_container_policy()
            .container_name("c1")
            .send()
            .await,
    )?;
    assert_eq!(missing.pair(), (400, "PolicyNotFoundException"));
    let policy = public_read_policy("c1");
    control
        .put_container_policy()
        .container_name("c1")
        .policy(&policy)
        .send()
        .await?;
    let got = control
        .get_container_policy()
        .container_name("c1")
        .send()
        .await?;
    let as_json = |s: &str| serde_json::from_str::<serde_json::Value>(s);
    assert_eq!(
        as_json(got.policy())?,
        as_json(&policy)?,
        "GetContainerPolicy"
    );
    control
        .delete_container_policy()
        .container_name("c1")
        .send()
        .await?;
    let missing = sdk_error(
        control
            .get_container_policy()
            .container_name("c1")
            .send()
            .await,
    )?;
    assert_eq!(missing.pair(), (400, "PolicyNotFoundException"));

    let missing = sdk_error(control.get_cors_policy().container_name("c1").send().await)?;
    assert_eq!(missing.pair(), (400, "CorsPolicyNotFoundException"));
    let rule = player_cors_rule()?;
    control
        .put_cors_policy()
        .container_name("c1")
        .cors_policy(rule.clone())
        .send()
        .await?;
    let got = control
        .get_cors_policy()
        .container_name("c1")
        .send()
        .await?;
    assert_eq!(got.cors_policy(), [rule], "GetCorsPolicy");
    control
        .delete_cors_policy()
        .container_name("c1")
        .send()
        .await?;
    let missing = sdk_error(control.get_cors_policy().container_name("c1").send().await)?;
    assert_eq!(missing.pair(), (400, "CorsPolicyNotFoundException"));
    Ok(())
}

#[tokio::test]
async fn lifecycle_and_metric_policies_round_trip_and_delete() -> Result<()> {
    let server = Server::start().await?;
    let control = server.control();
    control
        .create_container()
        .container_name("c1")
        .send()
        .await?;

    let lifecycle = r#"{"rules":[
        {"definition":{"path":[{"prefix":"Program/"}],"days_since_create":[{"numeric":[">",28]}]},"action":"EXPIRE"},
        {"definition":{"path":[{"wildcard":"Football/*.ts"}],"days_since_create":[{"numeric":[">=",5]}]},"action":"EXPIRE"}
    ]}"#;
    let missing = sdk_error(
        control
            .get_lifecycle_policy()
            .container_name("c1")
            .send()
            .await,
    )?;
    assert_eq!(missing.pair(), (400, "PolicyNotFoundException"));
    control
        .put_lifecycle_policy()
        .container_name("c1")
        .lifecycle_policy(lifecycle)
        .send()
        .await?;
    let got = control
        .get_lifecycle_policy()
        .container_name("c1")
        .send()
        .await?;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(got.lifecycle_policy())?,
        serde_json::from_str::<serde_json::Value>(lifecycle)?
    );
    control
        .delete_lifecycle_policy()
        .container_name("c1")
        .send()
        .await?;
    let missing = sdk_error(
        control
            .get_lifecycle_policy()
            .container_name("c1")
            .send()
            .await,
    )?;
    assert_eq!(missing.pair(), (400, "PolicyNotFoundException"));

    let metric = MetricPolicy::builder()
        .container_level_metrics(ContainerLevelMetrics::Enabled)
        .metric_policy_rules(
            MetricPolicyRule::builder()
                .object_group("baseball/saturday")
                .object_group_name("baseballGroup")
                .build()?,
        )
        .metric_policy_rules(
            MetricPolicyRule::builder()
                .object_group("football/*")
                .object_group_name("footballGroup")
                .build()?,
        )
        .build()?;
    let missing = sdk_error(
        control
            .get_metric_policy()
            .container_name("c1")
            .send()
            .await,
    )?;
    assert_eq!(missing.pair(), (400, "PolicyNotFoundException"));
    control
        .put_metric_policy()
        .container_name("c1")
        .metric_policy(metric.clone())
        .send()
        .await?;
    let got = control
        .get_metric_policy()
        .container_name("c1")
        .send()
        .await?;
    assert_eq!(got.metric_policy(), Some(&metric));
    control
        .delete_metric_policy()
        .container_name("c1")
        .send()
        .await?;
    let missing = sdk_error(
        control
            .get_metric_policy()
            .container_name("c1")
            .send()
            .await,
    )?;
    assert_eq!(missing.pair(), (400, "PolicyNotFoundException"));
    Ok(())
}

#[tokio::test]
async fn tags_and_access_logging_round_trip() -> Result<()> {
    let server = Server::start().await?;
    let control = server.control();
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
    control
        .create_container()
        .container_name("c1")
        .tags(tag("team", "video")?)
        .send()
        .await?;
    let arn = Server::container_arn("c1");
    let tags_of =
        |out: &aws_sdk_mediastore::operation::list_tags_for_resource::ListTagsForResourceOutput| {
            out.tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().unwrap_or("").to_owned()))
                .collect::<BTreeMap<_, _>>()
        };
    let got = control
        .list_tags_for_resource()
        .resource(&arn)
        .send()
        .await?;
    assert_eq!(
        tags_of(&got),
        [("team".to_owned(), "video".to_owned())].into(),
        "tags from CreateContainer"
    );

    control
        .tag_resource()
        .resource(&arn)
        .tags(tag("env", "test")?)
        .tags(tag("team", "media")?)
        .send()
        .await?;
    let got = control
        .list_tags_for_resource()
        .resource(&arn)
        .send()
        .await?;
    assert_eq!(
        tags_of(&got),
        [
            ("env".to_owned(), "test".to_owned()),
            ("team".to_owned(), "media".to_owned())
        ]
        .into(),
        "TagResource adds and overwrites"
    );
    control
        .untag_resource()
        .resource(&arn)
        .tag_keys("team")
        .send()
        .await?;
    let got = control
        .list_tags_for_resource()
        .resource(&arn)
        .send()
        .await?;
    assert_eq!(
        tags_of(&got),
        [("env".to_owned(), "test".to_owned())].into(),
        "UntagResource"
    );
    let unknown = sdk_error(
        control
            .list_tags_for_resource()
            .resource(Server::container_arn("nope"))
            .send()
            .await,
    )?;
    assert_eq!(unknown.pair(), (400, "ContainerNotFoundException"));

    assert_eq!(
        access_logging(&control, "c1").await?,
        Some(false),
        "AccessLoggingEnabled after create"
    );
    control
        .start_access_logging()
        .container_name("c1")
        .send()
        .await?;
    assert_eq!(
        access_logging(&control, "c1").await?,
        Some(true),
        "AccessLoggingEnabled after StartAccessLogging"
    );
    control
        .stop_access_logging()
        .container_name("c1")
        .send()
        .await?;
    assert_eq!(
        access_logging(&control, "c1").await?,
        Some(false),
        "AccessLoggingEnabled after StopAccessLogging"
    );
    Ok(())
}

async fn access_logging(control: &aws_sdk_mediastore::Client, name: &str) -> Result<Option<bool>> {
    let d = control
        .describe_container()
        .container_name(name)
        .send()
        .await?;
    Ok(d.container()
        .context("no Container")?
        .access_logging_enabled())
}

#[tokio::test]
async fn transient_lifecycle_rule_expires_objects_after_its_seconds() -> Result<()> {
    let server = Server::start().await?;
    let control = server.control();
    control
        .create_container()
        .container_name("c1")
        .send()
        .await?;
    let rule = r#"{"rules":[{"definition":{"path":[{"wildcard":"live/*.ts"}],"seconds_since_create":[{"numeric":[">",2]}]},"action":"EXPIRE"}]}"#;
    control
        .put_lifecycle_policy()
        .container_name("c1")
        .lifecycle_policy(rule)
        .send()
        .await?;
    let data = server.data("c1");
    data.put_object()
        .path("live/seg1.ts")
        .body(ByteStream::from_static(b"soon gone"))
        .send()
        .await?;
    data.put_object()
        .path("live/index.m3u8")
        .body(ByteStream::from_static(b"#EXTM3U\n"))
        .send()
        .await?;
    let got = data.get_object().path("live/seg1.ts").send().await?;
    assert_eq!(got.status_code(), 200, "fresh object");
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let expired = sdk_error(data.get_object().path("live/seg1.ts").send().await)?;
    assert_eq!(
        expired.pair(),
        (404, "ObjectNotFoundException"),
        "expired object"
    );
    let kept = data.get_object().path("live/index.m3u8").send().await?;
    assert_eq!(
        kept.status_code(),
        200,
        "an object the rule does not match stays"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_upload_is_readable_before_it_finishes() -> Result<()> {
    let server = Server::start().await?;
    server
        .control()
        .create_container()
        .container_name("live")
        .send()
        .await?;
    let full = pattern(3 << 20, 3);
    let (first, rest) = full.split_at(1 << 20);

    // PUT with a chunked body we feed by hand, signed UNSIGNED-PAYLOAD.
    let url = server.object_url("live", "stream/seg1.ts");
    let headers = sign_headers(
        &Keys::root(),
        "PUT",
        &url,
        &[
            ("content-type", "video/MP2T"),
            ("x-amz-upload-availability", "STREAMING"),
        ],
        Payload::Unsigned,
        SystemTime::now(),
    )?;
    let (mut tx, rx) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let put = with_headers(streaming_http_client()?.put(&url), &headers)
        .body(reqwest::Body::wrap_stream(rx));
    let upload = tokio::spawn(async move { put.send().await });
    use futures::SinkExt;
    tx.send(Ok(Bytes::copy_from_slice(first))).await?;

    // The object shows up while the upload is open.
    let data = server.data("live");
    within(
        Duration::from_secs(10),
        "the streaming object to become visible",
        async {
            loop {
                if data
                    .describe_object()
                    .path("stream/seg1.ts")
                    .send()
                    .await
                    .is_ok()
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        },
    )
    .await?;

    // A reader started now gets the early bytes before the upload ends.
    let mut reader = data
        .get_object()
        .path("stream/seg1.ts")
        .send()
        .await
        .context("GetObject during upload")?;
    let mut received = Vec::new();
    within(
        Duration::from_secs(10),
        "the first 512 KiB of a streaming object while it uploads",
        async {
            while received.len() < (512 << 10) {
                match reader.body.next().await {
                    Some(chunk) => received.extend_from_slice(&chunk?),
                    None => anyhow::bail!(
                        "the body ended after {} bytes while the upload was still open",
                        received.len()
                    ),
                }
            }
            anyhow::Ok(())
        },
    )
    .await??;
    assert!(!upload.is_finished(), "the upload ended early");
    assert!(
        received.as_slice() == &full[..received.len()],
        "early bytes differ"
    );

    // Finish the upload: the reader gets the rest, then the end.
    for chunk in rest.chunks(256 << 10) {
        tx.send(Ok(Bytes::copy_from_slice(chunk))).await?;
    }
    drop(tx);
    within(
        Duration::from_secs(20),
        "the rest of the streaming object",
        async {
            while let Some(chunk) = reader.body.next().await {
                received.extend_from_slice(&chunk?);
            }
            anyhow::Ok(())
        },
    )
    .await??;
    let resp = within(Duration::from_secs(20), "the PUT response", upload).await???;
    let status = resp.status().as_u16();
    assert_eq!(
        status,
        200,
        "streaming PUT: {:?}",
        response_error(resp).await?
    );
    assert_eq!(received.len(), full.len(), "bytes the early reader got");
    assert!(received == full, "the early reader's bytes differ");

    // And a reader after the end gets it whole.
    let got = data.get_object().path("stream/seg1.ts").send().await?;
    assert_eq!(got.content_length(), Some(full.len() as i64));
    assert_eq!(
        sha256_hex(&got.body.collect().await?.into_bytes()),
        sha256_hex(&full)
    );
    Ok(())
}
