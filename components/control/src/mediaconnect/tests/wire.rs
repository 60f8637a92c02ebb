//! Authentication, routing, the error shape, malformed bodies, store failure.

use super::*;

#[test]
fn anonymous_callers_are_forbidden() {
    let mut w = world();
    let reply = w.raw("GET", "/v1/flows", b"", Ok(Identity::Anonymous));
    let f = decode(&reply).unwrap_err();
    assert_error(&f, 403, "ForbiddenException");
    assert!(f.message.contains("signed"), "{}", f.message);
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
        (
            AuthError::Internal("kv down".into()),
            503,
            "ServiceUnavailableException",
        ),
    ];
    for (e, status, code) in cases {
        let f = decode(&w.raw("GET", "/v1/flows", b"", Err(e))).unwrap_err();
        assert_error(&f, status, code);
    }
}

#[test]
fn any_signed_user_may_call_every_operation() {
    let mut w = world();
    let user = Identity::User {
        arn: format!("arn:aws:iam::{ACCOUNT}:user/encoder"),
    };
    let body = json!({"name": "f", "source": rtp_source("s", 5000)}).to_string();
    let reply = w.raw("POST", "/v1/flows", body.as_bytes(), Ok(user.clone()));
    assert_eq!(decode(&reply).unwrap().0, 201);
    let reply = w.raw("GET", "/v1/flows", b"", Ok(user));
    assert_eq!(
        decode(&reply).unwrap().1["flows"].as_array().unwrap().len(),
        1
    );
}

#[test]
fn errors_carry_the_code_in_the_header_and_a_message_body() {
    let mut w = world();
    let arn = format!("arn:aws:mediaconnect:{REGION}:{ACCOUNT}:flow:1-nope:f");
    let reply = w.raw("GET", &flow_path(&arn), b"", Ok(Identity::Root));
    assert_eq!(reply.status, 404);
    assert_eq!(
        header(&reply, "x-amzn-errortype"),
        Some("NotFoundException")
    );
    let body: Value = serde_json::from_slice(&reply.body).unwrap();
    assert!(body["message"].as_str().unwrap().contains(&arn));
}

#[test]
fn unknown_paths_and_methods_are_not_found() {
    let mut w = world();
    assert_error(
        &w.fails("PATCH", "/v1/flows", None),
        404,
        "NotFoundException",
    );
    assert_error(
        &w.fails("GET", "/v1/flows/x/y", None),
        404,
        "NotFoundException",
    );
}

#[test]
fn operations_on_features_not_run_here_are_bad_requests() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let f = w.fails(
        "POST",
        &format!("{}/vpcInterfaces", flow_path(&arn)),
        Some(json!({})),
    );
    assert_error(&f, 400, "BadRequestException");
}

#[test]
fn malformed_json_and_wrong_types_are_bad_requests_naming_the_member() {
    let mut w = world();
    let reply = w.raw("POST", "/v1/flows", b"{\"name\": ", Ok(Identity::Root));
    let f = decode(&reply).unwrap_err();
    assert_error(&f, 400, "BadRequestException");
    assert!(f.message.contains("not valid JSON"), "{}", f.message);
    for (body, member) in [
        (json!({"name": 5}), "name"),
        (json!({"name": "f", "source": "s"}), "source"),
        (
            json!({"name": "f", "source": {"name": "s", "protocol": "rtp", "ingestPort": "5000"}}),
            "source.ingestPort",
        ),
        (
            json!({"name": "f", "source": rtp_source("s", 5000), "sourceFailoverConfig": {"state": "ON"}}),
            "sourceFailoverConfig.state",
        ),
        (
            json!({"name": "f", "source": rtp_source("s", 5000), "outputs": [{"name": "o", "protocol": "udp", "destination": "10.0.0.1", "port": 70000}]}),
            "outputs[0].port",
        ),
    ] {
        let f = w.fails("POST", "/v1/flows", Some(body));
        assert_error(&f, 400, "BadRequestException");
        assert!(
            f.message.starts_with(&format!("{member}:")),
            "{member}: {}",
            f.message
        );
    }
}

#[test]
fn a_store_that_cannot_be_reached_is_service_unavailable() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    w.store.store_fails = true;
    assert_error(
        &w.fails("GET", &flow_path(&arn), None),
        503,
        "ServiceUnavailableException",
    );
    assert_error(
        &w.fails("GET", "/v1/flows", None),
        503,
        "ServiceUnavailableException",
    );
    let f = w.fails(
        "POST",
        "/v1/flows",
        Some(json!({"name": "g", "source": rtp_source("s", 5001)})),
    );
    assert_error(&f, 503, "ServiceUnavailableException");
}

#[test]
fn success_statuses_follow_the_model() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let p = flow_path(&arn);
    assert_eq!(w.ok("GET", &p, None).0, 200);
    assert_eq!(w.ok("PUT", &p, Some(json!({}))).0, 202);
    assert_eq!(
        w.ok(
            "POST",
            &format!("{p}/outputs"),
            Some(json!({"outputs": [output("o", 6000)]}))
        )
        .0,
        201
    );
    let (status, v) = w.ok(
        "POST",
        &format!("{p}/entitlements"),
        Some(json!({"entitlements": [{"name": "e", "subscribers": [ACCOUNT]}]})),
    );
    assert_eq!(status, 200);
    assert!(v["entitlements"].is_array());
    let (status, v) = w.ok(
        "POST",
        &format!("/tags/{}", label(&arn)),
        Some(json!({"tags": {"a": "b"}})),
    );
    assert_eq!((status, v), (204, Value::Null));
    assert_eq!(
        w.ok("POST", &format!("/v1/flows/start/{}", label(&arn)), None)
            .0,
        202
    );
}
