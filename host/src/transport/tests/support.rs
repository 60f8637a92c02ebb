//! Sockets, flows and waits shared by the socket-level tests.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::registry::Registry;
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;
use tributary_mediaconnect::FlowRecord;

use crate::storage::MemoryKvBackend;
use crate::transport::bus::EntitlementBus;
use crate::transport::channel::push::PushCtx;
use crate::transport::flow::{FlowCtx, FlowHandle, FlowStatus};
use crate::transport::metrics::TransportMetrics;
use crate::transport::plan::{EntitlementIndex, plan};

/// `127.0.0.n`.
pub fn lo(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// A UDP port free on 127.0.0.1 a moment ago.
pub fn free_port() -> u16 {
    let s = std::net::UdpSocket::bind((lo(1), 0)).unwrap();
    s.local_addr().unwrap().port()
}

/// A socket bound on `ip`, any port, with a receive buffer that holds a
/// burst (a merge releases its first window at once).
pub async fn socket(ip: IpAddr) -> UdpSocket {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::DGRAM, None).unwrap();
    let _ = s.set_recv_buffer_size(4 << 20);
    s.set_nonblocking(true).unwrap();
    s.bind(&SocketAddr::new(ip, 0).into()).unwrap();
    UdpSocket::from_std(s.into()).unwrap()
}

/// Collects datagrams arriving on `socket` until `n` came or `within` passed.
pub fn collect(socket: UdpSocket, n: usize, within: Duration) -> JoinHandle<Vec<Vec<u8>>> {
    tokio::spawn(async move {
        let mut got = Vec::new();
        let mut buf = vec![0; 65_536];
        let deadline = tokio::time::Instant::now() + within;
        while got.len() < n {
            match tokio::time::timeout_at(deadline, socket.recv_from(&mut buf)).await {
                Ok(Ok((len, _))) => got.push(buf[..len].to_vec()),
                _ => break,
            }
        }
        got
    })
}

/// Sends `datagrams` from `socket` to `to`, a few at a time so no socket
/// buffer overflows on the way.
pub async fn send_paced(socket: &UdpSocket, to: SocketAddr, datagrams: &[Vec<u8>]) {
    for (i, d) in datagrams.iter().enumerate() {
        socket.send_to(d, to).await.unwrap();
        if i % 8 == 7 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

/// A flow context with its own registry and entitlement bus.
pub fn ctx() -> FlowCtx {
    FlowCtx {
        metrics: Arc::new(TransportMetrics::register(&mut Registry::default())),
        bus: EntitlementBus::new(),
        push: PushCtx {
            kv: Arc::new(MemoryKvBackend::default()),
            // Nothing listens there: channel outputs fail their pushes.
            http: SocketAddr::new(lo(1), 9),
        },
    }
}

/// Starts `record` as flow `id` on 127.0.0.1.
pub fn start(ctx: &FlowCtx, id: &str, record: &FlowRecord, index: &EntitlementIndex) -> FlowHandle {
    let p = plan(id, record, lo(1), index, &Default::default()).unwrap();
    FlowHandle::start(p, ctx).unwrap()
}

/// Polls `status` until `done` holds for it, for at most two seconds.
pub async fn wait_status(flow: &FlowHandle, done: impl Fn(&FlowStatus) -> bool) -> FlowStatus {
    for _ in 0..80 {
        let status = flow.status();
        if done(&status) {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    flow.status()
}
