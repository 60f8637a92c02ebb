//! Create/Describe/List/Update/DeleteOriginEndpoint.

use super::*;

#[test]
fn a_new_endpoint_gets_the_aws_defaults_and_its_url() {
    let mut w = world();
    w.channel("c");
    let e = w.endpoint("hls-1", "c", json!({"description": "web"}));
    assert_eq!(e["id"], "hls-1");
    assert_eq!(e["channelId"], "c");
    assert_eq!(
        e["arn"],
        format!("arn:aws:mediapackage:{REGION}:{ACCOUNT}:origin_endpoints/hls-1")
    );
    assert_eq!(e["createdAt"], "2025-11-13T02:13:20.123Z");
    assert_eq!(e["manifestName"], "index");
    assert_eq!(e["origination"], "ALLOW");
    assert_eq!(e["url"], format!("{ENDPOINT}/out/v1/hls-1/index.m3u8"));
    assert_eq!(e["description"], "web");
    assert_eq!(
        e["hlsPackage"],
        json!({
            "adMarkers": "NONE",
            "includeDvbSubtitles": false,
            "includeIframeOnlyStream": false,
            "playlistType": "NONE",
            "playlistWindowSeconds": 60,
            "programDateTimeIntervalSeconds": 0,
            "segmentDurationSeconds": 6,
            "useAudioRenditionGroup": false
        })
    );
    for absent in [
        "startoverWindowSeconds",
        "timeDelaySeconds",
        "whitelist",
        "tags",
    ] {
        assert!(e.get(absent).is_none(), "{absent} in {e}");
    }
    let stored = &w.store.endpoints["hls-1"].endpoint;
    assert_eq!(serde_json::to_value(stored).unwrap(), e);
    assert_eq!(w.ok("GET", "/origin_endpoints/hls-1", None), (200, e));
}

#[test]
fn every_hls_setting_is_kept_as_given() {
    let mut w = world();
    w.channel("c");
    let e = w.endpoint(
        "full",
        "c",
        json!({
            "manifestName": "live_1",
            "origination": "DENY",
            "startoverWindowSeconds": 3600,
            "timeDelaySeconds": 30,
            "whitelist": ["10.0.0.0/8", "2001:db8::/32"],
            "tags": {"k": "v"},
            "hlsPackage": {
                "adMarkers": "DATERANGE",
                "adTriggers": ["BREAK", "SPLICE_INSERT"],
                "adsOnDeliveryRestrictions": "BOTH",
                "includeIframeOnlyStream": true,
                "playlistType": "EVENT",
                "playlistWindowSeconds": 120,
                "programDateTimeIntervalSeconds": 10,
                "segmentDurationSeconds": 2,
                "useAudioRenditionGroup": true,
                "streamSelection": {
                    "minVideoBitsPerSecond": 100000,
                    "maxVideoBitsPerSecond": 5000000,
                    "streamOrder": "VIDEO_BITRATE_DESCENDING"
                }
            }
        }),
    );
    assert_eq!(e["url"], format!("{ENDPOINT}/out/v1/full/live_1.m3u8"));
    assert_eq!(e["origination"], "DENY");
    assert_eq!(e["startoverWindowSeconds"], 3600);
    assert_eq!(e["timeDelaySeconds"], 30);
    assert_eq!(e["whitelist"], json!(["10.0.0.0/8", "2001:db8::/32"]));
    assert_eq!(e["tags"], json!({"k": "v"}));
    let p = &e["hlsPackage"];
    assert_eq!(p["adMarkers"], "DATERANGE");
    assert_eq!(p["adTriggers"], json!(["BREAK", "SPLICE_INSERT"]));
    assert_eq!(p["adsOnDeliveryRestrictions"], "BOTH");
    assert_eq!(p["includeIframeOnlyStream"], true);
    assert_eq!(p["playlistType"], "EVENT");
    assert_eq!(p["playlistWindowSeconds"], 120);
    assert_eq!(p["programDateTimeIntervalSeconds"], 10);
    assert_eq!(p["segmentDurationSeconds"], 2);
    assert_eq!(p["useAudioRenditionGroup"], true);
    assert_eq!(
        p["streamSelection"],
        json!({"minVideoBitsPerSecond": 100000, "maxVideoBitsPerSecond": 5000000,
               "streamOrder": "VIDEO_BITRATE_DESCENDING"})
    );
}

#[test]
fn an_endpoint_on_a_missing_channel_is_unprocessable() {
    let mut w = world();
    let f = w.fails(
        "POST",
        "/origin_endpoints",
        Some(json!({"id": "e", "channelId": "ghost", "hlsPackage": {}})),
    );
    assert_error(&f, 422, "UnprocessableEntityException");
    assert!(
        f.message.starts_with("channelId") && f.message.contains("ghost"),
        "{}",
        f.message
    );
    assert!(w.store.endpoints.is_empty());
}

#[test]
fn a_taken_endpoint_id_is_unprocessable() {
    let mut w = world();
    w.channel("c");
    let first = w.endpoint("e", "c", json!({}));
    let f = w.fails(
        "POST",
        "/origin_endpoints",
        Some(json!({"id": "e", "channelId": "c", "hlsPackage": {"segmentDurationSeconds": 2}})),
    );
    assert_error(&f, 422, "UnprocessableEntityException");
    assert!(f.message.contains("already exists"), "{}", f.message);
    assert_eq!(w.ok("GET", "/origin_endpoints/e", None).1, first);
}

#[test]
fn packages_not_run_yet_are_refused_by_name() {
    let mut w = world();
    w.channel("c");
    for member in ["mssPackage", "authorization"] {
        let mut body = json!({"id": "e", "channelId": "c", "hlsPackage": {}});
        body[member] = json!({});
        let f = w.fails("POST", "/origin_endpoints", Some(body));
        assert_error(&f, 422, "UnprocessableEntityException");
        assert!(
            f.message
                .starts_with(&format!("{member}: is not supported yet")),
            "{}",
            f.message
        );
    }
    let f = w.fails(
        "POST",
        "/origin_endpoints",
        Some(json!({"id": "e", "channelId": "c", "hlsPackage": {"encryption": {}}})),
    );
    assert!(
        f.message
            .starts_with("hlsPackage.encryption: is not supported yet"),
        "{}",
        f.message
    );
    let f = w.fails(
        "POST",
        "/origin_endpoints",
        Some(json!({"id": "e", "channelId": "c"})),
    );
    assert_error(&f, 422, "UnprocessableEntityException");
    assert!(
        f.message
            .starts_with("hlsPackage: is required, or cmafPackage or dashPackage"),
        "{}",
        f.message
    );
    assert!(w.store.endpoints.is_empty());
}

#[test]
fn bad_settings_name_the_member() {
    let mut w = world();
    w.channel("c");
    let cases = [
        (json!({"id": "a.b"}), "id"),
        (json!({"channelId": "c/d"}), "channelId"),
        (json!({"manifestName": "../index"}), "manifestName"),
        (json!({"manifestName": "index.m3u8"}), "manifestName"),
        (json!({"origination": "MAYBE"}), "origination"),
        (
            json!({"startoverWindowSeconds": 1_209_601}),
            "startoverWindowSeconds",
        ),
        (
            json!({"startoverWindowSeconds": -1}),
            "startoverWindowSeconds",
        ),
        (json!({"timeDelaySeconds": 86_401}), "timeDelaySeconds"),
        (json!({"timeDelaySeconds": 3}), "timeDelaySeconds"),
        (
            json!({"timeDelaySeconds": 60, "startoverWindowSeconds": 60}),
            "timeDelaySeconds",
        ),
        (json!({"whitelist": ["10.0.0.0/33"]}), "whitelist[0]"),
        (json!({"whitelist": ["10.0.0.0/8", "nope"]}), "whitelist[1]"),
        (json!({"whitelist": "10.0.0.0/8"}), "whitelist"),
        (
            json!({"hlsPackage": {"segmentDurationSeconds": 0}}),
            "hlsPackage.segmentDurationSeconds",
        ),
        (
            json!({"hlsPackage": {"segmentDurationSeconds": 31}}),
            "hlsPackage.segmentDurationSeconds",
        ),
        (
            json!({"hlsPackage": {"segmentDurationSeconds": 1.5}}),
            "hlsPackage.segmentDurationSeconds",
        ),
        (
            json!({"hlsPackage": {"playlistWindowSeconds": 0}}),
            "hlsPackage.playlistWindowSeconds",
        ),
        (
            json!({"hlsPackage": {"playlistWindowSeconds": 4, "segmentDurationSeconds": 6}}),
            "hlsPackage.playlistWindowSeconds",
        ),
        (
            json!({"hlsPackage": {"programDateTimeIntervalSeconds": -1}}),
            "hlsPackage.programDateTimeIntervalSeconds",
        ),
        (
            json!({"hlsPackage": {"playlistType": "LIVE"}}),
            "hlsPackage.playlistType",
        ),
        (
            json!({"hlsPackage": {"adMarkers": "ALL"}}),
            "hlsPackage.adMarkers",
        ),
        (
            json!({"hlsPackage": {"adTriggers": ["BREAK", "NOPE"]}}),
            "hlsPackage.adTriggers[1]",
        ),
        (
            json!({"hlsPackage": {"adsOnDeliveryRestrictions": "SOME"}}),
            "hlsPackage.adsOnDeliveryRestrictions",
        ),
        (
            json!({"hlsPackage": {"includeDvbSubtitles": "yes"}}),
            "hlsPackage.includeDvbSubtitles",
        ),
        (
            json!({"hlsPackage": {"streamSelection": {"streamOrder": "RANDOM"}}}),
            "hlsPackage.streamSelection.streamOrder",
        ),
        (
            json!({"hlsPackage": {"streamSelection": {"minVideoBitsPerSecond": 9, "maxVideoBitsPerSecond": 8}}}),
            "hlsPackage.streamSelection.minVideoBitsPerSecond",
        ),
        (
            json!({"hlsPackage": {"streamSelection": {"maxVideoBitsPerSecond": -1}}}),
            "hlsPackage.streamSelection.maxVideoBitsPerSecond",
        ),
        (json!({"hlsPackage": []}), "hlsPackage"),
        (json!({"tags": {"k": 1}}), "tags.k"),
    ];
    for (extra, member) in cases {
        let mut body = json!({"id": "e", "channelId": "c", "hlsPackage": {}});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let f = w.fails("POST", "/origin_endpoints", Some(body));
        assert_error(&f, 422, "UnprocessableEntityException");
        assert!(
            f.message.starts_with(&format!("{member}:")),
            "{extra}: {}",
            f.message
        );
    }
    assert!(w.store.endpoints.is_empty());
}

#[test]
fn zero_turns_startover_and_delay_off() {
    let mut w = world();
    w.channel("c");
    let e = w.endpoint(
        "e",
        "c",
        json!({"startoverWindowSeconds": 0, "timeDelaySeconds": 0}),
    );
    assert!(e.get("startoverWindowSeconds").is_none() && e.get("timeDelaySeconds").is_none());
    let e = w.endpoint(
        "f",
        "c",
        json!({"startoverWindowSeconds": 1_209_600, "timeDelaySeconds": 86_400}),
    );
    assert_eq!(
        (
            e["startoverWindowSeconds"].as_u64(),
            e["timeDelaySeconds"].as_u64()
        ),
        (Some(1_209_600), Some(86_400))
    );
}

#[test]
fn list_filters_by_channel_and_pages() {
    let mut w = world();
    w.channel("a");
    w.channel("b");
    for (id, channel) in [("e1", "a"), ("e2", "b"), ("e3", "a"), ("e4", "a")] {
        w.endpoint(id, channel, json!({}));
        w.tick();
    }
    let ids = |v: &Value| -> Vec<String> {
        v["originEndpoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, all) = w.ok("GET", "/origin_endpoints", None);
    assert_eq!(status, 200);
    assert_eq!(ids(&all), ["e1", "e2", "e3", "e4"]);
    assert_eq!(
        all["originEndpoints"][0]["hlsPackage"]["segmentDurationSeconds"],
        6
    );
    let (_, of_a) = w.ok("GET", "/origin_endpoints?channelId=a", None);
    assert_eq!(ids(&of_a), ["e1", "e3", "e4"]);
    let (_, p1) = w.ok("GET", "/origin_endpoints?channelId=a&maxResults=2", None);
    assert_eq!(ids(&p1), ["e1", "e3"]);
    let token = p1["nextToken"].as_str().unwrap().to_owned();
    let (_, p2) = w.ok(
        "GET",
        &format!("/origin_endpoints?channelId=a&maxResults=2&nextToken={token}"),
        None,
    );
    assert_eq!(ids(&p2), ["e4"]);
    assert!(p2.get("nextToken").is_none());
    let (_, none) = w.ok("GET", "/origin_endpoints?channelId=zzz", None);
    assert_eq!(none, json!({"originEndpoints": []}));
    assert_error(
        &w.fails("GET", "/origin_endpoints?maxResults=1001", None),
        422,
        "UnprocessableEntityException",
    );
}

#[test]
fn update_replaces_what_is_given_and_keeps_the_rest() {
    let mut w = world();
    w.channel("c");
    let before = w.endpoint(
        "e",
        "c",
        json!({"description": "d", "whitelist": ["10.0.0.0/8"], "startoverWindowSeconds": 600,
               "tags": {"k": "v"}, "hlsPackage": {"segmentDurationSeconds": 2, "playlistType": "EVENT"}}),
    );
    let (status, after) = w.ok(
        "PUT",
        "/origin_endpoints/e",
        Some(json!({
            "manifestName": "main",
            "timeDelaySeconds": 10,
            "hlsPackage": {"playlistWindowSeconds": 30},
            "channelId": "ignored",
            "tags": {"ignored": "too"}
        })),
    );
    assert_eq!(status, 200);
    assert_eq!(after["url"], format!("{ENDPOINT}/out/v1/e/main.m3u8"));
    assert_eq!(after["manifestName"], "main");
    assert_eq!(after["timeDelaySeconds"], 10);
    // The package was replaced whole: what it did not give is back to the default.
    assert_eq!(after["hlsPackage"]["playlistWindowSeconds"], 30);
    assert_eq!(after["hlsPackage"]["segmentDurationSeconds"], 6);
    assert_eq!(after["hlsPackage"]["playlistType"], "NONE");
    for kept in [
        "description",
        "whitelist",
        "startoverWindowSeconds",
        "channelId",
        "tags",
        "createdAt",
        "arn",
    ] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
    assert_eq!(w.ok("GET", "/origin_endpoints/e", None).1, after);
    // An empty whitelist opens it to everyone; 0 turns startover off.
    let (_, opened) = w.ok(
        "PUT",
        "/origin_endpoints/e",
        Some(json!({"whitelist": [], "startoverWindowSeconds": 0, "timeDelaySeconds": 0})),
    );
    for gone in ["whitelist", "startoverWindowSeconds", "timeDelaySeconds"] {
        assert!(opened.get(gone).is_none(), "{gone} in {opened}");
    }
}

#[test]
fn update_checks_the_result_as_a_whole() {
    let mut w = world();
    w.channel("c");
    w.endpoint("e", "c", json!({"startoverWindowSeconds": 100}));
    let f = w.fails(
        "PUT",
        "/origin_endpoints/e",
        Some(json!({"timeDelaySeconds": 100})),
    );
    assert_error(&f, 422, "UnprocessableEntityException");
    assert!(f.message.starts_with("timeDelaySeconds"), "{}", f.message);
    let f = w.fails(
        "PUT",
        "/origin_endpoints/e",
        Some(json!({"cmafPackage": {}})),
    );
    assert!(f.message.starts_with("cmafPackage"), "{}", f.message);
    assert!(w.store.endpoints["e"].endpoint.time_delay_seconds.is_none());
    assert_error(
        &w.fails("PUT", "/origin_endpoints/none", Some(json!({}))),
        404,
        "NotFoundException",
    );
}

#[test]
fn delete_removes_the_endpoint_and_then_404s() {
    let mut w = world();
    w.channel("c");
    w.endpoint("e", "c", json!({}));
    assert_eq!(
        w.ok("DELETE", "/origin_endpoints/e", None),
        (202, json!({}))
    );
    assert!(w.store.endpoints.is_empty());
    for method in ["GET", "DELETE"] {
        let f = w.fails(method, "/origin_endpoints/e", None);
        assert_error(&f, 404, "NotFoundException");
        assert!(f.message.contains('e'), "{}", f.message);
    }
}
