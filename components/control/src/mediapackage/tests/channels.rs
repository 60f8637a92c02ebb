//! CreateChannel, DescribeChannel, ListChannels, UpdateChannel,
//! DeleteChannel, ConfigureLogs and the credential rotations.

use super::*;

fn ingest(channel: &Value, i: usize) -> &Value {
    &channel["hlsIngest"]["ingestEndpoints"][i]
}

fn is_hex32(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[test]
fn a_new_channel_has_two_ingest_endpoints_with_their_own_credentials() {
    let mut w = world();
    let (status, c) = w.ok(
        "POST",
        "/channels",
        Some(json!({"id": "live-1", "description": "main feed", "tags": {"team": "news"}})),
    );
    assert_eq!(status, 200);
    assert_eq!(c["id"], "live-1");
    assert_eq!(
        c["arn"],
        format!("arn:aws:mediapackage:{REGION}:{ACCOUNT}:channels/live-1")
    );
    assert_eq!(c["description"], "main feed");
    assert_eq!(c["createdAt"], "2025-11-13T02:13:20.123Z");
    assert_eq!(c["tags"], json!({"team": "news"}));
    let endpoints = c["hlsIngest"]["ingestEndpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 2);
    let mut seen = std::collections::BTreeSet::new();
    for e in endpoints {
        for k in ["id", "username", "password"] {
            assert!(is_hex32(&e[k]), "{k} of {e}");
            assert!(
                seen.insert(e[k].as_str().unwrap().to_owned()),
                "{k} repeats"
            );
        }
        let id = e["id"].as_str().unwrap();
        assert_eq!(e["url"], format!("{ENDPOINT}/in/v1/live-1/{id}/channel"));
    }
    assert!(c.get("egressAccessLogs").is_none() && c.get("ingressAccessLogs").is_none());
    // Stored as returned, credentials included (the packager checks them).
    let stored = &w.store.channels["live-1"].channel;
    assert_eq!(serde_json::to_value(stored).unwrap(), c);
}

#[test]
fn describe_answers_what_create_returned_and_404s_the_unknown() {
    let mut w = world();
    let created = w.channel("c");
    let (status, described) = w.ok("GET", "/channels/c", None);
    assert_eq!(status, 200);
    assert_eq!(described, created);
    let f = w.fails("GET", "/channels/nope", None);
    assert_error(&f, 404, "NotFoundException");
    assert!(f.message.contains("nope"), "{}", f.message);
}

#[test]
fn a_taken_id_is_unprocessable_and_changes_nothing() {
    let mut w = world();
    let first = w.channel("dup");
    let f = w.fails(
        "POST",
        "/channels",
        Some(json!({"id": "dup", "description": "x"})),
    );
    assert_error(&f, 422, "UnprocessableEntityException");
    assert!(f.message.contains("already exists"), "{}", f.message);
    assert_eq!(w.ok("GET", "/channels/dup", None).1, first);
}

#[test]
fn bad_create_input_names_the_member() {
    let mut w = world();
    for (body, member) in [
        (json!({}), "id"),
        (json!({"id": "a b"}), "id"),
        (json!({"id": "x".repeat(257)}), "id"),
        (json!({"id": 7}), "id"),
        (json!({"id": "ok", "description": 3}), "description"),
        (json!({"id": "ok", "tags": {"aws:x": "y"}}), "tags"),
        (json!({"id": "ok", "tags": ["a"]}), "tags"),
    ] {
        let f = w.fails("POST", "/channels", Some(body.clone()));
        assert_error(&f, 422, "UnprocessableEntityException");
        assert!(f.message.starts_with(member), "{body}: {}", f.message);
    }
    assert!(w.store.channels.is_empty());
}

#[test]
fn list_pages_in_creation_order() {
    let mut w = world();
    // Ids out of alphabetical order: the list follows creation.
    for id in ["c3", "a1", "b2", "e5", "d4"] {
        w.channel(id);
        w.tick();
    }
    let ids = |v: &Value| -> Vec<String> {
        v["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, all) = w.ok("GET", "/channels", None);
    assert_eq!(ids(&all), ["c3", "a1", "b2", "e5", "d4"]);
    assert!(all.get("nextToken").is_none());
    assert_eq!(
        all["channels"][0]["hlsIngest"]["ingestEndpoints"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let (_, p1) = w.ok("GET", "/channels?maxResults=2", None);
    assert_eq!(ids(&p1), ["c3", "a1"]);
    let token = p1["nextToken"].as_str().unwrap().to_owned();
    let (_, p2) = w.ok(
        "GET",
        &format!("/channels?maxResults=2&nextToken={token}"),
        None,
    );
    assert_eq!(ids(&p2), ["b2", "e5"]);
    let token = p2["nextToken"].as_str().unwrap().to_owned();
    let (_, p3) = w.ok(
        "GET",
        &format!("/channels?maxResults=2&nextToken={token}"),
        None,
    );
    assert_eq!(ids(&p3), ["d4"]);
    assert!(p3.get("nextToken").is_none());
    for q in ["maxResults=0", "maxResults=1001", "nextToken=%21"] {
        let f = w.fails("GET", &format!("/channels?{q}"), None);
        assert_error(&f, 422, "UnprocessableEntityException");
    }
}

#[test]
fn update_changes_the_description_only() {
    let mut w = world();
    let before = w.channel("c");
    let (status, after) = w.ok("PUT", "/channels/c", Some(json!({"description": "new"})));
    assert_eq!(status, 200);
    assert_eq!(after["description"], "new");
    assert_eq!(after["hlsIngest"], before["hlsIngest"]);
    assert_eq!(after["createdAt"], before["createdAt"]);
    // No description: nothing changes.
    assert_eq!(w.ok("PUT", "/channels/c", Some(json!({}))).1, after);
    assert_error(
        &w.fails("PUT", "/channels/none", Some(json!({"description": "x"}))),
        404,
        "NotFoundException",
    );
}

#[test]
fn delete_is_refused_while_an_origin_endpoint_plays_the_channel() {
    let mut w = world();
    w.channel("c");
    w.endpoint("hls", "c", json!({}));
    let f = w.fails("DELETE", "/channels/c", None);
    assert_error(&f, 422, "UnprocessableEntityException");
    assert!(
        f.message.contains("origin endpoints") && f.message.contains("hls"),
        "{}",
        f.message
    );
    assert!(w.store.channels.contains_key("c"));
    let (status, body) = w.ok("DELETE", "/origin_endpoints/hls", None);
    assert_eq!((status, body), (202, json!({})));
    let (status, body) = w.ok("DELETE", "/channels/c", None);
    assert_eq!((status, body), (202, json!({})));
    assert!(w.store.channels.is_empty());
    assert_error(
        &w.fails("DELETE", "/channels/c", None),
        404,
        "NotFoundException",
    );
    assert_error(
        &w.fails("GET", "/channels/c", None),
        404,
        "NotFoundException",
    );
}

#[test]
fn configure_logs_stores_and_echoes_the_log_groups() {
    let mut w = world();
    w.channel("c");
    let (status, c) = w.ok(
        "PUT",
        "/channels/c/configure_logs",
        Some(json!({
            "egressAccessLogs": {"logGroupName": "/aws/MediaPackage/mine"},
            "ingressAccessLogs": {}
        })),
    );
    assert_eq!(status, 200);
    assert_eq!(
        c["egressAccessLogs"],
        json!({"logGroupName": "/aws/MediaPackage/mine"})
    );
    assert_eq!(
        c["ingressAccessLogs"],
        json!({"logGroupName": "/aws/MediaPackage/IngressAccessLogs"})
    );
    assert_eq!(w.ok("GET", "/channels/c", None).1, c);
    // Leaving one out turns it off.
    let (_, c) = w.ok(
        "PUT",
        "/channels/c/configure_logs",
        Some(json!({"egressAccessLogs": {}})),
    );
    assert_eq!(
        c["egressAccessLogs"],
        json!({"logGroupName": "/aws/MediaPackage/EgressAccessLogs"})
    );
    assert!(c.get("ingressAccessLogs").is_none(), "{c}");
    let f = w.fails(
        "PUT",
        "/channels/c/configure_logs",
        Some(json!({"egressAccessLogs": {"logGroupName": "bad name"}})),
    );
    assert_error(&f, 422, "UnprocessableEntityException");
    assert!(
        f.message.starts_with("egressAccessLogs.logGroupName"),
        "{}",
        f.message
    );
    assert_error(
        &w.fails("PUT", "/channels/x/configure_logs", Some(json!({}))),
        404,
        "NotFoundException",
    );
}

#[test]
fn rotating_one_ingest_endpoint_leaves_the_other_alone() {
    let mut w = world();
    let before = w.channel("c");
    let second = ingest(&before, 1)["id"].as_str().unwrap().to_owned();
    let (status, after) = w.ok(
        "PUT",
        &format!("/channels/c/ingest_endpoints/{second}/credentials"),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(ingest(&after, 0), ingest(&before, 0));
    let (old, new) = (ingest(&before, 1), ingest(&after, 1));
    assert_eq!((&old["id"], &old["url"]), (&new["id"], &new["url"]));
    assert_ne!(old["username"], new["username"]);
    assert_ne!(old["password"], new["password"]);
    assert!(is_hex32(&new["username"]) && is_hex32(&new["password"]));
    assert_eq!(w.ok("GET", "/channels/c", None).1, after);
    let f = w.fails("PUT", "/channels/c/ingest_endpoints/nope/credentials", None);
    assert_error(&f, 404, "NotFoundException");
    assert!(f.message.contains("nope"), "{}", f.message);
    assert_error(
        &w.fails(
            "PUT",
            &format!("/channels/x/ingest_endpoints/{second}/credentials"),
            None,
        ),
        404,
        "NotFoundException",
    );
}

#[test]
fn the_deprecated_channel_rotation_renews_the_first_ingest_endpoint() {
    let mut w = world();
    let before = w.channel("c");
    let (status, after) = w.ok("PUT", "/channels/c/credentials", None);
    assert_eq!(status, 200);
    assert_ne!(
        ingest(&after, 0)["password"],
        ingest(&before, 0)["password"]
    );
    assert_ne!(
        ingest(&after, 0)["username"],
        ingest(&before, 0)["username"]
    );
    assert_eq!(ingest(&after, 1), ingest(&before, 1));
    assert_error(
        &w.fails("PUT", "/channels/x/credentials", None),
        404,
        "NotFoundException",
    );
}

#[test]
fn a_concurrent_write_is_retried_not_lost() {
    let mut w = world();
    w.channel("c");
    w.store.interfere(|s| {
        if let Some(r) = s.channels.get_mut("c") {
            r.channel.tags.insert("by".into(), "other".into());
        }
    });
    let (_, c) = w.ok("PUT", "/channels/c", Some(json!({"description": "mine"})));
    assert_eq!(w.store.retries, 1);
    assert_eq!(c["description"], "mine");
    assert_eq!(c["tags"], json!({"by": "other"}));
}
