//! One flow, one source: fan-out, protocol conversion, allowlist, garbage,
//! entitlements.

use std::net::SocketAddr;
use std::time::Duration;

use tributary_mediaconnect::wire::{Entitlement, Protocol};
use tributary_rtp::{Decode, RtpPacket};

use super::support::{collect, ctx, free_port, lo, send_paced, socket, start, wait_status};
use crate::transport::ingress::DropReason;
use crate::transport::plan::tests::{output, record, source};
use crate::transport::plan::{EntitlementIndex, entitlement_index};
use crate::transport::testdata::{TsGen, rtp_stream};

const WITHIN: Duration = Duration::from_secs(3);

#[tokio::test]
async fn an_rtp_source_fans_out_to_an_rtp_and_a_udp_output_byte_for_byte() {
    let (rtp_out, udp_out) = (socket(lo(1)).await, socket(lo(1)).await);
    let (rtp_to, udp_to) = (rtp_out.local_addr().unwrap(), udp_out.local_addr().unwrap());
    let port = free_port();
    let r = record(
        "fan",
        vec![source("in", Protocol::Rtp, port)],
        vec![
            output("to-rtp", Protocol::Rtp, rtp_to),
            output("to-udp", Protocol::Udp, udp_to),
        ],
    );
    let ctx = ctx();
    let flow = start(&ctx, "1-fan", &r, &EntitlementIndex::new());
    let stream = rtp_stream(65_500, 300);
    let rtp_got = collect(rtp_out, stream.len(), WITHIN);
    let udp_got = collect(udp_out, stream.len(), WITHIN);
    let tx = socket(lo(1)).await;
    send_paced(&tx, SocketAddr::new(lo(1), port), &stream).await;

    assert_eq!(rtp_got.await.unwrap(), stream, "RTP forwarded untouched");
    let payloads: Vec<Vec<u8>> = stream
        .iter()
        .map(|d| RtpPacket::decode(d).unwrap().payload.to_vec())
        .collect();
    assert_eq!(udp_got.await.unwrap(), payloads, "RTP header stripped");
    let status = wait_status(&flow, |s| s.outputs.iter().all(|(_, c)| c.packets == 300)).await;
    let bytes: u64 = stream.iter().map(|d| d.len() as u64).sum();
    assert_eq!(status.snapshots[0].packets, 300);
    assert_eq!(status.snapshots[0].bytes, bytes);
    assert_eq!(status.snapshots[0].seq.lost, 0);
    assert_eq!(status.outputs[0].1.bytes, bytes);
    assert_eq!(status.outputs[1].1.packets, 300);
    flow.stop().await;
    std::net::UdpSocket::bind((lo(1), port)).expect("the port is free once stopped");
}

#[tokio::test]
async fn a_udp_source_is_wrapped_in_rtp_for_an_rtp_output() {
    let out = socket(lo(1)).await;
    let to = out.local_addr().unwrap();
    let port = free_port();
    let r = record(
        "wrap",
        vec![source("in", Protocol::Udp, port)],
        vec![output("o", Protocol::Rtp, to)],
    );
    let ctx = ctx();
    let flow = start(&ctx, "1-wrap", &r, &EntitlementIndex::new());
    let mut ts = TsGen::new();
    let stream: Vec<Vec<u8>> = (0..50).map(|_| ts.datagram()).collect();
    let got = collect(out, stream.len(), WITHIN);
    send_paced(&socket(lo(1)).await, SocketAddr::new(lo(1), port), &stream).await;
    let got = got.await.unwrap();
    assert_eq!(got.len(), 50);
    let first = RtpPacket::decode(&got[0]).unwrap();
    for (i, (wire, ts)) in got.iter().zip(&stream).enumerate() {
        let p = RtpPacket::decode(wire).unwrap();
        assert_eq!(p.payload_type, 33);
        assert_eq!(p.ssrc, first.ssrc);
        assert_eq!(p.sequence, first.sequence.wrapping_add(i as u16));
        assert_eq!(p.payload, &ts[..]);
    }
    flow.stop().await;
}

#[tokio::test]
async fn senders_outside_the_whitelist_are_dropped_and_counted() {
    let out = socket(lo(1)).await;
    let to = out.local_addr().unwrap();
    let port = free_port();
    let mut s = source("in", Protocol::Rtp, port);
    s.whitelist_cidr = Some("127.0.0.1/32".into());
    let r = record("allow", vec![s], vec![output("o", Protocol::Rtp, to)]);
    let ctx = ctx();
    let flow = start(&ctx, "1-allow", &r, &EntitlementIndex::new());
    // The flow binds 127.0.0.1; Linux routes all of 127/8 on lo.
    let stranger = socket(lo(2)).await;
    let friend = socket(lo(1)).await;
    let stream = rtp_stream(0, 40);
    let got = collect(out, 40, Duration::from_secs(2));
    let flow_addr = SocketAddr::new(lo(1), port);
    send_paced(&stranger, flow_addr, &stream[..20]).await;
    send_paced(&friend, flow_addr, &stream[20..]).await;
    assert_eq!(
        got.await.unwrap(),
        stream[20..].to_vec(),
        "only the friend's packets"
    );
    let status = wait_status(&flow, |s| s.snapshots[0].packets == 20).await;
    let snap = &status.snapshots[0];
    assert_eq!(snap.dropped[DropReason::NotAllowed.index()], 20);
    assert_eq!(snap.packets, 20);
    assert_eq!(status.sources[0].peer_ip.as_deref(), Some("127.0.0.1"));
    flow.stop().await;
}

#[tokio::test]
async fn garbage_truncated_and_wrong_payload_types_are_counted_and_the_flow_keeps_forwarding() {
    let out = socket(lo(1)).await;
    let to = out.local_addr().unwrap();
    let port = free_port();
    let r = record(
        "junk",
        vec![source("in", Protocol::Rtp, port)],
        vec![output("o", Protocol::Rtp, to)],
    );
    let ctx = ctx();
    let flow = start(&ctx, "1-junk", &r, &EntitlementIndex::new());
    let stream = rtp_stream(10, 30);
    let mut mixed = Vec::new();
    for (i, d) in stream.iter().enumerate() {
        mixed.push(d.clone());
        match i % 5 {
            0 => mixed.push(b"\xde\xad\xbe\xef garbage".to_vec()),
            1 => mixed.push(d[..7].to_vec()),
            2 => {
                let mut pt = d.clone();
                pt[1] = 96;
                mixed.push(pt);
            }
            3 => {
                let mut v1 = d.clone();
                v1[0] = 0x40;
                mixed.push(v1);
            }
            _ => mixed.push(Vec::new()),
        }
    }
    let got = collect(out, stream.len(), WITHIN);
    send_paced(&socket(lo(1)).await, SocketAddr::new(lo(1), port), &mixed).await;
    assert_eq!(got.await.unwrap(), stream);
    let status = wait_status(&flow, |s| {
        s.snapshots[0].dropped[DropReason::Malformed.index()] == 24
    })
    .await;
    let snap = &status.snapshots[0];
    assert_eq!(snap.dropped[DropReason::Malformed.index()], 24);
    assert_eq!(snap.dropped[DropReason::WrongPayloadType.index()], 6);
    assert_eq!(snap.packets, 30);
    flow.stop().await;
}

#[tokio::test]
async fn an_entitlement_source_receives_the_granting_flows_packets_while_enabled() {
    let out = socket(lo(1)).await;
    let to = out.local_addr().unwrap();
    let port = free_port();
    let arn = "arn:aws:mediaconnect:us-east-1:000000000000:entitlement:1-g:share".to_owned();
    let mut granter = record("granter", vec![source("in", Protocol::Rtp, port)], vec![]);
    granter.flow.entitlements = vec![Entitlement {
        data_transfer_subscriber_fee_percent: None,
        description: None,
        entitlement_arn: arn.clone(),
        entitlement_status: None,
        name: "share".into(),
        subscribers: vec!["000000000000".into()],
    }];
    let mut sub_source = source("entitled", Protocol::Rtp, 0);
    sub_source.entitlement_arn = Some(arn.clone());
    sub_source.transport = None;
    sub_source.ingest_port = None;
    let subscriber = record(
        "subscriber",
        vec![sub_source],
        vec![output("o", Protocol::Rtp, to)],
    );
    let index = entitlement_index([&granter]);
    let ctx = ctx();
    let sub_flow = start(&ctx, "1-s", &subscriber, &index);
    let grant_flow = start(&ctx, "1-g", &granter, &index);
    let stream = rtp_stream(7, 60);
    let got = collect(out, stream.len(), WITHIN);
    send_paced(&socket(lo(1)).await, SocketAddr::new(lo(1), port), &stream).await;
    assert_eq!(got.await.unwrap(), stream);
    let status = wait_status(&sub_flow, |s| s.snapshots[0].packets == 60).await;
    assert_eq!(status.snapshots[0].packets, 60);

    // Disabled: the granter's next generation stops publishing.
    let mut disabled = granter.clone();
    disabled.flow.entitlements[0].entitlement_status =
        Some(tributary_mediaconnect::wire::Switch::Disabled);
    disabled.generation = 2;
    let mut grant_flow = grant_flow;
    let p =
        crate::transport::plan::plan("1-g", &disabled, lo(1), &index, &Default::default()).unwrap();
    grant_flow.apply(p).await.unwrap();
    send_paced(
        &socket(lo(1)).await,
        SocketAddr::new(lo(1), port),
        &rtp_stream(67, 20),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        sub_flow.status().snapshots[0].packets,
        60,
        "nothing while disabled"
    );
    grant_flow.stop().await;
    sub_flow.stop().await;
}
