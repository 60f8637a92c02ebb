//! The supervisor against the in-memory key-value store: start, update,
//! stop, failures, leases shared by two hosts, shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tributary_mediaconnect::wire::Protocol;
use tributary_mediaconnect::{
    BUCKET, Desired, FlowRecord, LEASE_MS, Lease, Runtime, RuntimeState, keys,
};

use super::support::{collect, ctx, free_port, lo, send_paced, socket, wait_status};
use crate::storage::{KvBackend, MemoryKvBackend};
use crate::transport::flow::epoch_ms;
use crate::transport::plan::tests::{output, record, source};
use crate::transport::supervisor::{Config, Supervisor};
use crate::transport::testdata::{TS_ID, rtp_stream};

const ID: &str = "1-abc";

fn supervisor(kv: &Arc<MemoryKvBackend>, host: &str) -> Supervisor {
    let kv: Arc<dyn KvBackend> = kv.clone();
    Supervisor::new(
        kv,
        Config {
            host_id: host.into(),
            transport_address: lo(1),
            ingest_http: std::net::SocketAddr::new(lo(1), 9),
        },
        ctx(),
    )
}

async fn put<T: serde::Serialize>(kv: &MemoryKvBackend, key: &str, value: &T) {
    kv.set(BUCKET, key, serde_json::to_vec(value).unwrap())
        .await
        .unwrap();
}

async fn read<T: serde::de::DeserializeOwned>(kv: &MemoryKvBackend, key: &str) -> Option<T> {
    let raw = kv.get(BUCKET, key).await.unwrap()?;
    Some(serde_json::from_slice(&raw).unwrap())
}

async fn runtime(kv: &MemoryKvBackend) -> Option<Runtime> {
    read(kv, &keys::runtime(ID)).await
}

async fn lease(kv: &MemoryKvBackend) -> Option<Lease> {
    read(kv, &keys::lease(ID)).await
}

fn flow_on(port: u16, to: SocketAddr) -> FlowRecord {
    record(
        "news",
        vec![source("in", Protocol::Rtp, port)],
        vec![output("o1", Protocol::Rtp, to)],
    )
}

fn port_is_free(port: u16) -> bool {
    std::net::UdpSocket::bind((lo(1), port)).is_ok()
}

#[tokio::test]
async fn a_flow_starts_updates_in_place_and_stops_as_its_record_says() {
    let kv = Arc::new(MemoryKvBackend::new());
    let mut sup = supervisor(&kv, "h1");
    let (o1, o2) = (socket(lo(1)).await, socket(lo(1)).await);
    let (to1, to2) = (o1.local_addr().unwrap(), o2.local_addr().unwrap());
    let port = free_port();
    let ingest = SocketAddr::new(lo(1), port);
    let mut r = flow_on(port, to1);
    put(&kv, &keys::flow(ID), &r).await;

    sup.reconcile().await;
    let rt = runtime(&kv).await.unwrap();
    assert_eq!(
        (rt.host.as_str(), rt.generation, rt.state),
        ("h1", 1, RuntimeState::Running)
    );
    let l = lease(&kv).await.unwrap();
    assert_eq!(l.host, "h1");
    assert!(l.until_ms > epoch_ms() + LEASE_MS - 2_000);
    assert!(!port_is_free(port));
    let stream = rtp_stream(0, 20);
    let got = collect(o1, 20, Duration::from_secs(2));
    send_paced(&socket(lo(1)).await, ingest, &stream).await;
    assert_eq!(got.await.unwrap(), stream);

    // Generation 2 adds an output: applied in place, the ingest socket stays.
    r.flow.outputs.push(output("o2", Protocol::Udp, to2));
    r.generation = 2;
    put(&kv, &keys::flow(ID), &r).await;
    sup.reconcile().await;
    let rt = runtime(&kv).await.unwrap();
    assert_eq!((rt.generation, rt.state), (2, RuntimeState::Running));
    let got2 = collect(o2, 20, Duration::from_secs(2));
    let stream = rtp_stream(20, 20);
    send_paced(&socket(lo(1)).await, ingest, &stream).await;
    assert_eq!(got2.await.unwrap().len(), 20);
    let status = wait_status(sup.flow(ID).unwrap(), |s| s.snapshots[0].packets == 40).await;
    assert_eq!(
        status.snapshots[0].packets, 40,
        "one source state throughout"
    );

    // StopFlow.
    r.desired = Desired::Standby;
    r.generation = 3;
    put(&kv, &keys::flow(ID), &r).await;
    sup.reconcile().await;
    let rt = runtime(&kv).await.unwrap();
    assert_eq!((rt.generation, rt.state), (3, RuntimeState::Stopped));
    assert!(lease(&kv).await.is_none(), "lease released");
    assert!(sup.flow(ID).is_none());
    assert!(port_is_free(port));
}

#[tokio::test]
async fn a_flow_that_cannot_bind_fails_its_generation_and_retries_on_the_next() {
    let kv = Arc::new(MemoryKvBackend::new());
    let mut sup = supervisor(&kv, "h1");
    let squatter = std::net::UdpSocket::bind((lo(1), 0)).unwrap();
    let taken = squatter.local_addr().unwrap().port();
    let out = socket(lo(1)).await;
    let mut r = flow_on(taken, out.local_addr().unwrap());
    put(&kv, &keys::flow(ID), &r).await;

    sup.reconcile().await;
    let rt = runtime(&kv).await.unwrap();
    assert_eq!(rt.state, RuntimeState::Failed);
    assert!(
        rt.errors[0].contains(&format!("127.0.0.1:{taken}")),
        "{:?}",
        rt.errors
    );
    drop(squatter);
    sup.reconcile().await;
    assert_eq!(
        runtime(&kv).await.unwrap().state,
        RuntimeState::Failed,
        "the same generation is not retried"
    );
    // The runtime keeps being written, so clients see ERROR, not a lost host.
    let before = runtime(&kv).await.unwrap().updated_ms;
    tokio::time::sleep(Duration::from_millis(5)).await;
    sup.write_runtimes().await;
    assert!(runtime(&kv).await.unwrap().updated_ms > before);

    r.generation = 2;
    put(&kv, &keys::flow(ID), &r).await;
    sup.reconcile().await;
    let rt = runtime(&kv).await.unwrap();
    assert_eq!((rt.generation, rt.state), (2, RuntimeState::Running));
    assert!(rt.errors.is_empty());
    sup.shutdown().await;
}

#[tokio::test]
async fn a_missing_entitlement_is_a_clear_error() {
    let kv = Arc::new(MemoryKvBackend::new());
    let mut sup = supervisor(&kv, "h1");
    let mut s = source("entitled", Protocol::Rtp, 0);
    s.entitlement_arn =
        Some("arn:aws:mediaconnect:us-east-1:000000000000:entitlement:1-z:gone".into());
    s.transport = None;
    put(&kv, &keys::flow(ID), &record("sub", vec![s], vec![])).await;
    sup.reconcile().await;
    let rt = runtime(&kv).await.unwrap();
    assert_eq!(rt.state, RuntimeState::Failed);
    assert!(rt.errors[0].contains("entitlement") && rt.errors[0].contains("does not exist"));
}

#[tokio::test]
async fn two_supervisors_sharing_a_store_run_each_flow_once() {
    let kv = Arc::new(MemoryKvBackend::new());
    let (mut a, mut b) = (supervisor(&kv, "a"), supervisor(&kv, "b"));
    let out = socket(lo(1)).await;
    let port = free_port();
    put(
        &kv,
        &keys::flow(ID),
        &flow_on(port, out.local_addr().unwrap()),
    )
    .await;

    tokio::join!(a.reconcile(), b.reconcile());
    tokio::join!(a.reconcile(), b.reconcile());
    let holder = lease(&kv).await.unwrap().host;
    let (winner, loser) = if holder == "a" {
        (&mut a, &mut b)
    } else {
        (&mut b, &mut a)
    };
    assert!(winner.flow(ID).is_some());
    assert!(loser.flow(ID).is_none(), "only the lease holder runs it");
    assert_eq!(runtime(&kv).await.unwrap().host, holder);

    // The holder shuts down: Stopped, lease released; the other takes over.
    winner.shutdown().await;
    assert_eq!(runtime(&kv).await.unwrap().state, RuntimeState::Stopped);
    assert!(lease(&kv).await.is_none());
    loser.reconcile().await;
    assert!(loser.flow(ID).is_some());
    assert_ne!(lease(&kv).await.unwrap().host, holder);
    assert_eq!(runtime(&kv).await.unwrap().state, RuntimeState::Running);
    loser.shutdown().await;
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_a_live_one_left_alone() {
    let kv = Arc::new(MemoryKvBackend::new());
    let mut sup = supervisor(&kv, "h1");
    let out = socket(lo(1)).await;
    put(
        &kv,
        &keys::flow(ID),
        &flow_on(free_port(), out.local_addr().unwrap()),
    )
    .await;

    let live = Lease {
        host: "elsewhere".into(),
        until_ms: epoch_ms() + LEASE_MS,
    };
    put(&kv, &keys::lease(ID), &live).await;
    sup.reconcile().await;
    assert!(sup.flow(ID).is_none());
    assert_eq!(lease(&kv).await.unwrap(), live);
    assert!(runtime(&kv).await.is_none());

    let expired = Lease {
        host: "elsewhere".into(),
        until_ms: epoch_ms() - 1,
    };
    put(&kv, &keys::lease(ID), &expired).await;
    sup.reconcile().await;
    assert!(sup.flow(ID).is_some());
    assert_eq!(lease(&kv).await.unwrap().host, "h1");

    // The other host comes back and holds it again (our renewal lapsed):
    // we stop without writing its runtime.
    let theirs = Lease {
        host: "elsewhere".into(),
        until_ms: epoch_ms() + LEASE_MS,
    };
    put(&kv, &keys::lease(ID), &theirs).await;
    sup.reconcile().await;
    assert!(sup.flow(ID).is_none());
    assert_eq!(lease(&kv).await.unwrap(), theirs);
}

#[tokio::test]
async fn a_deleted_flow_stops_and_nothing_is_written_back() {
    let kv = Arc::new(MemoryKvBackend::new());
    let mut sup = supervisor(&kv, "h1");
    let out = socket(lo(1)).await;
    let port = free_port();
    put(
        &kv,
        &keys::flow(ID),
        &flow_on(port, out.local_addr().unwrap()),
    )
    .await;
    sup.reconcile().await;
    assert!(sup.flow(ID).is_some());
    // DeleteFlow removes all three keys.
    for key in [keys::flow(ID), keys::runtime(ID), keys::lease(ID)] {
        kv.delete(BUCKET, &key).await.unwrap();
    }
    sup.write_runtimes().await;
    assert!(
        runtime(&kv).await.is_none(),
        "a deleted runtime is not resurrected"
    );
    sup.reconcile().await;
    assert!(sup.flow(ID).is_none());
    assert!(port_is_free(port));
    assert!(runtime(&kv).await.is_none());
    assert!(lease(&kv).await.is_none());
}

#[tokio::test]
async fn the_runtime_reports_the_sender_and_the_programs_found() {
    let kv = Arc::new(MemoryKvBackend::new());
    let mut sup = supervisor(&kv, "h1");
    let out = socket(lo(1)).await;
    let port = free_port();
    put(
        &kv,
        &keys::flow(ID),
        &flow_on(port, out.local_addr().unwrap()),
    )
    .await;
    sup.reconcile().await;
    let sender = socket(lo(1)).await;
    send_paced(&sender, SocketAddr::new(lo(1), port), &rtp_stream(0, 30)).await;
    // Two flow ticks refresh the report.
    tokio::time::sleep(Duration::from_millis(600)).await;
    sup.write_runtimes().await;
    let rt = runtime(&kv).await.unwrap();
    let s = &rt.sources[0];
    assert_eq!(s.name, "in");
    assert_eq!(s.peer_ip.as_deref(), Some("127.0.0.1"));
    assert!(s.active);
    let media = s.media.as_ref().unwrap();
    assert_eq!(media.ts_id, Some(TS_ID));
    assert_eq!(media.programs[0].streams.len(), 2);
    assert!(s.media_changed_ms.is_some_and(|ms| ms <= epoch_ms()));
    sup.shutdown().await;
    let rt = runtime(&kv).await.unwrap();
    assert_eq!(rt.state, RuntimeState::Stopped);
    assert!(lease(&kv).await.is_none());
}
