//! GrantFlowEntitlements, UpdateFlowEntitlement, RevokeFlowEntitlement,
//! ListEntitlements.

use super::*;

fn entitlements_path(flow_arn: &str) -> String {
    format!("{}/entitlements", flow_path(flow_arn))
}

fn entitlement_path(flow_arn: &str, arn: &str) -> String {
    format!("{}/entitlements/{}", flow_path(flow_arn), label(arn))
}

#[test]
fn entitlements_are_granted_updated_and_revoked() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let (status, v) = w.ok("POST", &entitlements_path(&arn), Some(json!({"entitlements": [
        {"name": "partner", "subscribers": ["444455556666"], "dataTransferSubscriberFeePercent": 25,
         "description": "for the partner"},
    ]})));
    assert_eq!(status, 200);
    assert_eq!(v["flowArn"], arn.as_str());
    let e = &v["entitlements"][0];
    let e_arn = e["entitlementArn"].as_str().unwrap().to_owned();
    assert!(
        e_arn.contains(":entitlement:1-") && e_arn.ends_with(":partner"),
        "{e_arn}"
    );
    assert_eq!(e["subscribers"], json!(["444455556666"]));
    assert_eq!(e["dataTransferSubscriberFeePercent"], 25);
    assert_eq!(e["entitlementStatus"], "ENABLED");
    assert_eq!(w.describe(&arn)["flow"]["entitlements"][0], *e);

    let (status, v) = w.ok(
        "PUT",
        &entitlement_path(&arn, &e_arn),
        Some(json!({
            "entitlementStatus": "DISABLED", "subscribers": ["444455556666", "777788889999"],
        })),
    );
    assert_eq!(status, 202);
    assert_eq!(v["flowArn"], arn.as_str());
    assert_eq!(v["entitlement"]["entitlementStatus"], "DISABLED");
    assert_eq!(
        v["entitlement"]["subscribers"],
        json!(["444455556666", "777788889999"])
    );
    assert_eq!(v["entitlement"]["description"], "for the partner");
    let f = w.fails(
        "PUT",
        &entitlement_path(&arn, &e_arn),
        Some(json!({"subscribers": ["x"]})),
    );
    assert!(f.message.starts_with("subscribers[0]:"), "{}", f.message);
    let f = w.fails(
        "PUT",
        &entitlement_path(&arn, &e_arn),
        Some(json!({"encryption": {"roleArn": "r"}})),
    );
    assert!(
        f.message.starts_with("encryption: is not supported"),
        "{}",
        f.message
    );

    let (status, v) = w.ok("DELETE", &entitlement_path(&arn, &e_arn), None);
    assert_eq!(
        (status, v),
        (202, json!({"entitlementArn": e_arn, "flowArn": arn}))
    );
    assert!(
        w.describe(&arn)["flow"]["entitlements"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_error(
        &w.fails("DELETE", &entitlement_path(&arn, &e_arn), None),
        404,
        "NotFoundException",
    );
}

#[test]
fn grant_validation_and_quota() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let cases = [
        (
            json!({"subscribers": [ACCOUNT]}),
            "entitlements[0].name: is required",
        ),
        (
            json!({"name": "e"}),
            "entitlements[0].subscribers: is required",
        ),
        (
            json!({"name": "e", "subscribers": ["12345"]}),
            "entitlements[0].subscribers[0]:",
        ),
        (
            json!({"name": "e", "subscribers": [ACCOUNT], "dataTransferSubscriberFeePercent": -1}),
            "entitlements[0].dataTransferSubscriberFeePercent:",
        ),
        (
            json!({"name": "e", "subscribers": [ACCOUNT], "entitlementStatus": "MAYBE"}),
            "entitlements[0].entitlementStatus:",
        ),
    ];
    for (body, want) in cases {
        let f = w.fails(
            "POST",
            &entitlements_path(&arn),
            Some(json!({"entitlements": [body]})),
        );
        assert_error(&f, 400, "BadRequestException");
        assert!(f.message.starts_with(want), "want {want}: {}", f.message);
    }
    let grants: Vec<Value> = (0..50)
        .map(|i| json!({"name": format!("e{i}"), "subscribers": [ACCOUNT]}))
        .collect();
    w.ok(
        "POST",
        &entitlements_path(&arn),
        Some(json!({"entitlements": grants})),
    );
    let f = w.fails(
        "POST",
        &entitlements_path(&arn),
        Some(json!({"entitlements": [{"name": "e50", "subscribers": [ACCOUNT]}]})),
    );
    assert_error(&f, 420, "GrantFlowEntitlements420Exception");
    let f = w.fails(
        "POST",
        &entitlements_path(&arn),
        Some(json!({"entitlements": [{"name": "e0", "subscribers": [ACCOUNT]}]})),
    );
    assert!(f.message.contains("entitlement named e0"), "{}", f.message);
}

#[test]
fn list_entitlements_shows_those_granted_to_our_account_paged() {
    let mut w = world();
    let a = w.flow("a", 5000);
    let b = w.flow("b", 5001);
    w.ok(
        "POST",
        &entitlements_path(&a),
        Some(json!({"entitlements": [
            {"name": "ours-1", "subscribers": [ACCOUNT], "dataTransferSubscriberFeePercent": 10},
            {"name": "theirs", "subscribers": ["444455556666"]},
        ]})),
    );
    w.ok(
        "POST",
        &entitlements_path(&b),
        Some(json!({"entitlements": [
            {"name": "ours-2", "subscribers": ["444455556666", ACCOUNT]},
        ]})),
    );
    let (_, all) = w.ok("GET", "/v1/entitlements", None);
    let listed = all["entitlements"].as_array().unwrap();
    let mut names: Vec<&str> = listed
        .iter()
        .map(|e| e["entitlementName"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["ours-1", "ours-2"]);
    let one = listed
        .iter()
        .find(|e| e["entitlementName"] == "ours-1")
        .unwrap();
    assert_eq!(one.as_object().unwrap().len(), 3, "{one}");
    assert_eq!(one["dataTransferSubscriberFeePercent"], 10);

    let (_, first) = w.ok("GET", "/v1/entitlements?maxResults=1", None);
    assert_eq!(first["entitlements"].as_array().unwrap().len(), 1);
    let token = first["nextToken"].as_str().unwrap();
    let (_, second) = w.ok(
        "GET",
        &format!("/v1/entitlements?maxResults=1&nextToken={}", label(token)),
        None,
    );
    assert_eq!(second["entitlements"].as_array().unwrap().len(), 1);
    assert_ne!(first["entitlements"][0], second["entitlements"][0]);
    assert!(second.get("nextToken").is_none());
}
