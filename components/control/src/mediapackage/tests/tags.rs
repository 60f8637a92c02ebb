//! ListTagsForResource, TagResource and UntagResource on both kinds of ARN.

use super::*;

fn channel_arn(id: &str) -> String {
    format!("arn:aws:mediapackage:{REGION}:{ACCOUNT}:channels/{id}")
}

fn endpoint_arn(id: &str) -> String {
    format!("arn:aws:mediapackage:{REGION}:{ACCOUNT}:origin_endpoints/{id}")
}

#[test]
fn tags_are_added_listed_and_removed_on_channels_and_endpoints() {
    let mut w = world();
    w.channel("c");
    w.endpoint("e", "c", json!({"tags": {"keep": "1"}}));
    for arn in [channel_arn("c"), endpoint_arn("e")] {
        let path = tags_path(&arn);
        let (status, body) = w.ok("POST", &path, Some(json!({"tags": {"a": "1", "b": "2"}})));
        assert_eq!((status, body), (204, Value::Null));
        w.ok("POST", &path, Some(json!({"tags": {"b": "3"}})));
        let (status, listed) = w.ok("GET", &path, None);
        assert_eq!(status, 200);
        assert_eq!(listed["tags"]["a"], "1");
        assert_eq!(listed["tags"]["b"], "3");
        let (status, _) = w.ok("DELETE", &format!("{path}?tagKeys=a&tagKeys=zz"), None);
        assert_eq!(status, 204);
        assert!(w.ok("GET", &path, None).1["tags"].get("a").is_none());
    }
    assert_eq!(
        w.ok("GET", &tags_path(&endpoint_arn("e")), None).1,
        json!({"tags": {"b": "3", "keep": "1"}})
    );
    // The resource itself reports them.
    assert_eq!(
        w.ok("GET", "/channels/c", None).1["tags"],
        json!({"b": "3"})
    );
    assert_eq!(
        w.ok("GET", "/origin_endpoints/e", None).1["tags"],
        json!({"b": "3", "keep": "1"})
    );
    // A resource without tags lists an empty map.
    w.channel("bare");
    assert_eq!(
        w.ok("GET", &tags_path(&channel_arn("bare")), None).1,
        json!({"tags": {}})
    );
}

#[test]
fn unknown_resources_are_not_found_and_other_arns_unprocessable() {
    let mut w = world();
    w.channel("c");
    for arn in [
        channel_arn("ghost"),
        endpoint_arn("ghost"),
        // The right id in another account names nothing here.
        "arn:aws:mediapackage:us-east-1:999999999999:channels/c".to_owned(),
    ] {
        let path = tags_path(&arn);
        assert_error(&w.fails("GET", &path, None), 404, "NotFoundException");
        assert_error(
            &w.fails("POST", &path, Some(json!({"tags": {"a": "b"}}))),
            404,
            "NotFoundException",
        );
    }
    let f = w.fails(
        "GET",
        &tags_path("arn:aws:mediapackage:us-east-1:1:harvest_jobs/h"),
        None,
    );
    assert_error(&f, 422, "UnprocessableEntityException");
    assert!(f.message.starts_with("resource-arn"), "{}", f.message);
}

#[test]
fn bad_tag_requests_name_the_member() {
    let mut w = world();
    w.channel("c");
    let path = tags_path(&channel_arn("c"));
    for (body, member) in [
        (json!({}), "tags"),
        (json!({"tags": {"aws:x": "1"}}), "tags"),
        (json!({"tags": {"k": 1}}), "tags.k"),
    ] {
        let f = w.fails("POST", &path, Some(body));
        assert_error(&f, 422, "UnprocessableEntityException");
        assert!(f.message.starts_with(member), "{}", f.message);
    }
    let f = w.fails("DELETE", &path, None);
    assert!(f.message.starts_with("tagKeys"), "{}", f.message);
    // 50 tags at most, counting those already there.
    let many: serde_json::Map<String, Value> =
        (0..50).map(|i| (format!("k{i}"), json!("v"))).collect();
    w.ok("POST", &path, Some(json!({"tags": many})));
    let f = w.fails("POST", &path, Some(json!({"tags": {"one": "more"}})));
    assert_error(&f, 422, "UnprocessableEntityException");
}
