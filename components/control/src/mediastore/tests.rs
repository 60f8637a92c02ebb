//! Every operation, validation and error code, through [`serve`] as the
//! component calls it, against the in-memory doubles.

use serde_json::{Value, json};
use tributary_guest::auth::{AuthError, Identity};
use tributary_mediastore::{ContainerStatus, MAX_CONTAINERS};

use super::*;
use crate::memory::{IamPlug, Memory};

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "111122223333";
const NOW_MS: u64 = 1_763_000_000_123;
const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

struct World {
    store: Memory,
    plug: IamPlug,
    settings: Settings,
    now_ms: u64,
}

/// A failed call, checked for the wire shape every error must have.
#[derive(Debug)]
struct Failure {
    status: u16,
    code: String,
    message: String,
}

fn world() -> World {
    World {
        store: Memory::default(),
        plug: IamPlug {
            account: ACCOUNT.into(),
        },
        settings: Settings {
            region: REGION.into(),
            account: ACCOUNT.into(),
            endpoint: "http://media.example:8080/".into(),
        },
        now_ms: NOW_MS,
    }
}

fn arn(name: &str) -> String {
    format!("arn:aws:mediastore:{REGION}:{ACCOUNT}:container/{name}")
}

fn alice() -> Identity {
    Identity::User { arn: ALICE.into() }
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply
        .headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

impl World {
    fn raw(
        &mut self,
        method: &str,
        target: Option<&str>,
        body: &[u8],
        auth: Result<Identity, AuthError>,
    ) -> Reply {
        let call = Call {
            method,
            target,
            body,
            now_ms: self.now_ms,
        };
        serve(&call, auth, &self.settings, &mut self.store, &self.plug)
    }

    fn call_as(&mut self, identity: Identity, op: &str, body: &Value) -> Result<Value, Failure> {
        let target = format!("{TARGET_PREFIX}{op}");
        let reply = self.raw(
            "POST",
            Some(&target),
            body.to_string().as_bytes(),
            Ok(identity),
        );
        decode(&reply)
    }

    fn call(&mut self, op: &str, body: Value) -> Result<Value, Failure> {
        self.call_as(Identity::Root, op, &body)
    }

    fn ok(&mut self, op: &str, body: Value) -> Value {
        self.call(op, body)
            .unwrap_or_else(|f| panic!("{op} failed: {f:?}"))
    }

    fn fails(&mut self, op: &str, body: Value) -> Failure {
        match self.call(op, body) {
            Ok(v) => panic!("{op} succeeded with {v}"),
            Err(f) => f,
        }
    }

    fn create(&mut self, name: &str) -> Value {
        self.ok("CreateContainer", json!({ "ContainerName": name }))
    }
}

/// A reply's JSON on 200, or its error after checking the error's wire shape:
/// code in `__type` and in `x-amzn-errortype`, JSON 1.1 content type.
fn decode(reply: &Reply) -> Result<Value, Failure> {
    assert_eq!(header(reply, "content-type"), Some(CONTENT_TYPE));
    let body: Value = serde_json::from_slice(&reply.body).expect("every reply is JSON");
    if reply.status == 200 {
        assert!(header(reply, "x-amzn-errortype").is_none());
        return Ok(body);
    }
    let code = body["__type"]
        .as_str()
        .expect("errors carry __type")
        .to_owned();
    assert_eq!(header(reply, "x-amzn-errortype"), Some(code.as_str()));
    let message = body["Message"]
        .as_str()
        .expect("errors carry Message")
        .to_owned();
    Err(Failure {
        status: reply.status,
        code,
        message,
    })
}

#[track_caller]
fn assert_error(f: &Failure, status: u16, code: &str) {
    assert_eq!((f.status, f.code.as_str()), (status, code), "{}", f.message);
}

// ---------------------------------------------------------------- the wire

#[test]
fn every_operation_is_reachable_through_its_target() {
    let mut w = world();
    for op in Operation::ALL {
        let target = format!("{TARGET_PREFIX}{}", op.name());
        assert_eq!(Operation::from_target(Some(&target)), Ok(op));
        // With no members, each either succeeds or names what is missing.
        match w.call(op.name(), json!({})) {
            Ok(_) => assert_eq!(op, Operation::ListContainers),
            Err(f) => assert_error(&f, 400, "ValidationException"),
        }
    }
}

#[test]
fn a_successful_call_is_200_with_a_json_1_1_body_and_empty_outputs_are_an_empty_object() {
    let mut w = world();
    w.create("live");
    let reply = w.raw(
        "POST",
        Some("MediaStore_20170901.StartAccessLogging"),
        br#"{"ContainerName":"live"}"#,
        Ok(Identity::Root),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(
        header(&reply, "content-type"),
        Some("application/x-amz-json-1.1")
    );
    assert_eq!(reply.body, b"{}");
}

#[test]
fn errors_carry_their_code_in_the_header_and_the_body() {
    let mut w = world();
    let reply = w.raw(
        "POST",
        Some("MediaStore_20170901.DescribeContainer"),
        br#"{"ContainerName":"nope"}"#,
        Ok(Identity::Root),
    );
    assert_eq!(reply.status, 400);
    assert_eq!(
        header(&reply, "x-amzn-errortype"),
        Some("ContainerNotFoundException")
    );
    assert_eq!(
        header(&reply, "content-type"),
        Some("application/x-amz-json-1.1")
    );
    let body: Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(body["__type"], "ContainerNotFoundException");
    assert!(body["Message"].as_str().unwrap().contains("nope"));
}

#[test]
fn an_unknown_operation_is_refused() {
    let mut w = world();
    let f = w.fails("CreateBucket", json!({}));
    assert_error(&f, 400, "UnknownOperationException");
    assert!(f.message.contains("CreateBucket"));
}

#[test]
fn a_target_of_another_service_is_an_unknown_operation() {
    let mut w = world();
    let reply = w.raw(
        "POST",
        Some("DynamoDB_20120810.ListTables"),
        b"{}",
        Ok(Identity::Root),
    );
    assert_error(
        &decode(&reply).unwrap_err(),
        400,
        "UnknownOperationException",
    );
    let reply = w.raw(
        "POST",
        Some("MediaStore_20170901."),
        b"{}",
        Ok(Identity::Root),
    );
    assert_error(
        &decode(&reply).unwrap_err(),
        400,
        "UnknownOperationException",
    );
}

#[test]
fn a_missing_target_is_an_unknown_operation() {
    let mut w = world();
    let reply = w.raw("POST", None, b"{}", Ok(Identity::Root));
    let f = decode(&reply).unwrap_err();
    assert_error(&f, 400, "UnknownOperationException");
    assert!(f.message.contains("X-Amz-Target"));
}

#[test]
fn methods_other_than_post_are_not_allowed() {
    let mut w = world();
    for method in ["GET", "PUT", "DELETE", "HEAD", "OPTIONS"] {
        let reply = w.raw(
            method,
            Some("MediaStore_20170901.ListContainers"),
            b"",
            Ok(Identity::Root),
        );
        assert_error(
            &decode(&reply).unwrap_err(),
            405,
            "MethodNotAllowedException",
        );
    }
}

#[test]
fn a_body_that_is_not_json_is_a_serialization_error() {
    let mut w = world();
    for body in [
        &b"{\"ContainerName\": "[..],
        b"<xml/>",
        b"[1,2]",
        b"\xff\xfe",
    ] {
        let reply = w.raw(
            "POST",
            Some("MediaStore_20170901.CreateContainer"),
            body,
            Ok(Identity::Root),
        );
        assert_error(&decode(&reply).unwrap_err(), 400, "SerializationException");
    }
    assert!(w.store.records.is_empty());
}

#[test]
fn an_empty_body_reads_as_an_empty_object() {
    let mut w = world();
    let reply = w.raw(
        "POST",
        Some("MediaStore_20170901.ListContainers"),
        b"",
        Ok(Identity::Root),
    );
    assert_eq!(decode(&reply).unwrap(), json!({ "Containers": [] }));
}

#[test]
fn unknown_members_are_ignored() {
    let mut w = world();
    w.ok(
        "CreateContainer",
        json!({ "ContainerName": "live", "SomethingNew": [1, 2] }),
    );
    assert!(w.store.records.contains_key("live"));
}

#[test]
fn no_input_makes_any_operation_panic() {
    let mut w = world();
    w.create("live");
    let bodies: Vec<Vec<u8>> = vec![
        b"{}".to_vec(),
        b"null".to_vec(),
        br#"{"ContainerName": ["live"]}"#.to_vec(),
        br#"{"ContainerName": "live", "Policy": {}, "CorsPolicy": {}, "LifecyclePolicy": 1, "MetricPolicy": "x"}"#
            .to_vec(),
        br#"{"ContainerName": "live", "CorsPolicy": [null, 1, "x", []], "MetricPolicy": {"MetricPolicyRules": 3}}"#
            .to_vec(),
        br#"{"Resource": 7, "Tags": [null], "TagKeys": [1], "MaxResults": 1e400, "NextToken": {}}"#.to_vec(),
        br#"{"Resource": "arn:aws:mediastore:us-east-1:111122223333:container/", "Tags": [{"Key": null}]}"#
            .to_vec(),
        br#"{"ContainerName": "\u0000", "MaxResults": -9223372036854775809}"#.to_vec(),
        format!("{}{}", "[".repeat(200), "]".repeat(200)).into_bytes(),
        vec![0xC3, 0x28],
    ];
    for op in Operation::ALL {
        let target = format!("{TARGET_PREFIX}{}", op.name());
        for body in &bodies {
            for identity in [Identity::Root, alice()] {
                let reply = w.raw("POST", Some(&target), body, Ok(identity));
                assert!((200..600).contains(&reply.status));
                if reply.status != 200 {
                    decode(&reply).unwrap_err();
                }
            }
        }
    }
}

// ------------------------------------------------ authentication, authorization

#[test]
fn an_unsigned_call_is_refused_with_missing_authentication_token() {
    let mut w = world();
    let f = w
        .call_as(Identity::Anonymous, "ListContainers", &json!({}))
        .unwrap_err();
    assert_error(&f, 403, "MissingAuthenticationTokenException");
    let f = w
        .call_as(
            Identity::Anonymous,
            "CreateContainer",
            &json!({ "ContainerName": "x" }),
        )
        .unwrap_err();
    assert_error(&f, 403, "MissingAuthenticationTokenException");
    assert!(w.store.records.is_empty());
}

#[test]
fn authentication_failures_map_to_the_services_codes() {
    let cases = [
        (
            AuthError::MissingAuthentication,
            403,
            "MissingAuthenticationTokenException",
        ),
        (
            AuthError::UnknownAccessKey("AKIDX".into()),
            403,
            "UnrecognizedClientException",
        ),
        (
            AuthError::BadSignature("Signature mismatch".into()),
            403,
            "InvalidSignatureException",
        ),
        (AuthError::Expired, 403, "RequestExpired"),
        (AuthError::Denied("no".into()), 403, "AccessDeniedException"),
        (
            AuthError::Internal("kv down".into()),
            500,
            "InternalServerError",
        ),
    ];
    let mut w = world();
    for (error, status, code) in cases {
        let reply = w.raw(
            "POST",
            Some("MediaStore_20170901.ListContainers"),
            b"{}",
            Err(error),
        );
        assert_error(&decode(&reply).unwrap_err(), status, code);
    }
}

#[test]
fn an_unknown_access_key_gets_the_aws_message() {
    let mut w = world();
    let reply = w.raw(
        "POST",
        Some("MediaStore_20170901.ListContainers"),
        b"{}",
        Err(AuthError::UnknownAccessKey("K".into())),
    );
    let f = decode(&reply).unwrap_err();
    assert_eq!(
        f.message,
        "The security token included in the request is invalid."
    );
}

#[test]
fn a_bad_signature_keeps_the_verifiers_explanation() {
    let mut w = world();
    let why = "The request signature we calculated does not match the signature you provided.";
    let reply = w.raw(
        "POST",
        Some("MediaStore_20170901.ListContainers"),
        b"{}",
        Err(AuthError::BadSignature(why.into())),
    );
    assert_eq!(decode(&reply).unwrap_err().message, why);
}

fn allow_alice(actions: &[&str], resource: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "AWS": ALICE },
            "Action": actions,
            "Resource": resource,
        }]
    })
    .to_string()
}

#[test]
fn a_user_is_denied_a_container_without_a_policy() {
    let mut w = world();
    w.create("live");
    let f = w
        .call_as(
            alice(),
            "DescribeContainer",
            &json!({ "ContainerName": "live" }),
        )
        .unwrap_err();
    assert_error(&f, 403, "AccessDeniedException");
    assert_eq!(
        f.message,
        format!(
            "User: {ALICE} is not authorized to perform: mediastore:DescribeContainer on resource: {}",
            arn("live")
        )
    );
}

#[test]
fn a_user_may_do_what_the_container_policy_grants_and_nothing_else() {
    let mut w = world();
    w.create("live");
    let policy = allow_alice(
        &["mediastore:DescribeContainer", "mediastore:PutCorsPolicy"],
        &arn("live"),
    );
    w.ok(
        "PutContainerPolicy",
        json!({ "ContainerName": "live", "Policy": policy }),
    );

    let v = w
        .call_as(
            alice(),
            "DescribeContainer",
            &json!({ "ContainerName": "live" }),
        )
        .unwrap();
    assert_eq!(v["Container"]["Name"], "live");
    let cors = json!([{ "AllowedOrigins": ["*"], "AllowedHeaders": ["*"] }]);
    w.call_as(
        alice(),
        "PutCorsPolicy",
        &json!({ "ContainerName": "live", "CorsPolicy": cors }),
    )
    .unwrap();

    for (op, body) in [
        ("GetCorsPolicy", json!({ "ContainerName": "live" })),
        ("DeleteContainer", json!({ "ContainerName": "live" })),
        ("DeleteContainerPolicy", json!({ "ContainerName": "live" })),
        ("StartAccessLogging", json!({ "ContainerName": "live" })),
        ("ListTagsForResource", json!({ "Resource": arn("live") })),
    ] {
        let f = w.call_as(alice(), op, &body).unwrap_err();
        assert_error(&f, 403, "AccessDeniedException");
        assert!(
            f.message.contains(&format!("mediastore:{op}")),
            "{}",
            f.message
        );
    }
    assert!(w.store.records["live"].policy.is_some());
    assert!(!w.store.records["live"].access_logging);
}

#[test]
fn a_policy_granting_a_wildcard_action_lets_a_user_tag_by_arn() {
    let mut w = world();
    w.create("live");
    w.ok(
        "PutContainerPolicy",
        json!({ "ContainerName": "live", "Policy": allow_alice(&["mediastore:*"], &arn("live")) }),
    );
    let tags = json!([{ "Key": "team", "Value": "video" }]);
    w.call_as(
        alice(),
        "TagResource",
        &json!({ "Resource": arn("live"), "Tags": tags }),
    )
    .unwrap();
    let v = w
        .call_as(
            alice(),
            "ListTagsForResource",
            &json!({ "Resource": arn("live") }),
        )
        .unwrap();
    assert_eq!(v["Tags"], tags);
}

#[test]
fn an_explicit_deny_wins_over_an_allow() {
    let mut w = world();
    w.create("live");
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Effect": "Allow", "Principal": { "AWS": ALICE }, "Action": "mediastore:*", "Resource": arn("live") },
            { "Effect": "Deny", "Principal": "*", "Action": "mediastore:DeleteContainer", "Resource": arn("live") },
        ]
    });
    w.ok(
        "PutContainerPolicy",
        json!({ "ContainerName": "live", "Policy": policy.to_string() }),
    );
    let f = w
        .call_as(
            alice(),
            "DeleteContainer",
            &json!({ "ContainerName": "live" }),
        )
        .unwrap_err();
    assert_error(&f, 403, "AccessDeniedException");
    assert!(w.store.records.contains_key("live"));
}

#[test]
fn a_user_is_denied_a_container_that_does_not_exist_rather_than_told_it_is_missing() {
    let mut w = world();
    for (op, body) in [
        ("DescribeContainer", json!({ "ContainerName": "ghost" })),
        (
            "PutCorsPolicy",
            json!({ "ContainerName": "ghost", "CorsPolicy": [{ "AllowedOrigins": ["*"], "AllowedHeaders": [] }] }),
        ),
        ("DeleteContainer", json!({ "ContainerName": "ghost" })),
        ("ListTagsForResource", json!({ "Resource": arn("ghost") })),
        (
            "TagResource",
            json!({ "Resource": "arn:aws:mediastore:eu-west-1:999999999999:container/x", "Tags": [{ "Key": "a" }] }),
        ),
    ] {
        let f = w.call_as(alice(), op, &body).unwrap_err();
        assert_error(&f, 403, "AccessDeniedException");
    }
}

#[test]
fn only_the_root_key_may_create_or_list_containers() {
    let mut w = world();
    let f = w
        .call_as(
            alice(),
            "CreateContainer",
            &json!({ "ContainerName": "mine" }),
        )
        .unwrap_err();
    assert_error(&f, 403, "AccessDeniedException");
    assert!(f.message.contains("mediastore:CreateContainer"));
    assert!(w.store.records.is_empty());
    let f = w
        .call_as(alice(), "ListContainers", &json!({}))
        .unwrap_err();
    assert_error(&f, 403, "AccessDeniedException");
}

#[test]
fn a_user_cannot_create_over_an_existing_container_whose_policy_grants_everything() {
    let mut w = world();
    w.create("live");
    w.ok(
        "PutContainerPolicy",
        json!({ "ContainerName": "live", "Policy": allow_alice(&["mediastore:*"], "*") }),
    );
    let f = w
        .call_as(
            alice(),
            "CreateContainer",
            &json!({ "ContainerName": "live" }),
        )
        .unwrap_err();
    assert_error(&f, 403, "AccessDeniedException");
}

#[test]
fn validation_comes_before_authorization() {
    let mut w = world();
    let f = w
        .call_as(
            alice(),
            "DescribeContainer",
            &json!({ "ContainerName": "bad name" }),
        )
        .unwrap_err();
    assert_error(&f, 400, "ValidationException");
}

// ------------------------------------------------------------- CreateContainer

#[test]
fn create_container_returns_an_active_container_with_its_endpoint_and_arn() {
    let mut w = world();
    let v = w.create("live-1_a");
    let c = &v["Container"];
    assert_eq!(c["Name"], "live-1_a");
    assert_eq!(c["ARN"], arn("live-1_a"));
    assert_eq!(c["Endpoint"], "http://media.example:8080/store/live-1_a");
    assert_eq!(c["Status"], "ACTIVE");
    assert_eq!(c["AccessLoggingEnabled"], false);
    assert_eq!(c["CreationTime"].as_f64(), Some(1_763_000_000.123));
    assert_eq!(v.as_object().unwrap().len(), 1);
    let stored = &w.store.records["live-1_a"];
    assert_eq!(stored.status, ContainerStatus::Active);
    assert_eq!(stored.wire(), *c);
}

#[test]
fn creating_a_container_that_exists_is_container_in_use() {
    let mut w = world();
    w.create("live");
    w.ok("StartAccessLogging", json!({ "ContainerName": "live" }));
    let f = w.fails("CreateContainer", json!({ "ContainerName": "live" }));
    assert_error(&f, 400, "ContainerInUseException");
    assert!(
        w.store.records["live"].access_logging,
        "the existing container is untouched"
    );
}

#[test]
fn creating_more_containers_than_the_quota_is_limit_exceeded() {
    let mut w = world();
    for i in 0..MAX_CONTAINERS {
        w.create(&format!("c{i:03}"));
    }
    let f = w.fails(
        "CreateContainer",
        json!({ "ContainerName": "one-too-many" }),
    );
    assert_error(&f, 400, "LimitExceededException");
    assert_eq!(w.store.records.len(), MAX_CONTAINERS);
    // Re-creating an existing name is still reported as in use.
    assert_error(
        &w.fails("CreateContainer", json!({ "ContainerName": "c000" })),
        400,
        "ContainerInUseException",
    );
}

#[test]
fn container_names_outside_the_model_pattern_are_validation_errors() {
    let mut w = world();
    for name in [
        json!(""),
        json!("has space"),
        json!("dot.name"),
        json!("slash/name"),
        json!("é"),
        json!("a".repeat(256)),
    ] {
        let f = w.fails("CreateContainer", json!({ "ContainerName": name }));
        assert_error(&f, 400, "ValidationException");
        assert!(f.message.contains("'ContainerName'"), "{}", f.message);
    }
    w.create(&"a".repeat(255));
}

#[test]
fn a_missing_or_mistyped_container_name_is_named_in_the_error() {
    let mut w = world();
    for body in [
        json!({}),
        json!({ "ContainerName": null }),
        json!({ "ContainerName": 42 }),
        json!({ "containerName": "x" }),
    ] {
        let f = w.fails("CreateContainer", body);
        assert_error(&f, 400, "ValidationException");
        assert!(f.message.contains("'ContainerName'"), "{}", f.message);
    }
}

#[test]
fn tags_given_at_creation_are_kept() {
    let mut w = world();
    let tags = json!([{ "Key": "env", "Value": "prod" }, { "Key": "empty", "Value": "" }, { "Key": "novalue" }]);
    w.ok(
        "CreateContainer",
        json!({ "ContainerName": "live", "Tags": tags }),
    );
    assert_eq!(
        w.ok("ListTagsForResource", json!({ "Resource": arn("live") }))["Tags"],
        tags
    );
}

#[test]
fn creating_with_more_than_fifty_tags_is_limit_exceeded() {
    let mut w = world();
    let tags: Vec<Value> = (0..51)
        .map(|i| json!({ "Key": format!("k{i}"), "Value": "v" }))
        .collect();
    let f = w.fails(
        "CreateContainer",
        json!({ "ContainerName": "live", "Tags": tags }),
    );
    assert_error(&f, 400, "LimitExceededException");
    assert!(w.store.records.is_empty());
}

#[test]
fn creating_with_invalid_tags_is_a_validation_error() {
    let mut w = world();
    let f = w.fails(
        "CreateContainer",
        json!({ "ContainerName": "live", "Tags": [] }),
    );
    assert_error(&f, 400, "ValidationException");
    let f = w.fails(
        "CreateContainer",
        json!({ "ContainerName": "live", "Tags": [{ "Value": "v" }] }),
    );
    assert!(f.message.contains("'Tags[0].Key'"), "{}", f.message);
    assert!(w.store.records.is_empty());
}

#[test]
fn a_failing_store_is_an_internal_server_error() {
    let mut w = world();
    w.store.store_fails = true;
    let f = w.fails("CreateContainer", json!({ "ContainerName": "live" }));
    assert_error(&f, 500, "InternalServerError");
    assert_error(
        &w.fails("ListContainers", json!({})),
        500,
        "InternalServerError",
    );
}

// ----------------------------------------------------------- DescribeContainer

#[test]
fn describe_container_returns_the_container_as_created() {
    let mut w = world();
    let created = w.create("live");
    let v = w.ok("DescribeContainer", json!({ "ContainerName": "live" }));
    assert_eq!(v, created);
}

#[test]
fn describing_a_container_that_does_not_exist_is_container_not_found() {
    let mut w = world();
    let f = w.fails("DescribeContainer", json!({ "ContainerName": "ghost" }));
    assert_error(&f, 400, "ContainerNotFoundException");
}

#[test]
fn describe_container_shows_a_container_being_deleted() {
    let mut w = world();
    w.create("live");
    w.store.records.get_mut("live").unwrap().status = ContainerStatus::Deleting;
    let v = w.ok("DescribeContainer", json!({ "ContainerName": "live" }));
    assert_eq!(v["Container"]["Status"], "DELETING");
}

// -------------------------------------------------------------- ListContainers

#[test]
fn list_containers_lists_every_container_in_name_order() {
    let mut w = world();
    for name in ["zeta", "alpha", "Mid", "beta"] {
        w.create(name);
    }
    let v = w.ok("ListContainers", json!({}));
    let names: Vec<&str> = v["Containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Mid", "alpha", "beta", "zeta"]);
    assert!(v.get("NextToken").is_none());
    assert_eq!(
        v["Containers"][1],
        w.ok("DescribeContainer", json!({ "ContainerName": "alpha" }))["Container"]
    );
}

#[test]
fn list_containers_pages_with_max_results_and_next_token() {
    let mut w = world();
    for i in 0..5 {
        w.create(&format!("c{i}"));
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut body = json!({ "MaxResults": 2 });
        if let Some(t) = &token {
            body["NextToken"] = json!(t);
        }
        let v = w.ok("ListContainers", body);
        pages += 1;
        let page = v["Containers"].as_array().unwrap();
        assert!(page.len() <= 2);
        seen.extend(page.iter().map(|c| c["Name"].as_str().unwrap().to_owned()));
        match v.get("NextToken") {
            Some(t) => {
                let t = t.as_str().unwrap();
                assert!(
                    t.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "=/+".contains(c)),
                    "{t}"
                );
                token = Some(t.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["c0", "c1", "c2", "c3", "c4"]);
}

#[test]
fn a_page_that_ends_exactly_at_the_last_container_has_no_next_token() {
    let mut w = world();
    w.create("a");
    w.create("b");
    let v = w.ok("ListContainers", json!({ "MaxResults": 2 }));
    assert_eq!(v["Containers"].as_array().unwrap().len(), 2);
    assert!(v.get("NextToken").is_none());
}

#[test]
fn a_next_token_stays_valid_when_its_container_is_deleted() {
    let mut w = world();
    for name in ["a", "b", "c"] {
        w.create(name);
    }
    let v = w.ok("ListContainers", json!({ "MaxResults": 1 }));
    let token = v["NextToken"].clone();
    w.ok("DeleteContainer", json!({ "ContainerName": "a" }));
    let v = w.ok(
        "ListContainers",
        json!({ "MaxResults": 5, "NextToken": token }),
    );
    let names: Vec<&str> = v["Containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["b", "c"]);
}

#[test]
fn list_containers_refuses_out_of_range_max_results_and_foreign_tokens() {
    let mut w = world();
    for body in [
        json!({ "MaxResults": 0 }),
        json!({ "MaxResults": 101 }),
        json!({ "MaxResults": "10" }),
        json!({ "NextToken": "" }),
        json!({ "NextToken": "not a token!" }),
        json!({ "NextToken": 5 }),
    ] {
        assert_error(&w.fails("ListContainers", body), 400, "ValidationException");
    }
}

// ------------------------------------------------------------- DeleteContainer

#[test]
fn deleting_an_empty_container_removes_it() {
    let mut w = world();
    w.create("live");
    assert_eq!(
        w.ok("DeleteContainer", json!({ "ContainerName": "live" })),
        json!({})
    );
    assert!(w.store.records.is_empty());
    assert_error(
        &w.fails("DescribeContainer", json!({ "ContainerName": "live" })),
        400,
        "ContainerNotFoundException",
    );
    w.create("live");
}

#[test]
fn deleting_a_container_that_does_not_exist_is_container_not_found() {
    let mut w = world();
    assert_error(
        &w.fails("DeleteContainer", json!({ "ContainerName": "ghost" })),
        400,
        "ContainerNotFoundException",
    );
}

#[test]
fn deleting_a_container_that_holds_objects_is_container_in_use_and_leaves_it_active() {
    let mut w = world();
    w.create("live");
    w.store.objects.insert("live".into());
    let f = w.fails("DeleteContainer", json!({ "ContainerName": "live" }));
    assert_error(&f, 400, "ContainerInUseException");
    assert!(f.message.contains("not empty"), "{}", f.message);
    assert_eq!(w.store.records["live"].status, ContainerStatus::Active);
    w.store.objects.clear();
    w.ok("DeleteContainer", json!({ "ContainerName": "live" }));
}

#[test]
fn a_failing_object_listing_leaves_the_container_active() {
    let mut w = world();
    w.create("live");
    w.store.objects_fail = true;
    assert_error(
        &w.fails("DeleteContainer", json!({ "ContainerName": "live" })),
        500,
        "InternalServerError",
    );
    assert_eq!(w.store.records["live"].status, ContainerStatus::Active);
}

#[test]
fn a_delete_that_stopped_half_way_can_be_repeated() {
    let mut w = world();
    w.create("live");
    w.store.records.get_mut("live").unwrap().status = ContainerStatus::Deleting;
    w.ok("DeleteContainer", json!({ "ContainerName": "live" }));
    assert!(w.store.records.is_empty());
}

#[test]
fn a_container_that_is_not_active_refuses_changes_with_container_in_use() {
    let mut w = world();
    w.create("live");
    w.ok(
        "PutContainerPolicy",
        json!({ "ContainerName": "live", "Policy": allow_alice(&["mediastore:*"], "*") }),
    );
    w.store.records.get_mut("live").unwrap().status = ContainerStatus::Deleting;
    for (op, body) in [
        (
            "PutCorsPolicy",
            json!({ "ContainerName": "live", "CorsPolicy": [{ "AllowedOrigins": ["*"], "AllowedHeaders": [] }] }),
        ),
        ("GetContainerPolicy", json!({ "ContainerName": "live" })),
        ("DeleteContainerPolicy", json!({ "ContainerName": "live" })),
        ("StartAccessLogging", json!({ "ContainerName": "live" })),
        (
            "TagResource",
            json!({ "Resource": arn("live"), "Tags": [{ "Key": "a" }] }),
        ),
        ("ListTagsForResource", json!({ "Resource": arn("live") })),
    ] {
        let f = w.fails(op, body);
        assert_error(&f, 400, "ContainerInUseException");
        assert!(f.message.contains("DELETING"), "{}", f.message);
    }
    w.store.records.get_mut("live").unwrap().status = ContainerStatus::Creating;
    assert_error(
        &w.fails("DeleteContainer", json!({ "ContainerName": "live" })),
        400,
        "ContainerInUseException",
    );
}

// ------------------------------------------------------------ container policy

fn public_read() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["mediastore:GetObject", "mediastore:DescribeObject"],
            "Resource": format!("{}/*", arn("live")),
        }]
    })
    .to_string()
}

#[test]
fn a_container_policy_round_trips_exactly_as_put() {
    let mut w = world();
    w.create("live");
    let policy = format!("  {}\n", public_read());
    assert_eq!(
        w.ok(
            "PutContainerPolicy",
            json!({ "ContainerName": "live", "Policy": policy })
        ),
        json!({})
    );
    assert_eq!(
        w.ok("GetContainerPolicy", json!({ "ContainerName": "live" })),
        json!({ "Policy": policy })
    );
    assert_eq!(
        w.ok("DeleteContainerPolicy", json!({ "ContainerName": "live" })),
        json!({})
    );
    assert!(w.store.records["live"].policy.is_none());
}

#[test]
fn getting_or_deleting_a_container_policy_that_is_not_set_is_policy_not_found() {
    let mut w = world();
    w.create("live");
    assert_error(
        &w.fails("GetContainerPolicy", json!({ "ContainerName": "live" })),
        400,
        "PolicyNotFoundException",
    );
    assert_error(
        &w.fails("DeleteContainerPolicy", json!({ "ContainerName": "live" })),
        400,
        "PolicyNotFoundException",
    );
}

#[test]
fn container_policy_operations_on_a_missing_container_are_container_not_found() {
    let mut w = world();
    for (op, body) in [
        (
            "PutContainerPolicy",
            json!({ "ContainerName": "ghost", "Policy": public_read() }),
        ),
        ("GetContainerPolicy", json!({ "ContainerName": "ghost" })),
        ("DeleteContainerPolicy", json!({ "ContainerName": "ghost" })),
    ] {
        assert_error(&w.fails(op, body), 400, "ContainerNotFoundException");
    }
}

#[test]
fn a_container_policy_outside_the_model_constraints_is_a_validation_error() {
    let mut w = world();
    w.create("live");
    let long = format!("{}{}", public_read(), " ".repeat(8193));
    for policy in [
        json!(""),
        json!(long),
        json!(public_read().replace("PublicRead", "Publíc")),
        json!({}),
        json!(null),
    ] {
        let f = w.fails(
            "PutContainerPolicy",
            json!({ "ContainerName": "live", "Policy": policy }),
        );
        assert_error(&f, 400, "ValidationException");
        assert!(f.message.contains("'Policy'"), "{}", f.message);
    }
    assert!(w.store.records["live"].policy.is_none());
}

#[test]
fn a_container_policy_the_plug_rejects_is_a_validation_error_with_its_reason() {
    let mut w = world();
    w.create("live");
    for policy in [
        "not json",
        r#"{"Version": "2012-10-17"}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe"}]}"#,
    ] {
        let f = w.fails(
            "PutContainerPolicy",
            json!({ "ContainerName": "live", "Policy": policy }),
        );
        assert_error(&f, 400, "ValidationException");
        let why = w.plug.validate_policy(policy).unwrap_err();
        assert!(f.message.contains(&why), "{} lacks {why}", f.message);
    }
    assert!(w.store.records["live"].policy.is_none());
}

// ------------------------------------------------------------------ CORS policy

#[test]
fn a_cors_policy_round_trips() {
    let mut w = world();
    w.create("live");
    let cors = json!([
        {
            "AllowedOrigins": ["https://*.example.com", "http://localhost:3000"],
            "AllowedMethods": ["GET", "HEAD"],
            "AllowedHeaders": ["*"],
            "MaxAgeSeconds": 3000,
            "ExposeHeaders": ["ETag", "Content-Length"]
        },
        { "AllowedOrigins": ["*"], "AllowedHeaders": [] }
    ]);
    assert_eq!(
        w.ok(
            "PutCorsPolicy",
            json!({ "ContainerName": "live", "CorsPolicy": cors })
        ),
        json!({})
    );
    assert_eq!(
        w.ok("GetCorsPolicy", json!({ "ContainerName": "live" })),
        json!({ "CorsPolicy": cors })
    );
    w.ok("DeleteCorsPolicy", json!({ "ContainerName": "live" }));
    assert!(w.store.records["live"].cors.is_none());
}

#[test]
fn getting_or_deleting_a_cors_policy_that_is_not_set_is_cors_policy_not_found() {
    let mut w = world();
    w.create("live");
    assert_error(
        &w.fails("GetCorsPolicy", json!({ "ContainerName": "live" })),
        400,
        "CorsPolicyNotFoundException",
    );
    assert_error(
        &w.fails("DeleteCorsPolicy", json!({ "ContainerName": "live" })),
        400,
        "CorsPolicyNotFoundException",
    );
}

#[test]
fn cors_operations_on_a_missing_container_are_container_not_found() {
    let mut w = world();
    let cors = json!([{ "AllowedOrigins": ["*"], "AllowedHeaders": [] }]);
    for (op, body) in [
        (
            "PutCorsPolicy",
            json!({ "ContainerName": "ghost", "CorsPolicy": cors }),
        ),
        ("GetCorsPolicy", json!({ "ContainerName": "ghost" })),
        ("DeleteCorsPolicy", json!({ "ContainerName": "ghost" })),
    ] {
        assert_error(&w.fails(op, body), 400, "ContainerNotFoundException");
    }
}

#[test]
fn every_cors_rule_constraint_of_the_model_is_enforced() {
    let mut w = world();
    w.create("live");
    let rule = |patch: Value| {
        let mut r = json!({ "AllowedOrigins": ["*"], "AllowedHeaders": ["*"] });
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                r.as_object_mut().unwrap().remove(k);
            } else {
                r[k] = v.clone();
            }
        }
        r
    };
    let strings = |n: usize| -> Vec<String> { (0..n).map(|i| format!("h{i}")).collect() };
    let cases: Vec<(Value, &str)> = vec![
        (json!([]), "CorsPolicy"),
        (json!(vec![rule(json!({})); 101]), "CorsPolicy"),
        (json!({ "AllowedOrigins": ["*"] }), "CorsPolicy"),
        (json!([1]), "CorsPolicy[0]"),
        (
            json!([rule(json!({ "AllowedOrigins": null }))]),
            "CorsPolicy[0].AllowedOrigins",
        ),
        (
            json!([rule(json!({ "AllowedOrigins": [] }))]),
            "CorsPolicy[0].AllowedOrigins",
        ),
        (
            json!([rule(json!({ "AllowedOrigins": strings(101) }))]),
            "CorsPolicy[0].AllowedOrigins",
        ),
        (
            json!([rule(
                json!({ "AllowedOrigins": ["https://*.*.example.com"] })
            )]),
            "CorsPolicy[0].AllowedOrigins[0]",
        ),
        (
            json!([rule(json!({ "AllowedOrigins": [""] }))]),
            "CorsPolicy[0].AllowedOrigins[0]",
        ),
        (
            json!([rule(json!({ "AllowedOrigins": ["x".repeat(2049)] }))]),
            "CorsPolicy[0].AllowedOrigins[0]",
        ),
        (
            json!([rule(json!({ "AllowedOrigins": ["http://a\u{1}"] }))]),
            "CorsPolicy[0].AllowedOrigins[0]",
        ),
        (
            json!([rule(json!({ "AllowedOrigins": ["http://日本"] }))]),
            "CorsPolicy[0].AllowedOrigins[0]",
        ),
        (
            json!([rule(json!({ "AllowedOrigins": [3] }))]),
            "CorsPolicy[0].AllowedOrigins[0]",
        ),
        (
            json!([rule(json!({ "AllowedMethods": [] }))]),
            "CorsPolicy[0].AllowedMethods",
        ),
        (
            json!([rule(
                json!({ "AllowedMethods": ["GET", "PUT", "HEAD", "DELETE", "GET"] })
            )]),
            "CorsPolicy[0].AllowedMethods",
        ),
        (
            json!([rule(json!({ "AllowedMethods": ["POST"] }))]),
            "CorsPolicy[0].AllowedMethods[0]",
        ),
        (
            json!([rule(json!({ "AllowedMethods": ["GET", "HEAD", "GET"] }))]),
            "CorsPolicy[0].AllowedMethods[2]",
        ),
        (
            json!([rule(json!({ "AllowedMethods": ["get"] }))]),
            "CorsPolicy[0].AllowedMethods[0]",
        ),
        (
            json!([rule(json!({ "AllowedHeaders": null }))]),
            "CorsPolicy[0].AllowedHeaders",
        ),
        (
            json!([rule(json!({ "AllowedHeaders": strings(101) }))]),
            "CorsPolicy[0].AllowedHeaders",
        ),
        (
            json!([rule(json!({ "AllowedHeaders": ["x-*-*"] }))]),
            "CorsPolicy[0].AllowedHeaders[0]",
        ),
        (
            json!([rule(json!({ "AllowedHeaders": [""] }))]),
            "CorsPolicy[0].AllowedHeaders[0]",
        ),
        (
            json!([rule(json!({ "MaxAgeSeconds": -1 }))]),
            "CorsPolicy[0].MaxAgeSeconds",
        ),
        (
            json!([rule(json!({ "MaxAgeSeconds": 2_147_483_648_i64 }))]),
            "CorsPolicy[0].MaxAgeSeconds",
        ),
        (
            json!([rule(json!({ "MaxAgeSeconds": "60" }))]),
            "CorsPolicy[0].MaxAgeSeconds",
        ),
        (
            json!([rule(json!({ "ExposeHeaders": strings(101) }))]),
            "CorsPolicy[0].ExposeHeaders",
        ),
        (
            json!([rule(json!({ "ExposeHeaders": [""] }))]),
            "CorsPolicy[0].ExposeHeaders[0]",
        ),
        (
            json!([rule(json!({})), rule(json!({ "AllowedOrigins": ["**"] }))]),
            "CorsPolicy[1].AllowedOrigins[0]",
        ),
    ];
    for (cors, path) in cases {
        let f = w.fails(
            "PutCorsPolicy",
            json!({ "ContainerName": "live", "CorsPolicy": cors }),
        );
        assert_error(&f, 400, "ValidationException");
        assert!(
            f.message.contains(&format!("'{path}'")),
            "expected {path}: {}",
            f.message
        );
    }
    assert!(w.store.records["live"].cors.is_none());
}

#[test]
fn cors_rules_at_the_model_limits_are_accepted() {
    let mut w = world();
    w.create("live");
    let many =
        |n: usize| -> Vec<String> { (0..n).map(|i| format!("https://{i}.example.com")).collect() };
    let rule = json!({
        "AllowedOrigins": many(100),
        "AllowedMethods": ["PUT", "GET", "DELETE", "HEAD"],
        "AllowedHeaders": many(100),
        "MaxAgeSeconds": 2_147_483_647_i64,
        "ExposeHeaders": many(100),
    });
    w.ok(
        "PutCorsPolicy",
        json!({ "ContainerName": "live", "CorsPolicy": vec![rule; 100] }),
    );
    let zero = json!([{ "AllowedOrigins": ["*"], "AllowedHeaders": [], "MaxAgeSeconds": 0, "ExposeHeaders": [] }]);
    w.ok(
        "PutCorsPolicy",
        json!({ "ContainerName": "live", "CorsPolicy": zero }),
    );
    assert_eq!(
        w.ok("GetCorsPolicy", json!({ "ContainerName": "live" }))["CorsPolicy"],
        zero
    );
}

// ------------------------------------------------------------- lifecycle policy

const LIFECYCLE: &str = r#"{"rules":[{"definition":{"path":[{"wildcard":"Football/*.m3u8"}],"seconds_since_create":[{"numeric":[">",20]}]},"action":"EXPIRE"}]}"#;

#[test]
fn a_lifecycle_policy_round_trips_and_records_when_it_was_put() {
    let mut w = world();
    w.create("live");
    w.now_ms = NOW_MS + 5_000;
    assert_eq!(
        w.ok(
            "PutLifecyclePolicy",
            json!({ "ContainerName": "live", "LifecyclePolicy": LIFECYCLE })
        ),
        json!({})
    );
    assert_eq!(w.store.records["live"].lifecycle_since_ms, NOW_MS + 5_000);
    assert_eq!(
        w.ok("GetLifecyclePolicy", json!({ "ContainerName": "live" })),
        json!({ "LifecyclePolicy": LIFECYCLE })
    );
    w.ok("DeleteLifecyclePolicy", json!({ "ContainerName": "live" }));
    assert!(w.store.records["live"].lifecycle.is_none());
}

#[test]
fn putting_the_same_lifecycle_policy_again_restarts_its_clock() {
    let mut w = world();
    w.create("live");
    w.ok(
        "PutLifecyclePolicy",
        json!({ "ContainerName": "live", "LifecyclePolicy": LIFECYCLE }),
    );
    w.now_ms += 60_000;
    w.ok(
        "PutLifecyclePolicy",
        json!({ "ContainerName": "live", "LifecyclePolicy": LIFECYCLE }),
    );
    assert_eq!(w.store.records["live"].lifecycle_since_ms, NOW_MS + 60_000);
}

#[test]
fn getting_or_deleting_a_lifecycle_policy_that_is_not_set_is_policy_not_found() {
    let mut w = world();
    w.create("live");
    assert_error(
        &w.fails("GetLifecyclePolicy", json!({ "ContainerName": "live" })),
        400,
        "PolicyNotFoundException",
    );
    assert_error(
        &w.fails("DeleteLifecyclePolicy", json!({ "ContainerName": "live" })),
        400,
        "PolicyNotFoundException",
    );
}

#[test]
fn an_invalid_lifecycle_policy_is_a_validation_error_saying_why() {
    let mut w = world();
    w.create("live");
    let f = w.fails(
        "PutLifecyclePolicy",
        json!({ "ContainerName": "live", "LifecyclePolicy": LIFECYCLE.replace("20", "301") }),
    );
    assert_error(&f, 400, "ValidationException");
    assert!(f.message.contains("1 to 300"), "{}", f.message);
    for policy in [
        json!(""),
        json!("{"),
        json!(format!("{LIFECYCLE}{}", " ".repeat(8192))),
        json!({ "rules": [] }),
    ] {
        let f = w.fails(
            "PutLifecyclePolicy",
            json!({ "ContainerName": "live", "LifecyclePolicy": policy }),
        );
        assert_error(&f, 400, "ValidationException");
    }
    assert_error(
        &w.fails("PutLifecyclePolicy", json!({ "ContainerName": "live" })),
        400,
        "ValidationException",
    );
    assert!(w.store.records["live"].lifecycle.is_none());
}

#[test]
fn lifecycle_operations_on_a_missing_container_are_container_not_found() {
    let mut w = world();
    for (op, body) in [
        (
            "PutLifecyclePolicy",
            json!({ "ContainerName": "ghost", "LifecyclePolicy": LIFECYCLE }),
        ),
        ("GetLifecyclePolicy", json!({ "ContainerName": "ghost" })),
        ("DeleteLifecyclePolicy", json!({ "ContainerName": "ghost" })),
    ] {
        assert_error(&w.fails(op, body), 400, "ContainerNotFoundException");
    }
}

// ---------------------------------------------------------------- metric policy

#[test]
fn a_metric_policy_round_trips() {
    let mut w = world();
    w.create("live");
    let mp = json!({
        "ContainerLevelMetrics": "ENABLED",
        "MetricPolicyRules": [
            { "ObjectGroup": "baseball/saturday", "ObjectGroupName": "baseballGroup" },
            { "ObjectGroup": "football/*", "ObjectGroupName": "football_1" }
        ]
    });
    assert_eq!(
        w.ok(
            "PutMetricPolicy",
            json!({ "ContainerName": "live", "MetricPolicy": mp })
        ),
        json!({})
    );
    assert_eq!(
        w.ok("GetMetricPolicy", json!({ "ContainerName": "live" })),
        json!({ "MetricPolicy": mp })
    );
    let level_only = json!({ "ContainerLevelMetrics": "DISABLED" });
    w.ok(
        "PutMetricPolicy",
        json!({ "ContainerName": "live", "MetricPolicy": level_only }),
    );
    assert_eq!(
        w.ok("GetMetricPolicy", json!({ "ContainerName": "live" }))["MetricPolicy"],
        level_only
    );
    w.ok("DeleteMetricPolicy", json!({ "ContainerName": "live" }));
    assert_error(
        &w.fails("GetMetricPolicy", json!({ "ContainerName": "live" })),
        400,
        "PolicyNotFoundException",
    );
    assert_error(
        &w.fails("DeleteMetricPolicy", json!({ "ContainerName": "live" })),
        400,
        "PolicyNotFoundException",
    );
}

#[test]
fn more_than_five_metric_rules_is_limit_exceeded() {
    let mut w = world();
    w.create("live");
    let rules = |n: usize| -> Vec<Value> {
        (0..n)
            .map(
                |i| json!({ "ObjectGroup": format!("g{i}/*"), "ObjectGroupName": format!("g{i}") }),
            )
            .collect()
    };
    let mp = |n| json!({ "ContainerLevelMetrics": "ENABLED", "MetricPolicyRules": rules(n) });
    w.ok(
        "PutMetricPolicy",
        json!({ "ContainerName": "live", "MetricPolicy": mp(MAX_METRIC_RULES) }),
    );
    let f = w.fails(
        "PutMetricPolicy",
        json!({ "ContainerName": "live", "MetricPolicy": mp(6) }),
    );
    assert_error(&f, 400, "LimitExceededException");
    let stored = w.store.records["live"].metric_policy.clone().unwrap();
    assert_eq!(stored.metric_policy_rules.unwrap().len(), MAX_METRIC_RULES);
    assert_error(
        &w.fails(
            "PutMetricPolicy",
            json!({ "ContainerName": "live", "MetricPolicy": mp(301) }),
        ),
        400,
        "ValidationException",
    );
}

#[test]
fn every_metric_policy_constraint_of_the_model_is_enforced() {
    let mut w = world();
    w.create("live");
    let rule = |group: Value, name: Value| json!({ "ContainerLevelMetrics": "ENABLED", "MetricPolicyRules": [{ "ObjectGroup": group, "ObjectGroupName": name }] });
    let cases: Vec<(Value, &str)> = vec![
        (json!(null), "MetricPolicy"),
        (json!("ENABLED"), "MetricPolicy"),
        (json!({}), "MetricPolicy.ContainerLevelMetrics"),
        (
            json!({ "ContainerLevelMetrics": "enabled" }),
            "MetricPolicy.ContainerLevelMetrics",
        ),
        (
            json!({ "ContainerLevelMetrics": true }),
            "MetricPolicy.ContainerLevelMetrics",
        ),
        (
            json!({ "ContainerLevelMetrics": "ENABLED", "MetricPolicyRules": [] }),
            "MetricPolicy.MetricPolicyRules",
        ),
        (
            json!({ "ContainerLevelMetrics": "ENABLED", "MetricPolicyRules": ["x"] }),
            "MetricPolicy.MetricPolicyRules[0]",
        ),
        (
            rule(json!(null), json!("n")),
            "MetricPolicy.MetricPolicyRules[0].ObjectGroup",
        ),
        (
            rule(json!(""), json!("n")),
            "MetricPolicy.MetricPolicyRules[0].ObjectGroup",
        ),
        (
            rule(json!("a b"), json!("n")),
            "MetricPolicy.MetricPolicyRules[0].ObjectGroup",
        ),
        (
            rule(json!("a//b"), json!("n")),
            "MetricPolicy.MetricPolicyRules[0].ObjectGroup",
        ),
        (
            rule(json!(format!("{}f", "d/".repeat(11))), json!("n")),
            "MetricPolicy.MetricPolicyRules[0].ObjectGroup",
        ),
        (
            rule(json!("a".repeat(901)), json!("n")),
            "MetricPolicy.MetricPolicyRules[0].ObjectGroup",
        ),
        (
            rule(json!("a"), json!(null)),
            "MetricPolicy.MetricPolicyRules[0].ObjectGroupName",
        ),
        (
            rule(json!("a"), json!("")),
            "MetricPolicy.MetricPolicyRules[0].ObjectGroupName",
        ),
        (
            rule(json!("a"), json!("has-dash")),
            "MetricPolicy.MetricPolicyRules[0].ObjectGroupName",
        ),
        (
            rule(json!("a"), json!("n".repeat(31))),
            "MetricPolicy.MetricPolicyRules[0].ObjectGroupName",
        ),
    ];
    for (mp, path) in cases {
        let f = w.fails(
            "PutMetricPolicy",
            json!({ "ContainerName": "live", "MetricPolicy": mp }),
        );
        assert_error(&f, 400, "ValidationException");
        assert!(
            f.message.contains(&format!("'{path}'")),
            "expected {path}: {}",
            f.message
        );
    }
    assert!(w.store.records["live"].metric_policy.is_none());
    w.ok("PutMetricPolicy", json!({ "ContainerName": "live", "MetricPolicy": rule(json!("/a=b:c/*.ts/"), json!("n".repeat(30))) }));
}

#[test]
fn metric_policy_operations_on_a_missing_container_are_container_not_found() {
    let mut w = world();
    for (op, body) in [
        (
            "PutMetricPolicy",
            json!({ "ContainerName": "ghost", "MetricPolicy": { "ContainerLevelMetrics": "ENABLED" } }),
        ),
        ("GetMetricPolicy", json!({ "ContainerName": "ghost" })),
        ("DeleteMetricPolicy", json!({ "ContainerName": "ghost" })),
    ] {
        assert_error(&w.fails(op, body), 400, "ContainerNotFoundException");
    }
}

// --------------------------------------------------------------- access logging

#[test]
fn access_logging_is_switched_on_and_off_and_shown_on_the_container() {
    let mut w = world();
    w.create("live");
    assert_eq!(
        w.ok("StartAccessLogging", json!({ "ContainerName": "live" })),
        json!({})
    );
    assert_eq!(
        w.ok("DescribeContainer", json!({ "ContainerName": "live" }))["Container"]["AccessLoggingEnabled"],
        true
    );
    w.ok("StartAccessLogging", json!({ "ContainerName": "live" }));
    assert_eq!(
        w.ok("StopAccessLogging", json!({ "ContainerName": "live" })),
        json!({})
    );
    assert_eq!(
        w.ok("DescribeContainer", json!({ "ContainerName": "live" }))["Container"]["AccessLoggingEnabled"],
        false
    );
}

#[test]
fn access_logging_on_a_missing_container_is_container_not_found() {
    let mut w = world();
    for op in ["StartAccessLogging", "StopAccessLogging"] {
        assert_error(
            &w.fails(op, json!({ "ContainerName": "ghost" })),
            400,
            "ContainerNotFoundException",
        );
        assert_error(&w.fails(op, json!({})), 400, "ValidationException");
    }
}

// ------------------------------------------------------------------------- tags

#[test]
fn tags_are_added_replaced_listed_and_removed() {
    let mut w = world();
    w.create("live");
    let r = arn("live");
    assert_eq!(
        w.ok("ListTagsForResource", json!({ "Resource": r })),
        json!({ "Tags": [] })
    );
    let tags = json!([{ "Key": "env", "Value": "dev" }, { "Key": "team", "Value": "video" }]);
    assert_eq!(
        w.ok("TagResource", json!({ "Resource": r, "Tags": tags })),
        json!({})
    );
    w.ok("TagResource", json!({ "Resource": r, "Tags": [{ "Key": "env", "Value": "prod" }, { "Key": "cost", "Value": "42" }] }));
    assert_eq!(
        w.ok("ListTagsForResource", json!({ "Resource": r }))["Tags"],
        json!([{ "Key": "env", "Value": "prod" }, { "Key": "team", "Value": "video" }, { "Key": "cost", "Value": "42" }])
    );
    assert_eq!(
        w.ok(
            "UntagResource",
            json!({ "Resource": r, "TagKeys": ["env", "not-there"] })
        ),
        json!({})
    );
    assert_eq!(
        w.ok("ListTagsForResource", json!({ "Resource": r }))["Tags"],
        json!([{ "Key": "team", "Value": "video" }, { "Key": "cost", "Value": "42" }])
    );
    w.ok("UntagResource", json!({ "Resource": r, "TagKeys": [] }));
}

#[test]
fn more_than_fifty_tags_on_a_container_is_limit_exceeded_and_nothing_is_added() {
    let mut w = world();
    w.create("live");
    let tags = |from: usize, to: usize| -> Vec<Value> {
        (from..to)
            .map(|i| json!({ "Key": format!("k{i}"), "Value": "v" }))
            .collect()
    };
    w.ok(
        "TagResource",
        json!({ "Resource": arn("live"), "Tags": tags(0, 50) }),
    );
    // Replacing values of existing keys is not adding tags.
    w.ok(
        "TagResource",
        json!({ "Resource": arn("live"), "Tags": tags(0, 50) }),
    );
    let f = w.fails(
        "TagResource",
        json!({ "Resource": arn("live"), "Tags": tags(49, 51) }),
    );
    assert_error(&f, 400, "LimitExceededException");
    assert_eq!(w.store.records["live"].tags.len(), 50);
}

#[test]
fn every_tag_constraint_of_the_model_is_enforced() {
    let mut w = world();
    w.create("live");
    let r = arn("live");
    let cases: Vec<(Value, &str)> = vec![
        (json!(null), "Tags"),
        (json!([]), "Tags"),
        (json!({ "Key": "a" }), "Tags"),
        (json!(vec![json!({ "Key": "a" }); 201]), "Tags"),
        (json!(["a"]), "Tags[0]"),
        (json!([{ "Value": "v" }]), "Tags[0].Key"),
        (json!([{ "Key": "" }]), "Tags[0].Key"),
        (json!([{ "Key": "k".repeat(129) }]), "Tags[0].Key"),
        (json!([{ "Key": "a#b" }]), "Tags[0].Key"),
        (json!([{ "Key": "aws:reserved" }]), "Tags[0].Key"),
        (json!([{ "Key": "AWS:reserved" }]), "Tags[0].Key"),
        (json!([{ "Key": 1 }]), "Tags[0].Key"),
        (
            json!([{ "Key": "a", "Value": "v".repeat(257) }]),
            "Tags[0].Value",
        ),
        (
            json!([{ "Key": "a", "Value": "tab\there" }]),
            "Tags[0].Value",
        ),
        (json!([{ "Key": "a", "Value": 5 }]), "Tags[0].Value"),
    ];
    for (tags, path) in cases {
        let f = w.fails("TagResource", json!({ "Resource": r, "Tags": tags }));
        assert_error(&f, 400, "ValidationException");
        assert!(
            f.message.contains(&format!("'{path}'")),
            "expected {path}: {}",
            f.message
        );
    }
    assert!(w.store.records["live"].tags.is_empty());
    let limits = json!([{ "Key": "k".repeat(128), "Value": "v".repeat(256) }, { "Key": "Ünïcode 名前 1:/=+-@_." , "Value": "" }]);
    w.ok("TagResource", json!({ "Resource": r, "Tags": limits }));

    for (keys, path) in [
        (json!(null), "TagKeys"),
        (json!("a"), "TagKeys"),
        (json!([""]), "TagKeys[0]"),
        (json!(["k".repeat(129)]), "TagKeys[0]"),
        (json!([1]), "TagKeys[0]"),
    ] {
        let f = w.fails("UntagResource", json!({ "Resource": r, "TagKeys": keys }));
        assert_error(&f, 400, "ValidationException");
        assert!(
            f.message.contains(&format!("'{path}'")),
            "expected {path}: {}",
            f.message
        );
    }
}

#[test]
fn a_resource_that_is_not_a_container_arn_is_a_validation_error() {
    let mut w = world();
    w.create("live");
    for resource in [
        json!("live"),
        json!("arn:aws:s3:::live"),
        json!("arn:aws:mediastore:us-east-1:111122223333:container/"),
        json!("arn:aws:mediastore:us-east-1:1111:container/live"),
        json!(format!("{}{}", arn("live"), "x".repeat(1024))),
        json!(null),
        json!(["x"]),
    ] {
        for (op, extra) in [
            ("ListTagsForResource", json!({})),
            ("TagResource", json!({ "Tags": [{ "Key": "a" }] })),
            ("UntagResource", json!({ "TagKeys": ["a"] })),
        ] {
            let mut body = extra;
            body["Resource"] = resource.clone();
            let f = w.fails(op, body);
            assert_error(&f, 400, "ValidationException");
            assert!(f.message.contains("'Resource'"), "{}", f.message);
        }
    }
}

#[test]
fn tagging_a_container_that_does_not_exist_here_is_container_not_found() {
    let mut w = world();
    w.create("live");
    for resource in [
        arn("ghost"),
        "arn:aws:mediastore:eu-west-1:111122223333:container/live".to_owned(),
        "arn:aws:mediastore:us-east-1:999999999999:container/live".to_owned(),
    ] {
        for (op, body) in [
            ("ListTagsForResource", json!({ "Resource": resource })),
            (
                "TagResource",
                json!({ "Resource": resource, "Tags": [{ "Key": "a" }] }),
            ),
            (
                "UntagResource",
                json!({ "Resource": resource, "TagKeys": ["a"] }),
            ),
        ] {
            assert_error(&w.fails(op, body), 400, "ContainerNotFoundException");
        }
    }
    assert!(w.store.records["live"].tags.is_empty());
}

// ------------------------------------------------------------------ concurrency

#[test]
fn a_change_made_by_another_writer_meanwhile_is_kept() {
    let mut w = world();
    w.create("live");
    w.store.interfere(|records| {
        if let Some(r) = records.get_mut("live") {
            r.tags.push(tributary_mediastore::Tag {
                key: "from".into(),
                value: Some("elsewhere".into()),
            });
        }
    });
    let cors = json!([{ "AllowedOrigins": ["*"], "AllowedHeaders": [] }]);
    w.ok(
        "PutCorsPolicy",
        json!({ "ContainerName": "live", "CorsPolicy": cors }),
    );
    assert_eq!(w.store.retries, 1);
    let record = &w.store.records["live"];
    assert!(record.cors.is_some());
    assert_eq!(record.tags.len(), 1);
}

#[test]
fn a_container_deleted_by_another_writer_meanwhile_is_not_resurrected() {
    let mut w = world();
    w.create("live");
    w.store.interfere(|records| {
        records.remove("live");
    });
    let f = w.fails("StartAccessLogging", json!({ "ContainerName": "live" }));
    assert_error(&f, 400, "ContainerNotFoundException");
    assert!(w.store.records.is_empty());
}

#[test]
fn a_container_created_by_another_writer_meanwhile_is_container_in_use() {
    let mut w = world();
    let mut other = world();
    other.create("live");
    let theirs = other.store.records.remove("live").unwrap();
    w.store.interfere(move |records| {
        records.insert("live".into(), theirs);
    });
    assert_error(
        &w.fails("CreateContainer", json!({ "ContainerName": "live" })),
        400,
        "ContainerInUseException",
    );
    assert_eq!(w.store.retries, 1);
}
