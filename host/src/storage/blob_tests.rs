//! Behaviour every [`BlobBackend`] must show, run against the file-system and
//! the in-memory backend alike.
#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

use super::*;
use bytes::Bytes;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

type Backend = Arc<dyn BlobBackend>;

/// A body of fixed chunks.
pub(crate) fn body(chunks: &[&[u8]]) -> BodyStream {
    let chunks: Vec<io::Result<Bytes>> = chunks
        .iter()
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    Box::pin(futures::stream::iter(chunks))
}

/// A body the test feeds chunk by chunk; it ends when the sender is dropped.
pub(crate) fn channel_body() -> (mpsc::UnboundedSender<io::Result<Bytes>>, BodyStream) {
    let (tx, rx) = mpsc::unbounded_channel();
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    (tx, Box::pin(stream))
}

pub(crate) fn chunk(bytes: &[u8]) -> io::Result<Bytes> {
    Ok(Bytes::copy_from_slice(bytes))
}

pub(crate) async fn put(b: &dyn BlobBackend, key: &str, bytes: &[u8]) -> ObjectMeta {
    b.write(key, body(&[bytes]), WriteOptions::default())
        .await
        .unwrap()
}

pub(crate) async fn get(
    b: &dyn BlobBackend,
    key: &str,
    range: Option<ByteRange>,
) -> Result<Vec<u8>, BlobError> {
    let handle = b.read(key, range).await?;
    let mut out = Vec::new();
    handle.body.into_reader()?.read_to_end(&mut out).await?;
    Ok(out)
}

/// Wait until `key` is visible with `size` bytes.
pub(crate) async fn wait_for_size(b: &dyn BlobBackend, key: &str, size: u64) -> ObjectMeta {
    for _ in 0..5000 {
        if let Some(meta) = b.stat(key).await.unwrap()
            && meta.size == size
        {
            return meta;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("{key} never reached {size} bytes");
}

fn keys(page: &ListPage) -> Vec<&str> {
    page.objects.iter().map(|m| m.key.as_str()).collect()
}

async fn written_objects_read_back_whole_and_in_ranges(b: Backend) {
    let options = WriteOptions {
        content_type: Some("video/MP2T".into()),
        cache_control: Some("max-age=2".into()),
        user_metadata: vec![("z".into(), "1".into()), ("a".into(), "2".into())],
        ..Default::default()
    };
    let before = super::upload::now_ms();
    let meta = b
        .write("live/seg1.ts", body(&[b"0123", b"", b"456789"]), options)
        .await
        .unwrap();
    let sha = "84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882";
    assert_eq!(
        (
            meta.key.as_str(),
            meta.size,
            meta.sha256.as_str(),
            meta.etag.as_str()
        ),
        ("live/seg1.ts", 10, sha, sha)
    );
    assert_eq!(meta.content_type.as_deref(), Some("video/MP2T"));
    assert_eq!(meta.cache_control.as_deref(), Some("max-age=2"));
    assert_eq!(
        meta.user_metadata,
        [("z".into(), "1".into()), ("a".into(), "2".into())],
        "order kept"
    );
    assert!(meta.complete && meta.created_ms >= before);
    assert_eq!(b.stat("live/seg1.ts").await.unwrap(), Some(meta.clone()));

    assert_eq!(get(&*b, "live/seg1.ts", None).await.unwrap(), b"0123456789");
    let handle = b
        .read("live/seg1.ts", Some(ByteRange::StartingAt(2, Some(4))))
        .await
        .unwrap();
    assert_eq!(
        (handle.start, handle.length, handle.meta),
        (2, Some(3), meta)
    );
    assert_eq!(
        get(&*b, "live/seg1.ts", Some(ByteRange::StartingAt(2, Some(4))))
            .await
            .unwrap(),
        b"234"
    );
    assert_eq!(
        get(
            &*b,
            "live/seg1.ts",
            Some(ByteRange::StartingAt(7, Some(99)))
        )
        .await
        .unwrap(),
        b"789"
    );
    assert_eq!(
        get(&*b, "live/seg1.ts", Some(ByteRange::StartingAt(7, None)))
            .await
            .unwrap(),
        b"789"
    );
    assert_eq!(
        get(&*b, "live/seg1.ts", Some(ByteRange::Suffix(2)))
            .await
            .unwrap(),
        b"89"
    );
    assert_eq!(
        get(&*b, "live/seg1.ts", Some(ByteRange::Suffix(99)))
            .await
            .unwrap(),
        b"0123456789"
    );
    assert!(matches!(
        b.read("live/seg1.ts", Some(ByteRange::StartingAt(10, None)))
            .await,
        Err(BlobError::RangeNotSatisfiable(10))
    ));

    assert!(matches!(
        b.read("live/nothing", None).await,
        Err(BlobError::NotFound)
    ));
    assert_eq!(b.stat("live/nothing").await.unwrap(), None);
    assert_eq!(
        b.stat("live").await.unwrap(),
        None,
        "a folder is not an object"
    );

    let empty = put(&*b, "empty", b"").await;
    assert_eq!(
        (empty.size, get(&*b, "empty", None).await.unwrap()),
        (0, vec![])
    );
    assert!(matches!(
        b.read("empty", Some(ByteRange::Suffix(1))).await,
        Err(BlobError::RangeNotSatisfiable(0))
    ));
}

async fn a_replacement_becomes_visible_all_at_once_when_it_ends(b: Backend) {
    put(&*b, "k", b"old").await;
    let (tx, new_body) = channel_body();
    let writer = {
        let b = b.clone();
        tokio::spawn(async move { b.write("k", new_body, WriteOptions::default()).await })
    };
    tx.send(chunk(b"new new")).unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        get(&*b, "k", None).await.unwrap(),
        b"old",
        "still the old object mid-upload"
    );
    assert_eq!(b.stat("k").await.unwrap().unwrap().size, 3);
    tx.send(chunk(b" body")).unwrap();
    drop(tx);
    let meta = writer.await.unwrap().unwrap();
    assert_eq!(meta.size, 12);
    assert_eq!(get(&*b, "k", None).await.unwrap(), b"new new body");
}

async fn a_reader_keeps_the_version_it_opened(b: Backend) {
    put(&*b, "k", b"first version").await;
    let reader = b.read("k", None).await.unwrap();
    put(&*b, "k", b"second").await;
    let mut out = Vec::new();
    let mut body = reader.body.into_reader().unwrap();
    body.read_to_end(&mut out).await.unwrap();
    assert_eq!(out, b"first version");
}

/// Bodies past the size read together with the open (64 KiB in the file
/// backend) come as the open file: whole, by range, and the version opened.
async fn large_objects_read_back_whole_in_ranges_and_as_opened(b: Backend) {
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    put(&*b, "vod/big.ts", &big).await;
    assert_eq!(get(&*b, "vod/big.ts", None).await.unwrap(), big);
    let range = Some(ByteRange::StartingAt(70_000, Some(269_999)));
    assert_eq!(
        get(&*b, "vod/big.ts", range).await.unwrap(),
        &big[70_000..270_000]
    );
    let tail = Some(ByteRange::Suffix(100_000));
    assert_eq!(get(&*b, "vod/big.ts", tail).await.unwrap(), &big[200_000..]);
    let small_range = Some(ByteRange::StartingAt(299_990, None));
    assert_eq!(
        get(&*b, "vod/big.ts", small_range).await.unwrap(),
        &big[299_990..]
    );
    let opened = b.read("vod/big.ts", None).await.unwrap();
    put(&*b, "vod/big.ts", b"replaced").await;
    let mut out = Vec::new();
    let mut body = opened.body.into_reader().unwrap();
    body.read_to_end(&mut out).await.unwrap();
    assert_eq!(out, big, "a reader keeps the version it opened");
}

async fn a_too_large_body_stores_nothing(b: Backend) {
    put(&*b, "k", b"old").await;
    let options = WriteOptions {
        max_size: Some(5),
        ..Default::default()
    };
    assert!(matches!(
        b.write("k", body(&[b"1234", b"56"]), options.clone()).await,
        Err(BlobError::TooLarge)
    ));
    assert_eq!(get(&*b, "k", None).await.unwrap(), b"old");
    assert!(matches!(
        b.write("new", body(&[b"123456"]), options.clone()).await,
        Err(BlobError::TooLarge)
    ));
    assert_eq!(b.stat("new").await.unwrap(), None);
    assert_eq!(
        b.write("k", body(&[b"12345"]), options).await.unwrap().size,
        5,
        "the limit itself is allowed"
    );
}

async fn a_checksum_mismatch_stores_nothing(b: Backend) {
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let options = WriteOptions {
        expected_sha256: Some(abc.into()),
        ..Default::default()
    };
    assert!(matches!(
        b.write("k", body(&[b"abd"]), options.clone()).await,
        Err(BlobError::ChecksumMismatch)
    ));
    assert_eq!(b.stat("k").await.unwrap(), None);
    assert_eq!(
        b.write("k", body(&[b"ab", b"c"]), options)
            .await
            .unwrap()
            .sha256,
        abc
    );
}

async fn an_interrupted_body_stores_nothing(b: Backend) {
    put(&*b, "k", b"old").await;
    let failing: BodyStream = Box::pin(futures::stream::iter(vec![
        chunk(b"partial"),
        Err(io::ErrorKind::ConnectionReset.into()),
    ]));
    assert!(matches!(
        b.write("k", failing, WriteOptions::default()).await,
        Err(BlobError::BodyInterrupted)
    ));
    assert_eq!(get(&*b, "k", None).await.unwrap(), b"old");
}

async fn a_write_dropped_mid_stream_leaves_nothing_visible(b: Backend) {
    let (tx, new_body) = channel_body();
    let mut write = b.write("dir/k", new_body, WriteOptions::default());
    tx.send(chunk(b"some bytes")).unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(50), &mut write)
            .await
            .is_err(),
        "still waiting for the body"
    );
    drop(write);
    assert_eq!(b.stat("dir/k").await.unwrap(), None);
    let page = b.list("", Some("/"), None, 10).await.unwrap();
    assert_eq!(page, ListPage::default(), "no object, no folder");
}

async fn a_streaming_upload_is_readable_while_it_arrives(b: Backend) {
    put(&*b, "live/seg.ts", b"previous").await;
    let (tx, new_body) = channel_body();
    let options = WriteOptions {
        visible_while_writing: true,
        content_type: Some("video/MP2T".into()),
        ..Default::default()
    };
    let writer = {
        let b = b.clone();
        tokio::spawn(async move { b.write("live/seg.ts", new_body, options).await })
    };
    tx.send(chunk(b"hello ")).unwrap();
    let meta = wait_for_size(&*b, "live/seg.ts", 6).await;
    assert!(!meta.complete && meta.sha256.is_empty() && meta.etag.is_empty());
    assert_eq!(meta.content_type.as_deref(), Some("video/MP2T"));

    let handle = b
        .read("live/seg.ts", Some(ByteRange::Suffix(1)))
        .await
        .unwrap();
    assert_eq!(
        (handle.start, handle.length, handle.meta.complete),
        (0, None, false),
        "range ignored"
    );
    let mut first = [0u8; 6];
    let mut body = handle.body.into_reader().unwrap();
    body.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"hello ", "bytes arrive before the upload ends");

    let listed = b.list("live/", Some("/"), None, 10).await.unwrap();
    assert_eq!(listed.objects.len(), 1);
    assert!(!listed.objects[0].complete);

    tx.send(chunk(b"world")).unwrap();
    wait_for_size(&*b, "live/seg.ts", 11).await;
    drop(tx);
    let mut rest = Vec::new();
    body.read_to_end(&mut rest).await.unwrap();
    assert_eq!(rest, b"world", "the reader ends when the upload ends");
    let meta = writer.await.unwrap().unwrap();
    assert_eq!(b.stat("live/seg.ts").await.unwrap(), Some(meta.clone()));
    assert!(meta.complete && meta.size == 11);
    assert_eq!(get(&*b, "live/seg.ts", None).await.unwrap(), b"hello world");
}

async fn a_failed_streaming_upload_fails_its_readers_and_disappears(b: Backend) {
    put(&*b, "old", b"previous").await;
    for key in ["old", "new"] {
        let (tx, new_body) = channel_body();
        let options = WriteOptions {
            visible_while_writing: true,
            ..Default::default()
        };
        let writer = {
            let b = b.clone();
            tokio::spawn(async move { b.write(key, new_body, options).await })
        };
        tx.send(chunk(b"partial")).unwrap();
        wait_for_size(&*b, key, 7).await;
        let mut body = b.read(key, None).await.unwrap().body.into_reader().unwrap();
        tx.send(Err(io::ErrorKind::ConnectionReset.into())).unwrap();
        assert!(body.read_to_end(&mut Vec::new()).await.is_err());
        assert!(matches!(
            writer.await.unwrap(),
            Err(BlobError::BodyInterrupted)
        ));
    }
    assert_eq!(
        get(&*b, "old", None).await.unwrap(),
        b"previous",
        "the earlier object is back"
    );
    assert_eq!(b.stat("new").await.unwrap(), None);
}

async fn objects_are_deleted_once(b: Backend) {
    put(&*b, "a/b/c", b"x").await;
    put(&*b, "a/d", b"x").await;
    assert!(b.delete("a/b/c").await.unwrap());
    assert!(!b.delete("a/b/c").await.unwrap());
    assert!(!b.delete("never").await.unwrap());
    assert_eq!(b.stat("a/b/c").await.unwrap(), None);
    let page = b.list("", Some("/"), None, 10).await.unwrap();
    assert_eq!(page.common_prefixes, ["a/"]);
    let page = b.list("a/", Some("/"), None, 10).await.unwrap();
    assert_eq!(
        (keys(&page), page.common_prefixes.len()),
        (vec!["a/d"], 0),
        "empty folder b/ is gone"
    );
}

async fn listings_roll_up_at_the_delimiter_and_page_with_a_cursor(b: Backend) {
    let all = ["a", "a-b", "a.b", "a/1", "a/2/x", "a0", "b/c/d", "z"];
    for key in all {
        put(&*b, key, key.as_bytes()).await;
    }
    // Without a delimiter: every key, in byte order, whatever the folders.
    let page = b.list("", None, None, 100).await.unwrap();
    assert_eq!(
        (
            keys(&page),
            page.common_prefixes.len(),
            page.cursor.as_deref()
        ),
        (all.to_vec(), 0, None)
    );
    assert_eq!(page.objects[0].size, 1);

    // With "/": one level.
    let page = b.list("", Some("/"), None, 100).await.unwrap();
    assert_eq!(keys(&page), ["a", "a-b", "a.b", "a0", "z"]);
    assert_eq!(page.common_prefixes, ["a/", "b/"]);

    // Pages of 2 entries, objects and prefixes counted together.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = b.list("", Some("/"), cursor.as_deref(), 2).await.unwrap();
        assert!(page.objects.len() + page.common_prefixes.len() <= 2);
        let mut names: Vec<String> = keys(&page).into_iter().map(str::to_owned).collect();
        names.extend(page.common_prefixes.iter().cloned());
        names.sort();
        seen.extend(names);
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["a", "a-b", "a.b", "a/", "a0", "b/", "z"]);

    // Prefixes need not end at a segment.
    let page = b.list("a/", Some("/"), None, 100).await.unwrap();
    assert_eq!(
        (keys(&page), page.common_prefixes.clone()),
        (vec!["a/1"], vec!["a/2/".to_owned()])
    );
    let page = b.list("a", Some("/"), None, 100).await.unwrap();
    assert_eq!(
        (keys(&page), page.common_prefixes.clone()),
        (vec!["a", "a-b", "a.b", "a0"], vec!["a/".to_owned()])
    );
    let page = b.list("a/2", None, None, 100).await.unwrap();
    assert_eq!(keys(&page), ["a/2/x"]);
    let page = b.list("b/c/", Some("/"), None, 100).await.unwrap();
    assert_eq!(keys(&page), ["b/c/d"]);

    // Without a delimiter, paging by key.
    let first = b.list("", None, None, 3).await.unwrap();
    assert_eq!(
        (keys(&first), first.cursor.as_deref()),
        (vec!["a", "a-b", "a.b"], Some("a.b"))
    );
    let second = b.list("", None, first.cursor.as_deref(), 3).await.unwrap();
    assert_eq!(
        (keys(&second), second.cursor.as_deref()),
        (vec!["a/1", "a/2/x", "a0"], Some("a0"))
    );
    let third = b.list("", None, second.cursor.as_deref(), 3).await.unwrap();
    assert_eq!(
        (keys(&third), third.cursor.as_deref()),
        (vec!["b/c/d", "z"], None)
    );

    // Any other delimiter.
    let page = b.list("a", Some("-"), None, 100).await.unwrap();
    assert_eq!(page.common_prefixes, ["a-"]);
    assert_eq!(keys(&page), ["a", "a.b", "a/1", "a/2/x", "a0"]);

    // Prefixes no valid key can have list nothing.
    for prefix in ["/", "a//", "../", "nothing/"] {
        assert_eq!(
            b.list(prefix, Some("/"), None, 10).await.unwrap(),
            ListPage::default(),
            "{prefix}"
        );
    }
}

async fn invalid_keys_are_refused_everywhere(b: Backend) {
    for key in [
        "",
        "/a",
        "a/",
        "a//b",
        "a/./b",
        "../a",
        "a\u{0}b",
        &"k".repeat(MAX_KEY_LEN + 1),
    ] {
        let invalid = |r: Result<(), BlobError>| matches!(r, Err(BlobError::InvalidKey(_)));
        assert!(invalid(b.stat(key).await.map(drop)), "stat {key:?}");
        assert!(invalid(b.read(key, None).await.map(drop)), "read {key:?}");
        assert!(
            invalid(
                b.write(key, body(&[b"x"]), WriteOptions::default())
                    .await
                    .map(drop)
            ),
            "write {key:?}"
        );
        assert!(invalid(b.delete(key).await.map(drop)), "delete {key:?}");
    }
    assert_eq!(
        b.list("", None, None, 10).await.unwrap(),
        ListPage::default()
    );
}

macro_rules! for_each_backend {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(std::sync::Arc::new(super::MemoryBlobBackend::new())).await;
                }
            )*
        }
        mod fs {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    super::$name(std::sync::Arc::new(super::FsBlobBackend::open(dir.path()).unwrap())).await;
                }
            )*
        }
    };
}

for_each_backend!(
    written_objects_read_back_whole_and_in_ranges,
    a_replacement_becomes_visible_all_at_once_when_it_ends,
    a_reader_keeps_the_version_it_opened,
    large_objects_read_back_whole_in_ranges_and_as_opened,
    a_too_large_body_stores_nothing,
    a_checksum_mismatch_stores_nothing,
    an_interrupted_body_stores_nothing,
    a_write_dropped_mid_stream_leaves_nothing_visible,
    a_streaming_upload_is_readable_while_it_arrives,
    a_failed_streaming_upload_fails_its_readers_and_disappears,
    objects_are_deleted_once,
    listings_roll_up_at_the_delimiter_and_page_with_a_cursor,
    invalid_keys_are_refused_everywhere,
);
