//! ListItems: one blob-store listing page shaped into MediaStore `Items`,
//! and the opaque `NextToken` that carries the store's cursor.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tributary_mediastore::{ApiError, FolderPath};

use crate::object::{DEFAULT_CONTENT_TYPE, Lifecycle, ObjectInfo};

/// Largest and default page size (the model's `ListLimit` maximum).
pub const MAX_RESULTS: u32 = 1000;

/// Version tag inside tokens, so their format can change without old tokens
/// being misread.
const TOKEN_VERSION: &str = "1";

/// `MaxResults`: 1–1000, default 1000.
pub fn max_results(value: Option<&str>) -> Result<u32, ApiError> {
    let Some(v) = value else {
        return Ok(MAX_RESULTS);
    };
    v.parse()
        .ok()
        .filter(|n| (1..=MAX_RESULTS).contains(n))
        .ok_or_else(|| {
            ApiError::invalid_request(format!(
                "MaxResults must be an integer from 1 to {MAX_RESULTS}, got {v:?}"
            ))
        })
}

/// `NextToken` for continuing a listing of `folder` at the store's `cursor`.
/// URL-safe base64, so it survives clients that do not percent-encode `+`.
pub fn encode_token(folder: &FolderPath, cursor: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{TOKEN_VERSION}\n{}\n{cursor}", folder.as_str()))
}

/// The store cursor inside `token`, which must have been issued for `folder`.
pub fn decode_token(token: &str, folder: &FolderPath) -> Result<String, ApiError> {
    let invalid = || {
        ApiError::invalid_request(
            "NextToken is not valid: pass back the NextToken of a previous ListItems",
        )
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = text.splitn(3, '\n');
    let (version, path, cursor) = (parts.next(), parts.next(), parts.next());
    match (version, path, cursor) {
        (Some(TOKEN_VERSION), Some(path), Some(cursor)) if path == folder.as_str() => {
            Ok(cursor.to_owned())
        }
        (Some(TOKEN_VERSION), Some(_), Some(_)) => Err(ApiError::invalid_request(
            "NextToken was issued for a different Path; list with the Path it came from",
        )),
        _ => Err(invalid()),
    }
}

/// One object of a listing page: its blob key and what the store says.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Full blob key: `<container>/<path>`.
    pub key: String,
    /// Its metadata.
    pub info: ObjectInfo,
}

/// A shaped page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// `Items`, folders and objects together in key order.
    pub items: Vec<Value>,
    /// Blob keys of objects found expired; the caller deletes them.
    pub expired: Vec<String>,
}

/// Shape one blob-store page listed under `prefix` (`<container>/…/`, with
/// `/` as delimiter) into `Items`. Objects past their lifecycle are left out
/// and returned for deletion; objects under a transient rule are left out.
pub fn shape(
    prefix: &str,
    objects: &[Listed],
    common_prefixes: &[String],
    lifecycle: &Lifecycle,
    now_ms: u64,
) -> Page {
    // Paths for lifecycle rules are inside the container: drop `<container>/`.
    let in_container = |key: &str| {
        key.split_once('/')
            .map_or(String::new(), |(_, p)| p.to_owned())
    };
    let mut entries: Vec<(&str, Value)> = Vec::new();
    let mut expired = Vec::new();
    for folder in common_prefixes {
        let Some(name) = folder.strip_prefix(prefix).map(|n| n.trim_end_matches('/')) else {
            continue;
        };
        if !name.is_empty() && !name.contains('/') {
            entries.push((folder, json!({ "Name": name, "Type": "FOLDER" })));
        }
    }
    for object in objects {
        let Some(name) = object.key.strip_prefix(prefix) else {
            continue;
        };
        if name.is_empty() || name.contains('/') {
            continue;
        }
        let path = in_container(&object.key);
        if lifecycle.is_expired(&path, object.info.created_ms, now_ms) {
            expired.push(object.key.clone());
            continue;
        }
        if lifecycle.is_transient(&path, object.info.created_ms) {
            continue;
        }
        entries.push((&object.key, object_item(name, &object.info)));
    }
    // The store pages over folders and objects in one key order; keep it.
    entries.sort_by(|a, b| a.0.cmp(b.0));
    Page {
        items: entries.into_iter().map(|(_, v)| v).collect(),
        expired,
    }
}

fn object_item(name: &str, info: &ObjectInfo) -> Value {
    let mut item = json!({
        "Name": name,
        "Type": "OBJECT",
        // Epoch seconds, the rest-json default for body timestamps.
        "LastModified": info.created_ms as f64 / 1000.0,
        "ContentType": info.content_type.as_deref().unwrap_or(DEFAULT_CONTENT_TYPE),
        "ContentLength": info.size,
    });
    // A STREAMING upload still arriving has no ETag yet (the model wants 1–64 hex).
    if !info.etag.is_empty() {
        item["ETag"] = json!(info.etag);
    }
    item
}

/// The ListItems response body.
pub fn body(page: Page, next_token: Option<String>) -> Value {
    let mut body = json!({ "Items": page.items });
    if let Some(token) = next_token {
        body["NextToken"] = json!(token);
    }
    body
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use tributary_mediastore::ContainerRecord;

    fn folder(s: &str) -> FolderPath {
        FolderPath::parse(s).unwrap()
    }

    fn listed(key: &str, created_ms: u64) -> Listed {
        Listed {
            key: key.into(),
            info: ObjectInfo {
                size: 5,
                etag: "e1".into(),
                content_type: Some("video/MP2T".into()),
                cache_control: None,
                created_ms,
                complete: true,
            },
        }
    }

    fn lifecycle(doc: &str, since_ms: u64) -> Lifecycle {
        let record: ContainerRecord = serde_json::from_value(json!({
            "name": "live", "arn": "a", "endpoint": "e", "creation_time": 0.0, "status": "ACTIVE",
            "lifecycle": doc, "lifecycle_since_ms": since_ms
        }))
        .unwrap();
        Lifecycle::of(&record)
    }

    #[test]
    fn max_results_defaults_to_1000_and_accepts_1_to_1000() {
        assert_eq!(max_results(None), Ok(1000));
        assert_eq!(max_results(Some("1")), Ok(1));
        assert_eq!(max_results(Some("1000")), Ok(1000));
    }

    #[test]
    fn max_results_outside_1_to_1000_is_a_400() {
        for bad in ["0", "1001", "-1", "ten", "", "4294967296"] {
            let e = max_results(Some(bad)).unwrap_err();
            assert_eq!(
                (e.code, e.status),
                ("InvalidRequestException", 400),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn next_tokens_round_trip_the_store_cursor() {
        let f = folder("a/b");
        let token = encode_token(&f, "live/a/b/seg9.ts\u{0}+/=");
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{token}"
        );
        assert_eq!(
            decode_token(&token, &f).unwrap(),
            "live/a/b/seg9.ts\u{0}+/="
        );
    }

    #[test]
    fn a_next_token_is_refused_for_another_path() {
        let token = encode_token(&folder("a"), "c");
        let e = decode_token(&token, &folder("b")).unwrap_err();
        assert_eq!(e.status, 400);
        assert!(e.message.contains("different Path"));
        assert!(
            decode_token(&token, &folder("/a/")).is_ok(),
            "same folder, other spelling"
        );
    }

    #[test]
    fn garbage_next_tokens_are_a_400_not_a_panic() {
        for bad in [
            "",
            "!!!",
            "bm90IGEgdG9rZW4",
            "Mg",
            &URL_SAFE_NO_PAD.encode([0xff, 0xfe]),
        ] {
            assert_eq!(
                decode_token(bad, &FolderPath::default())
                    .unwrap_err()
                    .status,
                400,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_page_lists_folders_and_objects_in_key_order_with_names_relative_to_the_folder() {
        let objects = [
            listed("live/a/seg1.ts", 1_700_000_000_250),
            listed("live/a/z.ts", 0),
        ];
        let prefixes = ["live/a/b/".to_owned(), "live/a/seg1/".to_owned()];
        let page = shape("live/a/", &objects, &prefixes, &Lifecycle::default(), 0);
        let names: Vec<&str> = page
            .items
            .iter()
            .map(|i| i["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["b", "seg1.ts", "seg1", "z.ts"]);
        assert_eq!(page.items[0], json!({"Name": "b", "Type": "FOLDER"}));
        assert_eq!(
            page.items[1],
            json!({"Name": "seg1.ts", "Type": "OBJECT", "ETag": "e1", "LastModified": 1_700_000_000.25,
                   "ContentType": "video/MP2T", "ContentLength": 5})
        );
    }

    #[test]
    fn objects_without_type_list_the_default_and_growing_ones_no_etag() {
        let mut o = listed("live/x", 0);
        o.info.content_type = None;
        o.info.etag.clear();
        let page = shape("live/", &[o], &[], &Lifecycle::default(), 0);
        assert_eq!(page.items[0]["ContentType"], DEFAULT_CONTENT_TYPE);
        assert!(page.items[0].get("ETag").is_none());
    }

    #[test]
    fn expired_objects_are_left_out_and_handed_back_for_deletion() {
        let days = r#"{"rules":[{"definition":{"path":[{"prefix":"old/"}],
            "days_since_create":[{"numeric":[">=",1]}]},"action":"EXPIRE"}]}"#;
        let objects = [
            listed("live/old/a.ts", 0),
            listed("live/old/b.ts", 90_000_000),
        ];
        let page = shape("live/old/", &objects, &[], &lifecycle(days, 0), 90_000_000);
        assert_eq!(page.expired, ["live/old/a.ts"]);
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0]["Name"], "b.ts");
    }

    #[test]
    fn objects_under_a_transient_rule_are_not_listed() {
        let transient = r#"{"rules":[{"definition":{"path":[{"wildcard":"*.m3u8"}],
            "seconds_since_create":[{"numeric":[">",60]}]},"action":"EXPIRE"}]}"#;
        let objects = [
            listed("live/index.m3u8", 5_000),
            listed("live/seg.ts", 5_000),
            listed("live/old.m3u8", 10),
        ];
        let page = shape("live/", &objects, &[], &lifecycle(transient, 1_000), 6_000);
        let names: Vec<&str> = page
            .items
            .iter()
            .map(|i| i["Name"].as_str().unwrap())
            .collect();
        // old.m3u8 predates the policy, so transient rules do not govern it.
        assert_eq!(names, ["old.m3u8", "seg.ts"]);
        assert!(page.expired.is_empty());
    }

    #[test]
    fn entries_outside_the_folder_are_ignored() {
        let objects = [listed("other/a", 0), listed("live/a/deeper", 0)];
        let page = shape(
            "live/",
            &objects,
            &["elsewhere/".to_owned()],
            &Lifecycle::default(),
            0,
        );
        assert!(page.items.is_empty());
    }

    #[test]
    fn the_body_has_items_and_a_token_only_when_there_is_more() {
        assert_eq!(body(Page::default(), None), json!({"Items": []}));
        assert_eq!(
            body(Page::default(), Some("t".into())),
            json!({"Items": [], "NextToken": "t"})
        );
    }
}
