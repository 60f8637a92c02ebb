//! CreateFlow, DescribeFlow, ListFlows, UpdateFlow, DeleteFlow, StartFlow,
//! StopFlow, and the status derived with the host's runtime record.

use tributary_mediaconnect::Desired;

use super::*;

#[test]
fn a_new_flow_is_standby_with_arns_defaults_and_the_ingest_address() {
    let mut w = world();
    let flow = w.create(json!({
        "name": "AwardsShow",
        "source": {"name": "cam-1", "protocol": "rtp", "ingestPort": 5000,
                   "whitelistCidr": "203.0.113.0/24", "description": "venue feed",
                   "maxBitrate": 20000000},
        "outputs": [output("out-1", 6000)],
        "entitlements": [{"name": "share", "subscribers": ["444455556666"]}],
    }));
    let arn = flow["flowArn"].as_str().unwrap();
    assert!(
        arn.starts_with(&format!("arn:aws:mediaconnect:{REGION}:{ACCOUNT}:flow:1-"))
            && arn.ends_with(":AwardsShow"),
        "{arn}"
    );
    assert_eq!(flow["status"], "STANDBY");
    assert_eq!(flow["name"], "AwardsShow");
    assert_eq!(flow["availabilityZone"], "us-east-1a");
    assert_eq!(flow["egressIp"], INGEST_IP);
    let source = &flow["source"];
    assert_eq!(source, &flow["sources"][0]);
    assert!(
        source["sourceArn"].as_str().unwrap().contains(":source:1-"),
        "{source}"
    );
    assert!(source["sourceArn"].as_str().unwrap().ends_with(":cam-1"));
    assert_eq!(source["ingestIp"], INGEST_IP);
    assert_eq!(source["ingestPort"], 5000);
    assert_eq!(source["whitelistCidr"], "203.0.113.0/24");
    assert_eq!(source["description"], "venue feed");
    assert_eq!(
        source["transport"],
        json!({"protocol": "rtp", "maxBitrate": 20000000})
    );
    assert_eq!(flow["outputs"][0]["outputStatus"], "ENABLED");
    assert_eq!(flow["outputs"][0]["transport"]["protocol"], "udp");
    assert!(
        flow["outputs"][0]["outputArn"]
            .as_str()
            .unwrap()
            .contains(":output:1-")
    );
    assert_eq!(flow["entitlements"][0]["entitlementStatus"], "ENABLED");
    assert_eq!(
        flow["entitlements"][0]["dataTransferSubscriberFeePercent"],
        0
    );
    assert_eq!(
        flow["sourceFailoverConfig"],
        json!({"failoverMode": "FAILOVER", "recoveryWindow": 200, "state": "DISABLED"})
    );
    let record = w.record(arn);
    assert_eq!(
        (record.desired, record.generation, record.created_ms),
        (Desired::Standby, 1, NOW_MS)
    );
    // Every resource got its own id.
    let ids: std::collections::BTreeSet<_> = [
        &flow["flowArn"],
        &source["sourceArn"],
        &flow["outputs"][0]["outputArn"],
        &flow["entitlements"][0]["entitlementArn"],
    ]
    .iter()
    .map(|a| a.as_str().unwrap().split(':').nth(6).unwrap().to_owned())
    .collect();
    assert_eq!(ids.len(), 4);
}

#[test]
fn without_an_ingest_address_responses_leave_it_out() {
    let mut w = world();
    w.settings.ingest_ip = None;
    let flow = w.create(json!({"name": "f", "source": rtp_source("s", 5000)}));
    assert!(flow["source"].get("ingestIp").is_none());
    assert!(flow.get("egressIp").is_none());
}

#[test]
fn the_availability_zone_must_be_in_our_region() {
    let mut w = world();
    let flow = w.create(
        json!({"name": "f", "availabilityZone": "us-east-1c", "source": rtp_source("s", 5000)}),
    );
    assert_eq!(flow["availabilityZone"], "us-east-1c");
    for az in ["eu-west-1a", "us-east-1", "us-east-1ab"] {
        let f = w.fails(
            "POST",
            "/v1/flows",
            Some(json!({"name": "g", "availabilityZone": az, "source": rtp_source("s", 5001)})),
        );
        assert_error(&f, 400, "BadRequestException");
    }
}

#[test]
fn a_flow_needs_exactly_one_way_of_giving_sources() {
    let mut w = world();
    let f = w.fails("POST", "/v1/flows", Some(json!({"name": "f"})));
    assert_error(&f, 400, "BadRequestException");
    assert!(f.message.contains("needs a source"), "{}", f.message);
    let f = w.fails("POST", "/v1/flows", Some(json!({"name": "f", "source": rtp_source("a", 5000), "sources": [rtp_source("b", 5001)]})));
    assert!(f.message.contains("not both"), "{}", f.message);
    let f = w.fails(
        "POST",
        "/v1/flows",
        Some(json!({"name": "f", "sources": []})),
    );
    assert!(f.message.starts_with("sources:"), "{}", f.message);
    let f = w.fails(
        "POST",
        "/v1/flows",
        Some(json!({"name": "bad name", "source": rtp_source("a", 5000)})),
    );
    assert!(f.message.starts_with("name:"), "{}", f.message);
}

#[test]
fn flow_features_not_run_here_are_refused() {
    let mut w = world();
    for member in [
        "vpcInterfaces",
        "mediaStreams",
        "ndiConfig",
        "encodingConfig",
        "maintenance",
        "sourceMonitoringConfig",
    ] {
        let f = w.fails(
            "POST",
            "/v1/flows",
            Some(json!({"name": "f", "source": rtp_source("a", 5000), member: []})),
        );
        assert_error(&f, 400, "BadRequestException");
        assert!(
            f.message
                .starts_with(&format!("{member}: is not supported")),
            "{}",
            f.message
        );
    }
    let f = w.fails(
        "POST",
        "/v1/flows",
        Some(json!({"name": "f", "source": rtp_source("a", 5000), "flowSize": "LARGE"})),
    );
    assert!(f.message.starts_with("flowSize:"), "{}", f.message);
    w.create(json!({"name": "f", "source": rtp_source("a", 5000), "flowSize": "MEDIUM"}));
}

#[test]
fn two_sources_need_failover_enabled() {
    let mut w = world();
    let two = json!([rtp_source("a", 5000), rtp_source("b", 5001)]);
    let f = w.fails(
        "POST",
        "/v1/flows",
        Some(json!({"name": "f", "sources": two})),
    );
    assert_error(&f, 400, "BadRequestException");
    assert!(f.message.contains("ENABLED"), "{}", f.message);
    let flow = w.create(json!({
        "name": "f", "sources": two,
        "sourceFailoverConfig": {"state": "ENABLED", "failoverMode": "MERGE", "recoveryWindow": 300,
                                 "sourcePriority": {"primarySource": "b"}},
    }));
    assert_eq!(flow["sources"].as_array().unwrap().len(), 2);
    assert_eq!(flow["source"]["name"], "a");
    assert_eq!(
        flow["sourceFailoverConfig"],
        json!({"failoverMode": "MERGE", "recoveryWindow": 300, "state": "ENABLED", "sourcePriority": {"primarySource": "b"}})
    );
    let three = json!([
        rtp_source("a", 5010),
        rtp_source("b", 5011),
        rtp_source("c", 5012)
    ]);
    let f = w.fails(
        "POST",
        "/v1/flows",
        Some(json!({"name": "g", "sources": three, "sourceFailoverConfig": {"state": "ENABLED"}})),
    );
    assert!(f.message.contains("at most 2"), "{}", f.message);
}

#[test]
fn the_primary_source_must_name_a_source() {
    let mut w = world();
    let f = w.fails(
        "POST",
        "/v1/flows",
        Some(json!({
            "name": "f", "source": rtp_source("a", 5000),
            "sourceFailoverConfig": {"sourcePriority": {"primarySource": "zzz"}},
        })),
    );
    assert_error(&f, 400, "BadRequestException");
    assert!(f.message.contains("zzz"), "{}", f.message);
}

#[test]
fn describe_finds_only_the_exact_arn() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    assert_eq!(w.describe(&arn)["flow"]["flowArn"], arn.as_str());
    assert!(w.describe(&arn).get("messages").is_none());
    for other in [
        format!("{}:g", arn.rsplit_once(':').unwrap().0),
        arn.replace(ACCOUNT, "999999999999"),
        arn.replace(REGION, "eu-west-1"),
    ] {
        assert_error(
            &w.fails("GET", &flow_path(&other), None),
            404,
            "NotFoundException",
        );
    }
    let f = w.fails(
        "GET",
        &flow_path("arn:aws:mediaconnect:us-east-1:1:output:1-a:o"),
        None,
    );
    assert_error(&f, 400, "BadRequestException");
}

#[test]
fn list_flows_pages_in_creation_order() {
    let mut w = world();
    let mut arns = Vec::new();
    for i in 0..5u16 {
        w.now_ms = NOW_MS + u64::from(i);
        arns.push(w.flow(&format!("f{i}"), 5000 + i));
    }
    let (_, all) = w.ok("GET", "/v1/flows", None);
    let listed: Vec<&str> = all["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["flowArn"].as_str().unwrap())
        .collect();
    assert_eq!(listed, arns.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(all.get("nextToken").is_none());
    let first = &all["flows"][0];
    assert_eq!(
        first,
        &json!({"availabilityZone": "us-east-1a", "description": "", "flowArn": arns[0], "name": "f0",
                "sourceType": "OWNED", "status": "STANDBY"})
    );

    let mut seen = Vec::new();
    let mut path = "/v1/flows?maxResults=2".to_owned();
    loop {
        let (_, page) = w.ok("GET", &path, None);
        let flows = page["flows"].as_array().unwrap();
        assert!(flows.len() <= 2);
        seen.extend(
            flows
                .iter()
                .map(|f| f["flowArn"].as_str().unwrap().to_owned()),
        );
        match page["nextToken"].as_str() {
            Some(t) => path = format!("/v1/flows?maxResults=2&nextToken={}", label(t)),
            None => break,
        }
    }
    assert_eq!(seen, arns);
    for bad in [
        "maxResults=0",
        "maxResults=1001",
        "maxResults=two",
        "nextToken=%21%21",
    ] {
        let f = w.fails("GET", &format!("/v1/flows?{bad}"), None);
        assert_error(&f, 400, "BadRequestException");
    }
}

#[test]
fn start_answers_starting_and_asks_for_a_new_generation() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let (status, v) = w.ok("POST", &format!("/v1/flows/start/{}", label(&arn)), None);
    assert_eq!(
        (status, v),
        (202, json!({"flowArn": arn, "status": "STARTING"}))
    );
    let r = w.record(&arn);
    assert_eq!((r.desired, r.generation), (Desired::Active, 2));
    assert_eq!(w.describe(&arn)["flow"]["status"], "STARTING");
    // Starting twice is refused, as on AWS.
    let f = w.fails("POST", &format!("/v1/flows/start/{}", label(&arn)), None);
    assert_error(&f, 400, "BadRequestException");
    assert!(f.message.contains("STARTING"), "{}", f.message);
}

#[test]
fn the_status_follows_the_host_and_changes_show_updating() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    w.ok("POST", &format!("/v1/flows/start/{}", label(&arn)), None);
    w.host_reports(&arn, RuntimeState::Running, 2, vec![]);
    assert_eq!(w.describe(&arn)["flow"]["status"], "ACTIVE");
    // A change bumps the generation: UPDATING until the host runs it.
    w.ok(
        "POST",
        &format!("{}/outputs", flow_path(&arn)),
        Some(json!({"outputs": [output("o", 6000)]})),
    );
    assert_eq!(w.record(&arn).generation, 3);
    assert_eq!(w.describe(&arn)["flow"]["status"], "UPDATING");
    let (_, listed) = w.ok("GET", "/v1/flows", None);
    assert_eq!(listed["flows"][0]["status"], "UPDATING");
    w.host_reports(&arn, RuntimeState::Running, 3, vec![]);
    assert_eq!(w.describe(&arn)["flow"]["status"], "ACTIVE");
    // A host that stopped reporting counts as gone.
    w.now_ms += tributary_mediaconnect::LEASE_MS + 1;
    assert_eq!(w.describe(&arn)["flow"]["status"], "STARTING");
}

#[test]
fn an_errored_flow_reports_the_host_errors_and_can_be_started_again() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    w.ok("POST", &format!("/v1/flows/start/{}", label(&arn)), None);
    w.host_reports(&arn, RuntimeState::Failed, 2, vec![]);
    let d = w.describe(&arn);
    assert_eq!(d["flow"]["status"], "ERROR");
    assert_eq!(
        d["messages"],
        json!({"errors": ["bind 0.0.0.0:5000: address in use"]})
    );
    let (_, v) = w.ok("POST", &format!("/v1/flows/start/{}", label(&arn)), None);
    assert_eq!(v["status"], "STARTING");
    assert_eq!(w.record(&arn).generation, 3, "a retry is a new generation");
    assert_eq!(w.describe(&arn)["flow"]["status"], "STARTING");
}

#[test]
fn stop_answers_stopping_and_is_refused_on_a_stopped_flow() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let stop = format!("/v1/flows/stop/{}", label(&arn));
    let f = w.fails("POST", &stop, None);
    assert_error(&f, 400, "BadRequestException");
    assert!(f.message.contains("STANDBY"), "{}", f.message);
    w.ok("POST", &format!("/v1/flows/start/{}", label(&arn)), None);
    w.host_reports(&arn, RuntimeState::Running, 2, vec![]);
    let (status, v) = w.ok("POST", &stop, None);
    assert_eq!(
        (status, v),
        (202, json!({"flowArn": arn, "status": "STOPPING"}))
    );
    let r = w.record(&arn);
    assert_eq!((r.desired, r.generation), (Desired::Standby, 3));
    // The host still runs it: STOPPING, and it cannot be deleted or stopped again.
    assert_eq!(w.describe(&arn)["flow"]["status"], "STOPPING");
    assert!(
        w.fails("POST", &stop, None)
            .message
            .contains("stopping already")
    );
    let f = w.fails("DELETE", &flow_path(&arn), None);
    assert_error(&f, 400, "BadRequestException");
    assert!(f.message.contains("stop the flow first"), "{}", f.message);
    w.host_reports(&arn, RuntimeState::Stopped, 3, vec![]);
    assert_eq!(w.describe(&arn)["flow"]["status"], "STANDBY");
}

#[test]
fn delete_needs_a_stopped_flow_and_removes_its_keys() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let id = w.id(&arn);
    w.ok("POST", &format!("/v1/flows/start/{}", label(&arn)), None);
    let f = w.fails("DELETE", &flow_path(&arn), None);
    assert!(
        f.message.contains("STARTING") && f.message.contains("stop the flow first"),
        "{}",
        f.message
    );
    w.ok("POST", &format!("/v1/flows/stop/{}", label(&arn)), None);
    w.host_reports(&arn, RuntimeState::Stopped, 3, vec![]);
    w.store.leases.insert(
        id.clone(),
        tributary_mediaconnect::Lease {
            host: "host-a".into(),
            until_ms: NOW_MS + 5000,
        },
    );
    let (status, v) = w.ok("DELETE", &flow_path(&arn), None);
    assert_eq!(
        (status, v),
        (202, json!({"flowArn": arn, "status": "DELETING"}))
    );
    assert!(!w.store.flows.contains_key(&id));
    assert!(!w.store.runtimes.contains_key(&id));
    assert!(!w.store.leases.contains_key(&id));
    assert_error(
        &w.fails("GET", &flow_path(&arn), None),
        404,
        "NotFoundException",
    );
    assert_error(
        &w.fails("DELETE", &flow_path(&arn), None),
        404,
        "NotFoundException",
    );
}

#[test]
fn update_flow_merges_the_failover_config() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let (status, v) = w.ok("PUT", &flow_path(&arn), Some(json!({
        "sourceFailoverConfig": {"state": "ENABLED", "failoverMode": "MERGE", "recoveryWindow": 1000}
    })));
    assert_eq!(status, 202);
    assert_eq!(
        v["flow"]["sourceFailoverConfig"],
        json!({"failoverMode": "MERGE", "recoveryWindow": 1000, "state": "ENABLED"})
    );
    assert_eq!(w.record(&arn).generation, 2);
    let (_, v) = w.ok(
        "PUT",
        &flow_path(&arn),
        Some(json!({"sourceFailoverConfig": {"recoveryWindow": 150}})),
    );
    assert_eq!(v["flow"]["sourceFailoverConfig"]["failoverMode"], "MERGE");
    assert_eq!(v["flow"]["sourceFailoverConfig"]["recoveryWindow"], 150);
    // Nothing to change: no new generation.
    w.ok("PUT", &flow_path(&arn), Some(json!({})));
    assert_eq!(w.record(&arn).generation, 3);
    let f = w.fails(
        "PUT",
        &flow_path(&arn),
        Some(json!({"sourceFailoverConfig": {"recoveryWindow": 15001}})),
    );
    assert!(
        f.message
            .starts_with("sourceFailoverConfig.recoveryWindow:"),
        "{}",
        f.message
    );
    let f = w.fails(
        "PUT",
        &flow_path(&arn),
        Some(json!({"maintenance": {"maintenanceDay": "Monday"}})),
    );
    assert!(
        f.message.starts_with("maintenance: is not supported"),
        "{}",
        f.message
    );
}

#[test]
fn failover_cannot_be_disabled_with_two_sources() {
    let mut w = world();
    let flow = w.create(
        json!({"name": "f", "sources": [rtp_source("a", 5000), rtp_source("b", 5001)],
                               "sourceFailoverConfig": {"state": "ENABLED"}}),
    );
    let arn = flow["flowArn"].as_str().unwrap();
    let f = w.fails(
        "PUT",
        &flow_path(arn),
        Some(json!({"sourceFailoverConfig": {"state": "DISABLED"}})),
    );
    assert_error(&f, 400, "BadRequestException");
    assert_eq!(
        w.record(arn).generation,
        1,
        "a refused change writes nothing"
    );
}

#[test]
fn a_change_racing_another_writer_is_retried_not_lost() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let id = w.id(&arn);
    // Another control instance adds an output between our read and our write.
    let sneaky = w.record(&arn);
    w.store.interfere(move |flows| {
        let mut r = sneaky;
        r.flow.outputs.push(tributary_mediaconnect::wire::Output {
            description: None,
            destination: Some("10.0.0.9".into()),
            entitlement_arn: None,
            name: "theirs".into(),
            output_arn: "arn:aws:mediaconnect:us-east-1:111122223333:output:1-x:theirs".into(),
            port: Some(7000),
            transport: None,
            output_status: None,
        });
        r.generation += 1;
        flows.insert(id, r);
    });
    w.ok(
        "POST",
        &format!("{}/outputs", flow_path(&arn)),
        Some(json!({"outputs": [output("ours", 6000)]})),
    );
    assert_eq!(w.store.retries, 1);
    let r = w.record(&arn);
    let names: Vec<&str> = r.flow.outputs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["theirs", "ours"]);
    assert_eq!(r.generation, 3);
}
