//! CMAF and DASH origin endpoints: defaults, URLs, validation, and the
//! one-package rule.

use super::*;

/// CreateOriginEndpoint `id` on `c` with exactly `body`'s package members.
#[track_caller]
fn create(w: &mut World, id: &str, package: Value) -> Value {
    let mut body = json!({"id": id, "channelId": "c"});
    if let (Some(b), Some(p)) = (body.as_object_mut(), package.as_object()) {
        b.extend(p.clone());
    }
    w.ok("POST", "/origin_endpoints", Some(body)).1
}

#[test]
fn a_dash_endpoint_gets_the_aws_defaults_and_an_mpd_url() {
    let mut w = world();
    w.channel("c");
    let e = create(&mut w, "dash-1", json!({"dashPackage": {}}));
    assert_eq!(e["url"], format!("{ENDPOINT}/out/v1/dash-1/index.mpd"));
    assert_eq!(
        e["dashPackage"],
        json!({
            "includeIframeOnlyStream": false,
            "manifestLayout": "FULL",
            "manifestWindowSeconds": 60,
            "minBufferTimeSeconds": 30,
            "minUpdatePeriodSeconds": 15,
            "profile": "NONE",
            "segmentDurationSeconds": 6,
            "segmentTemplateFormat": "NUMBER_WITH_TIMELINE",
            "suggestedPresentationDelaySeconds": 25,
            "utcTiming": "NONE"
        })
    );
    assert!(e.get("hlsPackage").is_none() && e.get("cmafPackage").is_none());
    assert_eq!(w.ok("GET", "/origin_endpoints/dash-1", None).1, e);
}

#[test]
fn every_dash_setting_is_kept_as_given() {
    let mut w = world();
    w.channel("c");
    let package = json!({
        "adTriggers": ["BREAK"],
        "adsOnDeliveryRestrictions": "NONE",
        "includeIframeOnlyStream": true,
        "manifestLayout": "COMPACT",
        "manifestWindowSeconds": 30,
        "minBufferTimeSeconds": 4,
        "minUpdatePeriodSeconds": 2,
        "periodTriggers": ["ADS"],
        "profile": "NONE",
        "segmentDurationSeconds": 2,
        "segmentTemplateFormat": "TIME_WITH_TIMELINE",
        "streamSelection": {"maxVideoBitsPerSecond": 3000000},
        "suggestedPresentationDelaySeconds": 6,
        "utcTiming": "HTTP-ISO",
        "utcTimingUri": "https://time.akamai.com/?iso"
    });
    let e = create(
        &mut w,
        "d",
        json!({"manifestName": "live", "dashPackage": package}),
    );
    assert_eq!(e["dashPackage"], package);
    assert_eq!(e["url"], format!("{ENDPOINT}/out/v1/d/live.mpd"));
}

#[test]
fn a_cmaf_endpoint_names_each_hls_manifest_url() {
    let mut w = world();
    w.channel("c");
    let e = create(
        &mut w,
        "cmaf-1",
        json!({"cmafPackage": {
            "segmentDurationSeconds": 2,
            "segmentPrefix": "seg",
            "streamSelection": {"streamOrder": "VIDEO_BITRATE_ASCENDING"},
            "hlsManifests": [
                {"id": "main"},
                {"id": "alt", "manifestName": "short", "playlistWindowSeconds": 10,
                 "programDateTimeIntervalSeconds": 2, "playlistType": "EVENT",
                 "adMarkers": "DATERANGE"}
            ]
        }}),
    );
    let p = &e["cmafPackage"];
    assert_eq!(p["segmentDurationSeconds"], 2);
    assert_eq!(p["segmentPrefix"], "seg");
    assert_eq!(
        p["streamSelection"],
        json!({"streamOrder": "VIDEO_BITRATE_ASCENDING"})
    );
    assert_eq!(
        p["hlsManifests"][0],
        json!({
            "adMarkers": "NONE",
            "id": "main",
            "includeIframeOnlyStream": false,
            "manifestName": "main",
            "playlistType": "NONE",
            "playlistWindowSeconds": 60,
            "programDateTimeIntervalSeconds": 0,
            "url": format!("{ENDPOINT}/out/v1/cmaf-1/main.m3u8")
        })
    );
    let alt = &p["hlsManifests"][1];
    assert_eq!(alt["manifestName"], "short");
    assert_eq!(alt["url"], format!("{ENDPOINT}/out/v1/cmaf-1/short.m3u8"));
    assert_eq!(
        (
            &alt["playlistWindowSeconds"],
            &alt["programDateTimeIntervalSeconds"],
            &alt["playlistType"],
            &alt["adMarkers"]
        ),
        (&json!(10), &json!(2), &json!("EVENT"), &json!("DATERANGE"))
    );
    assert_eq!(e["url"], p["hlsManifests"][0]["url"]);
    assert_eq!(w.ok("GET", "/origin_endpoints/cmaf-1", None).1, e);
}

#[test]
fn an_endpoint_has_exactly_one_package() {
    let mut w = world();
    w.channel("c");
    let cmaf = json!({"hlsManifests": [{"id": "m"}]});
    for (body, member) in [
        (json!({"hlsPackage": {}, "dashPackage": {}}), "dashPackage"),
        (
            json!({"hlsPackage": {}, "cmafPackage": cmaf}),
            "cmafPackage",
        ),
        (
            json!({"cmafPackage": cmaf, "dashPackage": {}}),
            "dashPackage",
        ),
    ] {
        let mut b = json!({"id": "e", "channelId": "c"});
        if let (Some(b), Some(p)) = (b.as_object_mut(), body.as_object()) {
            b.extend(p.clone());
        }
        let f = w.fails("POST", "/origin_endpoints", Some(b));
        assert_error(&f, 422, "UnprocessableEntityException");
        assert!(
            f.message.starts_with(&format!(
                "{member}: an origin endpoint has exactly one package"
            )),
            "{}",
            f.message
        );
    }
    assert!(w.store.endpoints.is_empty());
}

#[test]
fn update_may_swap_the_package_kind_and_the_url_follows() {
    let mut w = world();
    w.channel("c");
    create(&mut w, "e", json!({"hlsPackage": {}}));
    let (_, e) = w.ok(
        "PUT",
        "/origin_endpoints/e",
        Some(json!({"dashPackage": {"segmentDurationSeconds": 2}})),
    );
    assert_eq!(e["url"], format!("{ENDPOINT}/out/v1/e/index.mpd"));
    assert!(e.get("hlsPackage").is_none());
    assert_eq!(e["dashPackage"]["segmentDurationSeconds"], 2);
    // Other members leave the DASH package alone.
    let (_, e) = w.ok(
        "PUT",
        "/origin_endpoints/e",
        Some(json!({"manifestName": "tv"})),
    );
    assert_eq!(e["url"], format!("{ENDPOINT}/out/v1/e/tv.mpd"));
    assert_eq!(e["dashPackage"]["segmentDurationSeconds"], 2);
    let (_, e) = w.ok(
        "PUT",
        "/origin_endpoints/e",
        Some(json!({"cmafPackage": {"hlsManifests": [{"id": "x", "manifestName": "y"}]}})),
    );
    assert!(e.get("dashPackage").is_none());
    assert_eq!(e["url"], format!("{ENDPOINT}/out/v1/e/y.m3u8"));
}

#[test]
fn bad_cmaf_and_dash_settings_name_the_member() {
    let mut w = world();
    w.channel("c");
    let m = json!([{"id": "m"}]);
    let cases = [
        (json!({"cmafPackage": {}}), "cmafPackage.hlsManifests"),
        (
            json!({"cmafPackage": {"hlsManifests": []}}),
            "cmafPackage.hlsManifests",
        ),
        (
            json!({"cmafPackage": {"hlsManifests": [3]}}),
            "cmafPackage.hlsManifests[0]",
        ),
        (
            json!({"cmafPackage": {"hlsManifests": [{}]}}),
            "cmafPackage.hlsManifests[0].id",
        ),
        (
            json!({"cmafPackage": {"hlsManifests": [{"id": "a"}, {"id": "a", "manifestName": "b"}]}}),
            "cmafPackage.hlsManifests[1].id",
        ),
        (
            json!({"cmafPackage": {"hlsManifests": [{"id": "a"}, {"id": "b", "manifestName": "a"}]}}),
            "cmafPackage.hlsManifests[1].manifestName",
        ),
        (
            json!({"cmafPackage": {"hlsManifests": [{"id": "a", "manifestName": "a.m3u8"}]}}),
            "cmafPackage.hlsManifests[0].manifestName",
        ),
        (
            json!({"cmafPackage": {"hlsManifests": [{"id": "a", "playlistType": "LIVE"}]}}),
            "cmafPackage.hlsManifests[0].playlistType",
        ),
        (
            json!({"cmafPackage": {"segmentDurationSeconds": 10, "hlsManifests": [{"id": "a", "playlistWindowSeconds": 5}]}}),
            "cmafPackage.hlsManifests[0].playlistWindowSeconds",
        ),
        (
            json!({"cmafPackage": {"segmentDurationSeconds": 31, "hlsManifests": m}}),
            "cmafPackage.segmentDurationSeconds",
        ),
        (
            json!({"cmafPackage": {"segmentPrefix": "a/b", "hlsManifests": m}}),
            "cmafPackage.segmentPrefix",
        ),
        (
            json!({"cmafPackage": {"encryption": {}, "hlsManifests": m}}),
            "cmafPackage.encryption",
        ),
        (
            json!({"dashPackage": {"encryption": {}}}),
            "dashPackage.encryption",
        ),
        (
            json!({"dashPackage": {"segmentTemplateFormat": "TIME"}}),
            "dashPackage.segmentTemplateFormat",
        ),
        (
            json!({"dashPackage": {"profile": "HBBTV_1_5"}}),
            "dashPackage.profile",
        ),
        (
            json!({"dashPackage": {"profile": "DVB"}}),
            "dashPackage.profile",
        ),
        (
            json!({"dashPackage": {"utcTiming": "NTP"}}),
            "dashPackage.utcTiming",
        ),
        (
            json!({"dashPackage": {"utcTiming": "HTTP-HEAD"}}),
            "dashPackage.utcTimingUri",
        ),
        (
            json!({"dashPackage": {"utcTimingUri": "a b"}}),
            "dashPackage.utcTimingUri",
        ),
        (
            json!({"dashPackage": {"manifestWindowSeconds": 4}}),
            "dashPackage.manifestWindowSeconds",
        ),
        (
            json!({"dashPackage": {"minBufferTimeSeconds": -1}}),
            "dashPackage.minBufferTimeSeconds",
        ),
        (
            json!({"dashPackage": {"minUpdatePeriodSeconds": 3601}}),
            "dashPackage.minUpdatePeriodSeconds",
        ),
        (
            json!({"dashPackage": {"suggestedPresentationDelaySeconds": "25"}}),
            "dashPackage.suggestedPresentationDelaySeconds",
        ),
        (
            json!({"dashPackage": {"manifestLayout": "TINY"}}),
            "dashPackage.manifestLayout",
        ),
        (
            json!({"dashPackage": {"periodTriggers": ["BREAKS"]}}),
            "dashPackage.periodTriggers[0]",
        ),
        (
            json!({"dashPackage": {"streamSelection": {"minVideoBitsPerSecond": 9, "maxVideoBitsPerSecond": 8}}}),
            "dashPackage.streamSelection.minVideoBitsPerSecond",
        ),
    ];
    for (package, member) in cases {
        let mut body = json!({"id": "e", "channelId": "c"});
        if let (Some(b), Some(p)) = (body.as_object_mut(), package.as_object()) {
            b.extend(p.clone());
        }
        let f = w.fails("POST", "/origin_endpoints", Some(body));
        assert_error(&f, 422, "UnprocessableEntityException");
        assert!(
            f.message.starts_with(&format!("{member}:")),
            "{package}: {}",
            f.message
        );
    }
    assert!(w.store.endpoints.is_empty());
}
