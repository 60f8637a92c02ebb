//! Authentication, routing, the error shape, malformed bodies, store failure.

use super::*;

#[test]
fn anonymous_callers_are_forbidden() {
    let mut w = world();
    let f = decode(&w.raw("GET", "/channels", b"", Ok(Identity::Anonymous))).unwrap_err();
    assert_error(&f, 403, "ForbiddenException");
    assert!(
        f.message.contains("signed") && f.message.contains("mediapackage"),
        "{}",
        f.message
    );
    assert!(w.store.channels.is_empty());
    let f = decode(&w.raw(
        "POST",
        "/channels",
        br#"{"id":"x"}"#,
        Ok(Identity::Anonymous),
    ))
    .unwrap_err();
    assert_error(&f, 403, "ForbiddenException");
    assert!(w.store.channels.is_empty());
}

#[test]
fn signature_problems_keep_their_own_codes() {
    let mut w = world();
    let cases = [
        (AuthError::MissingAuthentication, 403, "ForbiddenException"),
        (
            AuthError::UnknownAccessKey("AKIA".into()),
            403,
            "UnrecognizedClientException",
        ),
        (
            AuthError::BadSignature("mismatch".into()),
            403,
            "InvalidSignatureException",
        ),
        (AuthError::Expired, 403, "ForbiddenException"),
        (AuthError::Denied("no".into()), 403, "ForbiddenException"),
        (
            AuthError::Internal("kv down".into()),
            503,
            "ServiceUnavailableException",
        ),
    ];
    for (e, status, code) in cases {
        let f = decode(&w.raw("GET", "/channels", b"", Err(e))).unwrap_err();
        assert_error(&f, status, code);
    }
}

#[test]
fn any_signed_user_may_call_every_operation() {
    let mut w = world();
    let user = Identity::User {
        arn: format!("arn:aws:iam::{ACCOUNT}:user/encoder"),
    };
    let reply = w.raw("POST", "/channels", br#"{"id": "c"}"#, Ok(user.clone()));
    assert_eq!(decode(&reply).unwrap().0, 200);
    let reply = w.raw("GET", "/channels", b"", Ok(user));
    assert_eq!(
        decode(&reply).unwrap().1["channels"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn unknown_paths_and_methods_are_not_found() {
    let mut w = world();
    for (method, path) in [
        ("PATCH", "/channels"),
        ("GET", "/channels/c/nope"),
        ("POST", "/origin_endpoints/e"),
        ("PUT", "/tags/x"),
    ] {
        let f = w.fails(method, path, None);
        assert_error(&f, 404, "NotFoundException");
        assert!(f.message.contains(path), "{}", f.message);
    }
}

#[test]
fn malformed_bodies_are_unprocessable() {
    let mut w = world();
    for body in [&b"{"[..], b"[]", b"\"id\"", b"\xff"] {
        let f = decode(&w.raw("POST", "/channels", body, Ok(Identity::Root))).unwrap_err();
        assert_error(&f, 422, "UnprocessableEntityException");
    }
    // An empty body is `{}`: the id is missing.
    let f = decode(&w.raw("POST", "/channels", b"", Ok(Identity::Root))).unwrap_err();
    assert!(f.message.starts_with("id: is required"), "{}", f.message);
}

#[test]
fn unknown_members_are_ignored_as_aws_does() {
    let mut w = world();
    let (_, c) = w.ok(
        "POST",
        "/channels",
        Some(json!({"id": "c", "futureMember": 1})),
    );
    assert!(c.get("futureMember").is_none());
}

#[test]
fn a_store_failure_is_service_unavailable() {
    let mut w = world();
    w.channel("c");
    w.store.store_fails = true;
    for (method, path) in [
        ("GET", "/channels"),
        ("GET", "/channels/c"),
        ("POST", "/channels"),
        ("DELETE", "/origin_endpoints/e"),
    ] {
        let body = (method == "POST").then(|| json!({"id": "d"}));
        let f = w.fails(method, path, body);
        assert_error(&f, 503, "ServiceUnavailableException");
    }
}

#[test]
fn successes_have_the_model_status_and_json() {
    let mut w = world();
    let reply = w.raw("POST", "/channels", br#"{"id":"c"}"#, Ok(Identity::Root));
    assert_eq!(reply.status, 200);
    assert_eq!(header(&reply, "content-type"), Some("application/json"));
    let arn = format!("arn:aws:mediapackage:{REGION}:{ACCOUNT}:channels/c");
    let reply = w.raw(
        "POST",
        &tags_path(&arn),
        br#"{"tags":{"a":"b"}}"#,
        Ok(Identity::Root),
    );
    assert_eq!((reply.status, reply.body.len()), (204, 0));
    let reply = w.raw("DELETE", "/channels/c", b"", Ok(Identity::Root));
    assert_eq!((reply.status, reply.body.as_slice()), (202, &b"{}"[..]));
}
