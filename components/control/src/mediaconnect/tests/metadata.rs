//! DescribeFlowSourceMetadata from the host's runtime record.

use tributary_mediaconnect::wire::{TransportMediaInfo, TransportStream, TransportStreamProgram};

use super::*;

fn metadata_path(flow_arn: &str) -> String {
    format!("{}/source-metadata", flow_path(flow_arn))
}

#[test]
fn a_flow_that_is_not_running_says_so() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let (status, v) = w.ok("GET", &metadata_path(&arn), None);
    assert_eq!(status, 200);
    assert_eq!(v["flowArn"], arn.as_str());
    assert_eq!(v["timestamp"], "2025-11-13T02:13:20.123Z");
    assert_eq!(v["messages"][0]["code"], "FLOW_NOT_RUNNING");
    assert_eq!(v["messages"][0]["resourceName"], "f");
    assert!(v.get("transportMediaInfo").is_none());
}

#[test]
fn the_active_sources_programs_and_streams_are_reported() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    w.ok("POST", &format!("/v1/flows/start/{}", label(&arn)), None);
    // Running, but no tables seen yet.
    w.host_reports(
        &arn,
        RuntimeState::Running,
        2,
        vec![SourceRuntime {
            name: "main".into(),
            active: true,
            ..SourceRuntime::default()
        }],
    );
    let (_, v) = w.ok("GET", &metadata_path(&arn), None);
    assert_eq!(v["messages"][0]["code"], "NO_PROGRAM_TABLES");
    assert_eq!(v["messages"][0]["resourceName"], "main");

    let media = TransportMediaInfo {
        programs: vec![TransportStreamProgram {
            pcr_pid: 256,
            program_name: None,
            program_number: 1,
            program_pid: 4096,
            streams: vec![
                TransportStream {
                    codec: Some("H264".into()),
                    pid: 256,
                    stream_type: "video".into(),
                },
                TransportStream {
                    codec: Some("AAC".into()),
                    pid: 257,
                    stream_type: "audio".into(),
                },
            ],
        }],
        ts_id: Some(1),
    };
    w.host_reports(
        &arn,
        RuntimeState::Running,
        2,
        vec![SourceRuntime {
            name: "main".into(),
            peer_ip: Some("10.1.2.3".into()),
            media: Some(media),
            media_changed_ms: Some(951_782_400_000),
            active: true,
        }],
    );
    let (_, v) = w.ok("GET", &metadata_path(&arn), None);
    assert!(v.get("messages").is_none(), "{v}");
    assert_eq!(v["timestamp"], "2000-02-29T00:00:00.000Z");
    assert_eq!(
        v["transportMediaInfo"],
        json!({"programs": [{"pcrPid": 256, "programNumber": 1, "programPid": 4096, "streams": [
            {"codec": "H264", "pid": 256, "streamType": "video"},
            {"codec": "AAC", "pid": 257, "streamType": "audio"},
        ]}], "tsId": 1})
    );
    // The sender the host saw shows on the source.
    assert_eq!(
        w.describe(&arn)["flow"]["source"]["peerIpAddress"],
        "10.1.2.3"
    );
    assert_eq!(
        w.describe(&arn)["flow"]["sources"][0]["peerIpAddress"],
        "10.1.2.3"
    );
    // A host gone silent knows nothing any more.
    w.now_ms += tributary_mediaconnect::LEASE_MS + 1;
    let (_, v) = w.ok("GET", &metadata_path(&arn), None);
    assert_eq!(v["messages"][0]["code"], "FLOW_NOT_RUNNING");
    assert!(
        w.describe(&arn)["flow"]["source"]
            .get("peerIpAddress")
            .is_none()
    );
}

#[test]
fn an_unknown_flow_is_not_found() {
    let mut w = world();
    let arn = format!("arn:aws:mediaconnect:{REGION}:{ACCOUNT}:flow:1-none:f");
    assert_error(
        &w.fails("GET", &metadata_path(&arn), None),
        404,
        "NotFoundException",
    );
}
