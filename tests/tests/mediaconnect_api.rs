//! The MediaConnect control plane driven by the real aws CLI (v1), as the
//! AWS tutorials drive MediaConnect: flows, outputs, sources, failover,
//! entitlements, tags, start/stop/delete, paging and the refusals, with the
//! CLI's JSON output checked field by field.
//!
//! A transport supervisor may run started flows on the same server, so a
//! started flow may turn ACTIVE by itself; nothing here depends on whether
//! it does (StartFlow's own answer is STARTING either way).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use serde_json::Value;
use tributary_tests::awscli::AwsCli;
use tributary_tests::transport::free_udp_port;
use tributary_tests::{ACCOUNT_ID, REGION, Server};

fn str_at<'a>(v: &'a Value, pointer: &str) -> Result<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .with_context(|| format!("no string at {pointer} in {v}"))
}

fn len_at(v: &Value, pointer: &str) -> usize {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// `--source` shorthand for an rtp source on `port`, open to `cidr`.
fn rtp_source(name: &str, port: u16, cidr: &str) -> String {
    format!("Name={name},Protocol=rtp,IngestPort={port},WhitelistCidr={cidr}")
}

/// Poll DescribeFlow until the flow is `want` (a host may take a moment to
/// stop what it ran).
fn wait_status(aws: &AwsCli, arn: &str, want: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let d = aws.json(&["mediaconnect", "describe-flow", "--flow-arn", arn])?;
        let status = str_at(&d, "/Flow/Status")?.to_owned();
        if status == want {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "flow still {status}, not {want}: {d}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_is_built_run_and_deleted_with_the_aws_cli() -> Result<()> {
    let mut server = Server::start().await?;
    let aws = AwsCli::new(&server)?;
    let mc = |args: &[&str]| -> Result<Value> {
        let mut all = vec!["mediaconnect"];
        all.extend_from_slice(args);
        aws.json(&all)
    };
    let (ingest, backup) = (free_udp_port(false)?, free_udp_port(false)?);
    let (out1, out2, out3) = (
        free_udp_port(false)?,
        free_udp_port(false)?,
        free_udp_port(false)?,
    );

    // create-flow: an rtp source open to one sender.
    let created = mc(&[
        "create-flow",
        "--name",
        "AwardsShow",
        "--source",
        &rtp_source("venue", ingest, "127.0.0.1/32"),
    ])?;
    let arn = str_at(&created, "/Flow/FlowArn")?.to_owned();
    ensure!(
        arn.starts_with(&format!("arn:aws:mediaconnect:{REGION}:{ACCOUNT_ID}:flow:"))
            && arn.ends_with(":AwardsShow"),
        "{arn}"
    );
    let flow = &created["Flow"];
    ensure!(flow["Status"] == "STANDBY", "{flow}");
    ensure!(flow["AvailabilityZone"] == format!("{REGION}a"), "{flow}");
    ensure!(flow["Source"]["Name"] == "venue", "{flow}");
    ensure!(flow["Source"]["IngestPort"] == ingest, "{flow}");
    ensure!(flow["Source"]["WhitelistCidr"] == "127.0.0.1/32", "{flow}");
    ensure!(flow["Source"]["Transport"]["Protocol"] == "rtp", "{flow}");
    ensure!(
        flow["Sources"] == Value::Array(vec![flow["Source"].clone()]),
        "{flow}"
    );
    if let Some(ip) = flow["Source"]["IngestIp"].as_str() {
        ensure!(ip.parse::<std::net::IpAddr>().is_ok(), "IngestIp {ip}");
    }

    // describe-flow answers the same flow.
    let described = mc(&["describe-flow", "--flow-arn", &arn])?;
    ensure!(described["Flow"]["FlowArn"] == arn.as_str(), "{described}");
    ensure!(described["Flow"]["Status"] == "STANDBY", "{described}");
    ensure!(described["Flow"]["Source"] == flow["Source"], "{described}");

    // add-flow-outputs twice, update one, remove the other.
    let added = mc(&[
        "add-flow-outputs",
        "--flow-arn",
        &arn,
        "--outputs",
        &format!(
            "Name=truck,Protocol=rtp,Destination=127.0.0.1,Port={out1},Description=to the truck"
        ),
    ])?;
    ensure!(added["FlowArn"] == arn.as_str(), "{added}");
    ensure!(added["Outputs"][0]["Port"] == out1, "{added}");
    ensure!(added["Outputs"][0]["OutputStatus"] == "ENABLED", "{added}");
    let truck = str_at(&added, "/Outputs/0/OutputArn")?.to_owned();
    let added = mc(&[
        "add-flow-outputs",
        "--flow-arn",
        &arn,
        "--outputs",
        &format!("Name=web,Protocol=udp,Destination=127.0.0.1,Port={out2}"),
    ])?;
    let web = str_at(&added, "/Outputs/0/OutputArn")?.to_owned();
    ensure!(
        len_at(
            &mc(&["describe-flow", "--flow-arn", &arn])?,
            "/Flow/Outputs"
        ) == 2
    );
    let updated = mc(&[
        "update-flow-output",
        "--flow-arn",
        &arn,
        "--output-arn",
        &truck,
        "--port",
        &out3.to_string(),
        "--output-status",
        "DISABLED",
    ])?;
    ensure!(updated["Output"]["Port"] == out3, "{updated}");
    ensure!(updated["Output"]["OutputStatus"] == "DISABLED", "{updated}");
    ensure!(
        updated["Output"]["Description"] == "to the truck",
        "{updated}"
    );
    let removed = mc(&[
        "remove-flow-output",
        "--flow-arn",
        &arn,
        "--output-arn",
        &web,
    ])?;
    ensure!(removed["OutputArn"] == web.as_str(), "{removed}");
    let d = mc(&["describe-flow", "--flow-arn", &arn])?;
    ensure!(
        len_at(&d, "/Flow/Outputs") == 1 && d["Flow"]["Outputs"][0]["Name"] == "truck",
        "{d}"
    );

    // A second source: failover first (MERGE, SMPTE 2022-7), then the source.
    let updated = mc(&[
        "update-flow",
        "--flow-arn",
        &arn,
        "--source-failover-config",
        "State=ENABLED,FailoverMode=MERGE,RecoveryWindow=300",
    ])?;
    let config = &updated["Flow"]["SourceFailoverConfig"];
    ensure!(
        config["State"] == "ENABLED"
            && config["FailoverMode"] == "MERGE"
            && config["RecoveryWindow"] == 300,
        "{updated}"
    );
    let added = mc(&[
        "add-flow-sources",
        "--flow-arn",
        &arn,
        "--sources",
        &rtp_source("backup", backup, "127.0.0.1/32"),
    ])?;
    ensure!(added["Sources"][0]["Name"] == "backup", "{added}");
    let backup_arn = str_at(&added, "/Sources/0/SourceArn")?.to_owned();
    ensure!(
        len_at(
            &mc(&["describe-flow", "--flow-arn", &arn])?,
            "/Flow/Sources"
        ) == 2
    );
    let updated = mc(&[
        "update-flow-source",
        "--flow-arn",
        &arn,
        "--source-arn",
        &backup_arn,
        "--whitelist-cidr",
        "127.0.0.0/8",
        "--description",
        "second path",
    ])?;
    ensure!(
        updated["Source"]["WhitelistCidr"] == "127.0.0.0/8",
        "{updated}"
    );
    ensure!(
        updated["Source"]["Description"] == "second path",
        "{updated}"
    );
    ensure!(updated["Source"]["IngestPort"] == backup, "{updated}");
    let removed = mc(&[
        "remove-flow-source",
        "--flow-arn",
        &arn,
        "--source-arn",
        &backup_arn,
    ])?;
    ensure!(removed["SourceArn"] == backup_arn.as_str(), "{removed}");
    ensure!(
        len_at(
            &mc(&["describe-flow", "--flow-arn", &arn])?,
            "/Flow/Sources"
        ) == 1
    );

    // Entitlements: grant to our own account, update, list, revoke.
    let granted = mc(&[
        "grant-flow-entitlements",
        "--flow-arn",
        &arn,
        "--entitlements",
        &format!(
            r#"[{{"Name": "partner", "Subscribers": ["{ACCOUNT_ID}"], "DataTransferSubscriberFeePercent": 10}}]"#
        ),
    ])?;
    let ent = str_at(&granted, "/Entitlements/0/EntitlementArn")?.to_owned();
    ensure!(
        ent.contains(":entitlement:") && ent.ends_with(":partner"),
        "{ent}"
    );
    ensure!(
        granted["Entitlements"][0]["EntitlementStatus"] == "ENABLED",
        "{granted}"
    );
    let updated = mc(&[
        "update-flow-entitlement",
        "--flow-arn",
        &arn,
        "--entitlement-arn",
        &ent,
        "--entitlement-status",
        "DISABLED",
        "--description",
        "paused",
    ])?;
    ensure!(
        updated["Entitlement"]["EntitlementStatus"] == "DISABLED",
        "{updated}"
    );
    ensure!(
        updated["Entitlement"]["Description"] == "paused",
        "{updated}"
    );
    let listed = mc(&["list-entitlements"])?;
    ensure!(
        listed["Entitlements"]
            == serde_json::json!([{"EntitlementArn": ent, "EntitlementName": "partner", "DataTransferSubscriberFeePercent": 10}]),
        "{listed}"
    );
    let revoked = mc(&[
        "revoke-flow-entitlement",
        "--flow-arn",
        &arn,
        "--entitlement-arn",
        &ent,
    ])?;
    ensure!(revoked["EntitlementArn"] == ent.as_str(), "{revoked}");
    ensure!(len_at(&mc(&["list-entitlements"])?, "/Entitlements") == 0);

    // Tags on the flow and on its output.
    ensure!(
        mc(&[
            "tag-resource",
            "--resource-arn",
            &arn,
            "--tags",
            "team=live,show=awards"
        ])?
        .is_null()
    );
    ensure!(
        mc(&[
            "tag-resource",
            "--resource-arn",
            &truck,
            "--tags",
            "to=truck"
        ])?
        .is_null()
    );
    let tags = mc(&["list-tags-for-resource", "--resource-arn", &arn])?;
    ensure!(
        tags["Tags"] == serde_json::json!({"team": "live", "show": "awards"}),
        "{tags}"
    );
    ensure!(
        mc(&[
            "untag-resource",
            "--resource-arn",
            &arn,
            "--tag-keys",
            "show"
        ])?
        .is_null()
    );
    let tags = mc(&["list-tags-for-resource", "--resource-arn", &arn])?;
    ensure!(
        tags["Tags"] == serde_json::json!({"team": "live"}),
        "{tags}"
    );
    let tags = mc(&["list-tags-for-resource", "--resource-arn", &truck])?;
    ensure!(tags["Tags"] == serde_json::json!({"to": "truck"}), "{tags}");

    // Metadata of a flow that is not running is a message, not an error.
    let meta = mc(&["describe-flow-source-metadata", "--flow-arn", &arn])?;
    ensure!(
        meta["FlowArn"] == arn.as_str() && len_at(&meta, "/Messages") == 1,
        "{meta}"
    );

    // start-flow answers STARTING; a running flow cannot be deleted.
    let started = mc(&["start-flow", "--flow-arn", &arn])?;
    ensure!(
        started["Status"] == "STARTING" && started["FlowArn"] == arn.as_str(),
        "{started}"
    );
    let refusal = aws.error(&["mediaconnect", "delete-flow", "--flow-arn", &arn])?;
    ensure!(refusal.code == "BadRequestException", "{refusal:?}");
    ensure!(
        refusal.message.contains("stop the flow first"),
        "{refusal:?}"
    );
    let stopped = mc(&["stop-flow", "--flow-arn", &arn])?;
    ensure!(stopped["Status"] == "STOPPING", "{stopped}");
    wait_status(&aws, &arn, "STANDBY")?;

    // delete-flow, after which the flow is gone.
    let deleted = mc(&["delete-flow", "--flow-arn", &arn])?;
    ensure!(
        deleted["Status"] == "DELETING" && deleted["FlowArn"] == arn.as_str(),
        "{deleted}"
    );
    let gone = aws.error(&["mediaconnect", "describe-flow", "--flow-arn", &arn])?;
    ensure!(
        gone.code == "NotFoundException" && gone.operation == "DescribeFlow",
        "{gone:?}"
    );
    ensure!(len_at(&mc(&["list-flows"])?, "/Flows") == 0);
    server.assert_healthy().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_flows_pages_with_page_size_and_max_items() -> Result<()> {
    let server = Server::start().await?;
    let aws = AwsCli::new(&server)?;
    let mut arns = Vec::new();
    for i in 0..5 {
        let port = free_udp_port(false)?;
        let f = aws.json(&[
            "mediaconnect",
            "create-flow",
            "--name",
            &format!("flow-{i}"),
            "--source",
            &rtp_source("s", port, "10.0.0.0/8"),
        ])?;
        arns.push(str_at(&f, "/Flow/FlowArn")?.to_owned());
    }
    let arns_of = |v: &Value| -> Vec<String> {
        v["Flows"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| f["FlowArn"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    // The whole list, in creation order, fetched two at a time by the CLI.
    let all = aws.json(&["mediaconnect", "list-flows", "--page-size", "2"])?;
    ensure!(arns_of(&all) == arns, "{all}");
    ensure!(
        all["Flows"][0]["SourceType"] == "OWNED" && all["Flows"][0]["Status"] == "STANDBY",
        "{all}"
    );
    // Two items, then the rest from the token the CLI printed (which wraps
    // the server's nextToken; the page size must stay the same to resume).
    let first = aws.json(&[
        "mediaconnect",
        "list-flows",
        "--max-items",
        "2",
        "--page-size",
        "2",
    ])?;
    ensure!(arns_of(&first) == arns[..2], "{first}");
    let token = str_at(&first, "/NextToken")?;
    let rest = aws.json(&[
        "mediaconnect",
        "list-flows",
        "--starting-token",
        token,
        "--page-size",
        "2",
    ])?;
    ensure!(arns_of(&rest) == arns[2..], "{rest}");
    ensure!(rest.get("NextToken").is_none(), "{rest}");
    // --max-items alone cuts the server's one page.
    let two = aws.json(&["mediaconnect", "list-flows", "--max-items", "2"])?;
    ensure!(
        arns_of(&two) == arns[..2] && two.get("NextToken").is_some(),
        "{two}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_carry_mediaconnect_codes_and_say_what_to_fix() -> Result<()> {
    let server = Server::start().await?;
    let aws = AwsCli::new(&server)?;
    let port = free_udp_port(false)?;
    aws.json(&[
        "mediaconnect",
        "create-flow",
        "--name",
        "first",
        "--source",
        &rtp_source("s", port, "127.0.0.1/32"),
    ])?;

    let e = aws.error(&[
        "mediaconnect",
        "create-flow",
        "--name",
        "srt",
        "--source",
        "Name=s,Protocol=srt-listener,IngestPort=5000,WhitelistCidr=0.0.0.0/0",
    ])?;
    ensure!(
        e.code == "BadRequestException" && e.operation == "CreateFlow",
        "{e:?}"
    );
    ensure!(
        e.message
            .contains("protocol srt-listener is not supported; use rtp or udp"),
        "{e:?}"
    );

    let e = aws.error(&[
        "mediaconnect",
        "create-flow",
        "--name",
        "second",
        "--source",
        &rtp_source("s", port, "127.0.0.1/32"),
    ])?;
    ensure!(e.code == "BadRequestException", "{e:?}");
    ensure!(
        e.message.contains(&port.to_string()) && e.message.contains("first"),
        "the message names the port and the flow using it: {e:?}"
    );

    let other = free_udp_port(false)?;
    let e = aws.error(&[
        "mediaconnect",
        "create-flow",
        "--name",
        "cidr",
        "--source",
        &rtp_source("s", other, "10.0.0.0/33"),
    ])?;
    ensure!(
        e.code == "BadRequestException" && e.message.contains("whitelistCidr"),
        "{e:?}"
    );

    let unknown =
        format!("arn:aws:mediaconnect:{REGION}:{ACCOUNT_ID}:flow:1-0000000000000000:nope");
    for op in [
        "describe-flow",
        "start-flow",
        "delete-flow",
        "describe-flow-source-metadata",
    ] {
        let e = aws.error(&["mediaconnect", op, "--flow-arn", &unknown])?;
        ensure!(e.code == "NotFoundException", "{op}: {e:?}");
    }
    let e = aws.error(&[
        "mediaconnect",
        "list-tags-for-resource",
        "--resource-arn",
        &unknown,
    ])?;
    ensure!(e.code == "NotFoundException", "{e:?}");

    // Unsigned requests are refused.
    let e = aws.error(&["mediaconnect", "list-flows", "--no-sign-request"])?;
    ensure!(e.code == "ForbiddenException", "{e:?}");
    Ok(())
}
