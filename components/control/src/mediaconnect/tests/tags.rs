//! ListTagsForResource, TagResource, UntagResource on flows, sources,
//! outputs and entitlements; tags given at creation.

use super::*;

fn tags_path(arn: &str) -> String {
    format!("/tags/{}", label(arn))
}

#[test]
fn tags_given_at_creation_belong_to_each_resource() {
    let mut w = world();
    let flow = w.create(json!({
        "name": "f", "flowTags": {"team": "live"},
        "source": {"name": "s", "protocol": "rtp", "ingestPort": 5000, "sourceTags": {"site": "venue"}},
        "outputs": [{"name": "o", "protocol": "udp", "destination": "10.0.0.1", "port": 6000, "outputTags": {"to": "truck"}}],
        "entitlements": [{"name": "e", "subscribers": [ACCOUNT], "entitlementTags": {"for": "partner"}}],
    }));
    for (arn, want) in [
        (&flow["flowArn"], json!({"team": "live"})),
        (&flow["source"]["sourceArn"], json!({"site": "venue"})),
        (&flow["outputs"][0]["outputArn"], json!({"to": "truck"})),
        (
            &flow["entitlements"][0]["entitlementArn"],
            json!({"for": "partner"}),
        ),
    ] {
        let (status, v) = w.ok("GET", &tags_path(arn.as_str().unwrap()), None);
        assert_eq!((status, v), (200, json!({"tags": want})), "{arn}");
    }
}

#[test]
fn tag_and_untag_without_a_new_generation() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let source = w.describe(&arn)["flow"]["source"]["sourceArn"]
        .as_str()
        .unwrap()
        .to_owned();
    for resource in [&arn, &source] {
        let (status, _) = w.ok(
            "POST",
            &tags_path(resource),
            Some(json!({"tags": {"a": "1", "b": "2"}})),
        );
        assert_eq!(status, 204);
        w.ok(
            "POST",
            &tags_path(resource),
            Some(json!({"tags": {"b": "3"}})),
        );
        assert_eq!(
            w.ok("GET", &tags_path(resource), None).1,
            json!({"tags": {"a": "1", "b": "3"}})
        );
        let (status, _) = w.ok(
            "DELETE",
            &format!("{}?tagKeys=a&tagKeys=zzz", tags_path(resource)),
            None,
        );
        assert_eq!(status, 204);
        assert_eq!(
            w.ok("GET", &tags_path(resource), None).1,
            json!({"tags": {"b": "3"}})
        );
    }
    assert_eq!(w.record(&arn).generation, 1);
    // The flow's tags are not the source's.
    w.ok("DELETE", &format!("{}?tagKeys=b", tags_path(&source)), None);
    assert_eq!(
        w.ok("GET", &tags_path(&source), None).1,
        json!({"tags": {}})
    );
    assert_eq!(
        w.ok("GET", &tags_path(&arn), None).1,
        json!({"tags": {"b": "3"}})
    );
}

#[test]
fn tag_requests_are_checked() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let f = w.fails("POST", &tags_path(&arn), Some(json!({})));
    assert!(f.message.starts_with("tags: is required"), "{}", f.message);
    let f = w.fails(
        "POST",
        &tags_path(&arn),
        Some(json!({"tags": {"aws:x": "y"}})),
    );
    assert_error(&f, 400, "BadRequestException");
    let f = w.fails("POST", &tags_path(&arn), Some(json!({"tags": {"k": 1}})));
    assert!(f.message.starts_with("tags.k:"), "{}", f.message);
    let f = w.fails("DELETE", &tags_path(&arn), None);
    assert!(
        f.message.starts_with("tagKeys: is required"),
        "{}",
        f.message
    );
    let fifty: serde_json::Map<String, Value> =
        (0..50).map(|i| (format!("k{i}"), json!("v"))).collect();
    w.ok("POST", &tags_path(&arn), Some(json!({"tags": fifty})));
    let f = w.fails(
        "POST",
        &tags_path(&arn),
        Some(json!({"tags": {"one-more": "v"}})),
    );
    assert!(f.message.contains("at most 50"), "{}", f.message);
}

#[test]
fn tags_of_unknown_resources_are_not_found() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    for missing in [
        format!("{}:g", arn.rsplit_once(':').unwrap().0),
        format!("arn:aws:mediaconnect:{REGION}:{ACCOUNT}:output:1-none:o"),
        format!("arn:aws:mediaconnect:{REGION}:{ACCOUNT}:source:1-none:s"),
    ] {
        assert_error(
            &w.fails("GET", &tags_path(&missing), None),
            404,
            "NotFoundException",
        );
        let f = w.fails(
            "POST",
            &tags_path(&missing),
            Some(json!({"tags": {"a": "b"}})),
        );
        assert_error(&f, 404, "NotFoundException");
    }
    let f = w.fails(
        "GET",
        &tags_path(&format!(
            "arn:aws:mediaconnect:{REGION}:{ACCOUNT}:bridge:1-x:b"
        )),
        None,
    );
    assert_error(&f, 400, "BadRequestException");
}

#[test]
fn removing_a_resource_drops_its_tags() {
    let mut w = world();
    let flow = w.create(json!({"name": "f", "source": rtp_source("s", 5000),
                               "outputs": [{"name": "o", "protocol": "udp", "destination": "10.0.0.1", "port": 6000, "outputTags": {"a": "b"}}]}));
    let arn = flow["flowArn"].as_str().unwrap();
    let out = flow["outputs"][0]["outputArn"].as_str().unwrap();
    w.ok(
        "DELETE",
        &format!("{}/outputs/{}", flow_path(arn), label(out)),
        None,
    );
    assert!(w.record(arn).tags.is_empty());
    assert_error(
        &w.fails("GET", &tags_path(out), None),
        404,
        "NotFoundException",
    );
}
