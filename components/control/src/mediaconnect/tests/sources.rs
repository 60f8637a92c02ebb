//! AddFlowSources, UpdateFlowSource, RemoveFlowSource: validation, ingest
//! ports across flows, failover, entitlements as sources.

use super::*;

fn sources_path(flow_arn: &str) -> String {
    format!("{}/source", flow_path(flow_arn))
}

fn source_path(flow_arn: &str, source_arn: &str) -> String {
    format!("{}/source/{}", flow_path(flow_arn), label(source_arn))
}

fn enable_failover(w: &mut World, arn: &str) {
    w.ok(
        "PUT",
        &flow_path(arn),
        Some(json!({"sourceFailoverConfig": {"state": "ENABLED", "failoverMode": "MERGE"}})),
    );
}

#[test]
fn a_second_source_needs_failover_on_first() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let f = w.fails(
        "POST",
        &sources_path(&arn),
        Some(json!({"sources": [rtp_source("backup", 5001)]})),
    );
    assert_error(&f, 400, "BadRequestException");
    assert!(
        f.message.contains("sourceFailoverConfig.state"),
        "{}",
        f.message
    );
    enable_failover(&mut w, &arn);
    let (status, v) = w.ok(
        "POST",
        &sources_path(&arn),
        Some(json!({"sources": [rtp_source("backup", 5001)]})),
    );
    assert_eq!(status, 201);
    assert_eq!(v["flowArn"], arn.as_str());
    assert_eq!(v["sources"][0]["name"], "backup");
    assert_eq!(v["sources"][0]["ingestIp"], INGEST_IP);
    let d = w.describe(&arn);
    assert_eq!(d["flow"]["sources"].as_array().unwrap().len(), 2);
    assert_eq!(d["flow"]["source"]["name"], "main");
    let f = w.fails(
        "POST",
        &sources_path(&arn),
        Some(json!({"sources": [rtp_source("third", 5002)]})),
    );
    assert!(f.message.contains("at most 2"), "{}", f.message);
}

#[test]
fn source_names_are_unique_within_a_flow() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    enable_failover(&mut w, &arn);
    let f = w.fails(
        "POST",
        &sources_path(&arn),
        Some(json!({"sources": [rtp_source("main", 5001)]})),
    );
    assert_error(&f, 400, "BadRequestException");
    assert!(f.message.contains("named main"), "{}", f.message);
}

#[test]
fn an_ingest_port_serves_one_source_across_all_flows() {
    let mut w = world();
    let first = w.flow("first", 5000);
    let f = w.fails(
        "POST",
        "/v1/flows",
        Some(json!({"name": "second", "source": rtp_source("s", 5000)})),
    );
    assert_error(&f, 400, "BadRequestException");
    assert!(
        f.message.contains("5000") && f.message.contains("first") && f.message.contains(&first),
        "{}",
        f.message
    );
    // Within one flow too.
    let f = w.fails(
        "POST",
        "/v1/flows",
        Some(json!({
            "name": "two", "sources": [rtp_source("a", 6000), rtp_source("b", 6000)],
            "sourceFailoverConfig": {"state": "ENABLED"},
        })),
    );
    assert!(f.message.contains("port 6000"), "{}", f.message);
    // Moving a source onto a taken port is refused; onto a free one works.
    let second = w.flow("second", 5001);
    let source_arn = w.describe(&second)["flow"]["source"]["sourceArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let f = w.fails(
        "PUT",
        &source_path(&second, &source_arn),
        Some(json!({"ingestPort": 5000})),
    );
    assert!(f.message.contains("first"), "{}", f.message);
    let (status, v) = w.ok(
        "PUT",
        &source_path(&second, &source_arn),
        Some(json!({"ingestPort": 5002})),
    );
    assert_eq!(status, 202);
    assert_eq!(v["source"]["ingestPort"], 5002);
    // Once the first flow is gone, its port is free.
    w.ok("DELETE", &flow_path(&first), None);
    w.flow("third", 5000);
}

#[test]
fn source_validation_names_the_member() {
    let mut w = world();
    let cases = [
        (
            json!({"name": "s", "protocol": "srt-listener", "ingestPort": 5000}),
            "protocol: protocol srt-listener is not supported; use rtp or udp",
        ),
        (
            json!({"name": "s", "protocol": "rtp", "ingestPort": 5000, "whitelistCidr": "10.0.0.0/40"}),
            "whitelistCidr:",
        ),
        (
            json!({"name": "s", "protocol": "rtp", "ingestPort": 1023}),
            "ingestPort:",
        ),
        (
            json!({"name": "s", "protocol": "rtp"}),
            "ingestPort: is required",
        ),
        (
            json!({"name": "s s", "protocol": "rtp", "ingestPort": 5000}),
            "name:",
        ),
        (
            json!({"name": "s", "protocol": "rtp", "ingestPort": 5000, "vpcInterfaceName": "v"}),
            "vpcInterfaceName: is not supported",
        ),
        (
            json!({"name": "s", "protocol": "rtp", "ingestPort": 5000, "decryption": {"roleArn": "r"}}),
            "decryption: is not supported",
        ),
        (
            json!({"name": "s", "protocol": "rtp", "ingestPort": 5000, "gatewayBridgeSource": {}}),
            "gatewayBridgeSource: is not supported",
        ),
        (
            json!({"name": "s", "protocol": "rtp", "ingestPort": 5000, "routerIntegrationState": "ENABLED"}),
            "routerIntegrationState: is not supported",
        ),
    ];
    for (source, want) in cases {
        let f = w.fails(
            "POST",
            "/v1/flows",
            Some(json!({"name": "f", "source": source})),
        );
        assert_error(&f, 400, "BadRequestException");
        assert!(
            f.message.starts_with(&format!("source.{want}")),
            "want {want}: {}",
            f.message
        );
    }
    let arn = w.flow("f", 5000);
    enable_failover(&mut w, &arn);
    let f = w.fails(
        "POST",
        &sources_path(&arn),
        Some(json!({"sources": [{"name": "b", "protocol": "zixi-push", "ingestPort": 5001}]})),
    );
    assert!(
        f.message.starts_with("sources[0].protocol:"),
        "{}",
        f.message
    );
    let f = w.fails("POST", &sources_path(&arn), Some(json!({"sources": []})));
    assert_error(&f, 400, "BadRequestException");
}

#[test]
fn update_flow_source_changes_what_it_is_given() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let source_arn = w.describe(&arn)["flow"]["source"]["sourceArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, v) = w.ok("PUT", &source_path(&arn, &source_arn), Some(json!({
        "protocol": "udp", "whitelistCidr": "192.0.2.0/24", "description": "backup path", "maxLatency": 500,
    })));
    assert_eq!(status, 202);
    assert_eq!(v["flowArn"], arn.as_str());
    let s = &v["source"];
    assert_eq!(s["sourceArn"], source_arn.as_str());
    assert_eq!(
        s["transport"],
        json!({"protocol": "udp", "maxLatency": 500})
    );
    assert_eq!(s["whitelistCidr"], "192.0.2.0/24");
    assert_eq!(s["ingestPort"], 5000);
    assert_eq!(s["description"], "backup path");
    assert_eq!(w.describe(&arn)["flow"]["source"], *s);
    assert_eq!(w.record(&arn).generation, 2);
    let f = w.fails(
        "PUT",
        &source_path(&arn, &source_arn),
        Some(json!({"protocol": "rist"})),
    );
    assert!(
        f.message
            .starts_with("protocol: protocol rist is not supported"),
        "{}",
        f.message
    );
    let f = w.fails(
        "PUT",
        &source_path(&arn, &source_arn),
        Some(json!({"sourceListenerPort": 9000})),
    );
    assert!(
        f.message
            .starts_with("sourceListenerPort: is not supported"),
        "{}",
        f.message
    );
    let missing = source_arn.replace(":source:1-", ":source:1-0");
    let f = w.fails(
        "PUT",
        &source_path(&arn, &missing),
        Some(json!({"description": "x"})),
    );
    assert_error(&f, 404, "NotFoundException");
    let f = w.fails(
        "PUT",
        &source_path(&arn, "not-an-arn"),
        Some(json!({"description": "x"})),
    );
    assert_error(&f, 400, "BadRequestException");
}

#[test]
fn remove_flow_source_keeps_at_least_one_and_clears_the_priority() {
    let mut w = world();
    let flow = w.create(json!({"name": "f", "sources": [rtp_source("a", 5000), rtp_source("b", 5001)],
                               "sourceFailoverConfig": {"state": "ENABLED", "sourcePriority": {"primarySource": "b"}}}));
    let arn = flow["flowArn"].as_str().unwrap();
    let a = flow["sources"][0]["sourceArn"].as_str().unwrap();
    let b = flow["sources"][1]["sourceArn"].as_str().unwrap();
    let (status, v) = w.ok("DELETE", &source_path(arn, b), None);
    assert_eq!((status, v), (202, json!({"flowArn": arn, "sourceArn": b})));
    let d = w.describe(arn);
    assert_eq!(d["flow"]["sources"].as_array().unwrap().len(), 1);
    assert!(
        d["flow"]["sourceFailoverConfig"]
            .get("sourcePriority")
            .is_none()
    );
    let f = w.fails("DELETE", &source_path(arn, a), None);
    assert_error(&f, 400, "BadRequestException");
    assert!(f.message.contains("only source"), "{}", f.message);
    assert_error(
        &w.fails("DELETE", &source_path(arn, b), None),
        404,
        "NotFoundException",
    );
    // Removing the first source promotes the other to `source`.
    let flow = w.create(
        json!({"name": "g", "sources": [rtp_source("a", 6000), rtp_source("b", 6001)],
                               "sourceFailoverConfig": {"state": "ENABLED"}}),
    );
    let g = flow["flowArn"].as_str().unwrap();
    w.ok(
        "DELETE",
        &source_path(g, flow["sources"][0]["sourceArn"].as_str().unwrap()),
        None,
    );
    assert_eq!(w.describe(g)["flow"]["source"]["name"], "b");
}

/// A flow owned by someone granting `subscribers` an entitlement; its ARN.
fn entitlement(w: &mut World, port: u16, subscribers: &[&str], status: &str) -> String {
    let flow = w.create(json!({
        "name": format!("origin{port}"), "source": rtp_source("cam", port),
        "entitlements": [{"name": "share", "subscribers": subscribers, "entitlementStatus": status}],
    }));
    flow["entitlements"][0]["entitlementArn"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn an_entitlement_granted_to_us_can_be_a_source() {
    let mut w = world();
    let ent = entitlement(&mut w, 5000, &[ACCOUNT], "ENABLED");
    let flow = w.create(json!({"name": "sub", "source": {"name": "in", "entitlementArn": ent}}));
    let s = &flow["source"];
    assert_eq!(s["entitlementArn"], ent.as_str());
    assert!(
        s.get("transport").is_none()
            && s.get("ingestPort").is_none()
            && s.get("ingestIp").is_none()
    );
    let (_, list) = w.ok("GET", "/v1/flows", None);
    let sub = list["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "sub")
        .unwrap();
    assert_eq!(sub["sourceType"], "ENTITLED");
    // An entitlement source keeps its kind.
    let arn = flow["flowArn"].as_str().unwrap();
    let f = w.fails(
        "PUT",
        &source_path(arn, s["sourceArn"].as_str().unwrap()),
        Some(json!({"ingestPort": 7000})),
    );
    assert!(f.message.contains("entitlement"), "{}", f.message);
}

#[test]
fn entitlement_sources_must_exist_be_enabled_and_list_us() {
    let mut w = world();
    let missing = format!("arn:aws:mediaconnect:{REGION}:{ACCOUNT}:entitlement:1-gone:e");
    let f = w.fails(
        "POST",
        "/v1/flows",
        Some(json!({"name": "s", "source": {"name": "in", "entitlementArn": missing}})),
    );
    assert_error(&f, 404, "NotFoundException");
    let disabled = entitlement(&mut w, 5000, &[ACCOUNT], "DISABLED");
    let f = w.fails(
        "POST",
        "/v1/flows",
        Some(json!({"name": "s", "source": {"name": "in", "entitlementArn": disabled}})),
    );
    assert_error(&f, 403, "ForbiddenException");
    let theirs = entitlement(&mut w, 5001, &["444455556666"], "ENABLED");
    let f = w.fails(
        "POST",
        "/v1/flows",
        Some(json!({"name": "s", "source": {"name": "in", "entitlementArn": theirs}})),
    );
    assert_error(&f, 403, "ForbiddenException");
    assert!(f.message.contains(ACCOUNT), "{}", f.message);
    let f = w.fails("POST", "/v1/flows", Some(json!({"name": "s", "source": {"name": "in", "entitlementArn": theirs, "protocol": "rtp"}})));
    assert_error(&f, 400, "BadRequestException");
}
