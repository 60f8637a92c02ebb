//! Two sources over real sockets: SMPTE 2022-7 merge and failover.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;
use tributary_mediaconnect::wire::{FailoverMode, Protocol};
use tributary_rtp::{Decode, Encode, RtpPacket};

use super::support::{collect, ctx, free_port, lo, socket, start, wait_status};
use crate::transport::plan::EntitlementIndex;
use crate::transport::plan::tests::{failover, output, record, source};
use crate::transport::testdata::{TsGen, rtp_stream};

#[tokio::test]
async fn merging_two_paths_with_disjoint_losses_outputs_every_packet_in_order() {
    let out = socket(lo(1)).await;
    let to = out.local_addr().unwrap();
    let (pa, pb) = (free_port(), free_port());
    let mut r = record(
        "merge",
        vec![
            source("a", Protocol::Rtp, pa),
            source("b", Protocol::Rtp, pb),
        ],
        vec![output("o", Protocol::Rtp, to)],
    );
    r.flow.source_failover_config = Some(failover(FailoverMode::Merge, None));
    let ctx = ctx();
    let flow = start(&ctx, "1-merge", &r, &EntitlementIndex::new());
    let stream = rtp_stream(65_000, 600);
    let got = collect(out, stream.len(), Duration::from_secs(4));
    let tx = socket(lo(1)).await;
    let (a, b) = (SocketAddr::new(lo(1), pa), SocketAddr::new(lo(1), pb));
    for (i, d) in stream.iter().enumerate() {
        // 5% loss on each path, never the same packet.
        if i % 20 != 3 {
            tx.send_to(d, a).await.unwrap();
        }
        if i % 20 != 13 {
            tx.send_to(d, b).await.unwrap();
        }
        // About a packet per millisecond, like a 10 Mb/s encoder.
        if i % 2 == 1 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let got = got.await.unwrap();
    assert_eq!(got.len(), stream.len());
    assert!(got == stream, "complete, in order, byte-identical");
    let status = wait_status(&flow, |s| s.snapshots.iter().all(|x| x.seq.recovered == 30)).await;
    for s in &status.snapshots {
        assert_eq!((s.seq.lost, s.seq.recovered), (0, 30), "{}", s.name);
        assert!(status.sources.iter().all(|s| s.active));
    }
    flow.stop().await;
}

/// Sends the next datagram of the stream of `ssrc`.
async fn pace(tx: &UdpSocket, to: SocketAddr, ssrc: u32, seq: &mut u16, ts: &mut TsGen) {
    let payload = ts.datagram();
    let mut wire = Vec::new();
    RtpPacket::new(33, *seq, 0, ssrc, &payload)
        .encode(&mut wire)
        .unwrap();
    *seq = seq.wrapping_add(1);
    tx.send_to(&wire, to).await.unwrap();
}

#[tokio::test]
async fn failover_moves_to_the_backup_on_silence_and_back_to_the_primary() {
    let out = socket(lo(1)).await;
    let to = out.local_addr().unwrap();
    let (pm, pb) = (free_port(), free_port());
    let mut r = record(
        "failover",
        vec![
            source("backup", Protocol::Rtp, pb),
            source("main", Protocol::Rtp, pm),
        ],
        vec![output("o", Protocol::Rtp, to)],
    );
    r.flow.source_failover_config = Some(failover(FailoverMode::Failover, Some("main")));
    let ctx = ctx();
    let flow = start(&ctx, "1-fo", &r, &EntitlementIndex::new());
    let got = collect(out, usize::MAX, Duration::from_millis(3_400));
    let tx = socket(lo(1)).await;
    let (main, backup) = (SocketAddr::new(lo(1), pm), SocketAddr::new(lo(1), pb));
    let (mut sm, mut sb) = (0u16, 0u16);
    let (mut tm, mut tb) = (TsGen::new(), TsGen::new());
    let started = tokio::time::Instant::now();
    let mut saw_backup_active = false;
    // 0–0.3 s main only (so it is picked first); 0.3–0.6 s both;
    // 0.6–1.8 s backup only; 1.8–3.2 s both.
    while started.elapsed() < Duration::from_millis(3_200) {
        let t = started.elapsed();
        let main_on = t < Duration::from_millis(600) || t >= Duration::from_millis(1_800);
        if main_on {
            pace(&tx, main, 1, &mut sm, &mut tm).await;
        }
        if t >= Duration::from_millis(300) {
            pace(&tx, backup, 2, &mut sb, &mut tb).await;
        }
        if (1_400..1_700).contains(&t.as_millis()) && !saw_backup_active {
            let s = flow.status();
            saw_backup_active = s.sources.iter().any(|x| x.name == "backup" && x.active)
                && s.sources.iter().any(|x| x.name == "main" && !x.active);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let ssrcs: Vec<u32> = got
        .await
        .unwrap()
        .iter()
        .map(|d| RtpPacket::decode(d).unwrap().ssrc)
        .collect();
    let mut runs: Vec<u32> = ssrcs.clone();
    runs.dedup();
    assert_eq!(runs, [1, 2, 1], "main, then backup, then main again");
    assert!(
        saw_backup_active,
        "the runtime shows the backup active while main is silent"
    );
    let status = wait_status(&flow, |s| s.switches == 2).await;
    assert_eq!(status.switches, 2);
    flow.stop().await;
}
