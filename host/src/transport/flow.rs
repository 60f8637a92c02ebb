//! A running flow: its sockets and the task that drives its
//! [`Pipeline`] with them. The task is a thin driver: it reads datagrams
//! and entitlement units, hands them to the pipeline with the time, sends
//! what comes out, and runs the pipeline's timers.
//!
//! A new generation is applied in place ([`FlowHandle::apply`]): sockets
//! whose bind address is unchanged are kept (no packet is missed), new ones
//! are bound, dropped ones closed; outputs are swapped; each source keeps
//! its counters, and redundancy state is kept unless it changed.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::ReadBuf;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tributary_mediaconnect::SourceRuntime;

use super::bus::{EntitlementBus, Publisher, Subscription};
use super::channel::push::PushCtx;
use super::ingress::Unit;
use super::metrics::{FlowMetrics, OutputCounters, TransportMetrics};
use super::output::Sink;
use super::pipeline::Pipeline;
use super::plan::{FlowPlan, InputPlan};
use super::source::SourceSnapshot;

/// How often counters are exported and bitrates measured.
const TICK: Duration = Duration::from_millis(250);
/// Socket receive buffer asked for: bursts of a 100 Mb/s stream survive a
/// scheduling hiccup of a quarter second (the kernel may cap it lower).
const RECV_BUFFER: usize = 4 << 20;
/// Largest UDP payload.
const MAX_DATAGRAM: usize = 65_536;

/// What a flow needs from the host.
#[derive(Clone, Debug)]
pub struct FlowCtx {
    /// Metric families.
    pub metrics: Arc<TransportMetrics>,
    /// Entitlements between flows.
    pub bus: Arc<EntitlementBus>,
    /// Where channel outputs push.
    pub push: PushCtx,
}

/// What a running flow reports, refreshed every tick.
#[derive(Clone, Debug, Default)]
pub struct FlowStatus {
    /// Per source, for the runtime record.
    pub sources: Vec<SourceRuntime>,
    /// Per source, counters.
    #[cfg_attr(not(test), expect(dead_code, reason = "read by tests"))]
    pub snapshots: Vec<SourceSnapshot>,
    /// Per output, counters.
    #[cfg_attr(not(test), expect(dead_code, reason = "read by tests"))]
    pub outputs: Vec<(String, OutputCounters)>,
    /// Failover switches.
    #[cfg_attr(not(test), expect(dead_code, reason = "read by tests"))]
    pub switches: u64,
}

enum Command {
    Apply(FlowPlan, oneshot::Sender<Result<(), Vec<String>>>),
    Stop,
}

/// A handle on a running flow.
pub struct FlowHandle {
    plan: FlowPlan,
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
    status: Arc<Mutex<FlowStatus>>,
}

impl std::fmt::Debug for FlowHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowHandle")
            .field("id", &self.plan.id)
            .field("generation", &self.plan.generation)
            .finish_non_exhaustive()
    }
}

impl FlowHandle {
    /// Binds the flow's sockets and starts its task; the errors say which
    /// socket could not be bound.
    pub fn start(plan: FlowPlan, ctx: &FlowCtx) -> Result<Self, Vec<String>> {
        let inputs = open_inputs(&plan, Inputs::default(), &ctx.bus)?;
        let mut senders = Senders::default();
        senders.prepare(&plan)?;
        let pipeline = Pipeline::new(&plan, None).map_err(|e| vec![e])?;
        let status = Arc::new(Mutex::new(FlowStatus::default()));
        let (commands, rx) = mpsc::channel(4);
        let mut publisher = Publisher::default();
        publisher.set_entitlements(plan.entitlements.clone());
        let driver = Driver {
            metrics: FlowMetrics::new(ctx.metrics.clone(), &plan.id, &plan.name),
            outputs: outputs(&plan, Vec::new(), &ctx.push),
            push: ctx.push.clone(),
            plan: plan.clone(),
            pipeline,
            inputs,
            senders,
            publisher,
            bus: ctx.bus.clone(),
            status: status.clone(),
            media: HashMap::new(),
            epoch: Instant::now(),
        };
        let task = tokio::spawn(driver.run(rx));
        Ok(Self {
            plan,
            commands,
            task,
            status,
        })
    }

    /// Its latest report.
    pub fn status(&self) -> FlowStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether its task ended without being stopped (a bug).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Switches to a new generation in place (see the module docs). On
    /// error the flow has stopped.
    pub async fn apply(&mut self, plan: FlowPlan) -> Result<(), Vec<String>> {
        let (reply, answer) = oneshot::channel();
        let gone = || vec!["the flow's task ended".to_owned()];
        self.commands
            .send(Command::Apply(plan.clone(), reply))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())??;
        self.plan = plan;
        Ok(())
    }

    /// Stops the flow and waits until its sockets are closed.
    pub async fn stop(self) {
        let _ = self.commands.send(Command::Stop).await;
        if let Err(e) = self.task.await
            && e.is_panic()
        {
            tracing::error!(flow = %self.plan.id, "flow task panicked");
        }
    }
}

/// A source's input: its socket or its entitlement subscription.
enum Input {
    Socket(SocketAddr, UdpSocket),
    Entitlement(String, Subscription),
}

/// Inputs that may be reused by the next generation, by address or ARN.
#[derive(Default)]
struct Inputs {
    sockets: HashMap<SocketAddr, UdpSocket>,
    subscriptions: HashMap<String, Subscription>,
}

fn open_inputs(
    plan: &FlowPlan,
    mut old: Inputs,
    bus: &Arc<EntitlementBus>,
) -> Result<Vec<Input>, Vec<String>> {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for source in &plan.sources {
        match &source.input {
            InputPlan::Socket { bind, .. } => match old.sockets.remove(bind) {
                Some(socket) => inputs.push(Input::Socket(*bind, socket)),
                None => match bind_udp(*bind) {
                    Ok(socket) => inputs.push(Input::Socket(*bind, socket)),
                    Err(e) => errors.push(format!(
                        "source {}: cannot listen on UDP {bind}: {e}",
                        source.name
                    )),
                },
            },
            InputPlan::Entitlement { arn } => {
                let sub = old
                    .subscriptions
                    .remove(arn)
                    .unwrap_or_else(|| bus.subscribe(arn));
                inputs.push(Input::Entitlement(arn.clone(), sub));
            }
        }
    }
    if errors.is_empty() {
        Ok(inputs)
    } else {
        Err(errors)
    }
}

fn bind_udp(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    // Best effort: the kernel caps it at net.core.rmem_max.
    let _ = socket.set_recv_buffer_size(RECV_BUFFER);
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    UdpSocket::from_std(socket.into())
}

/// The sockets outputs send from: one per address family, bound to the
/// wildcard so the kernel picks the route.
#[derive(Default)]
struct Senders {
    v4: Option<UdpSocket>,
    v6: Option<UdpSocket>,
}

impl Senders {
    fn prepare(&mut self, plan: &FlowPlan) -> Result<(), Vec<String>> {
        for output in &plan.outputs {
            let super::plan::SinkPlan::Udp { to, .. } = output.sink else {
                continue;
            };
            let (slot, any) = match to.ip() {
                IpAddr::V4(_) => (&mut self.v4, IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                IpAddr::V6(_) => (&mut self.v6, IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
            };
            if slot.is_none() {
                let socket = std::net::UdpSocket::bind(SocketAddr::new(any, 0))
                    .and_then(|s| {
                        s.set_nonblocking(true)?;
                        UdpSocket::from_std(s)
                    })
                    .map_err(|e| vec![format!("cannot open a socket to send from: {e}")])?;
                *slot = Some(socket);
            }
        }
        Ok(())
    }

    fn for_destination(&self, to: SocketAddr) -> Option<&UdpSocket> {
        match to {
            SocketAddr::V4(_) => self.v4.as_ref(),
            SocketAddr::V6(_) => self.v6.as_ref(),
        }
    }
}

struct OutputState {
    name: String,
    sink: Sink,
    counters: OutputCounters,
}

/// The outputs of `plan`; an output of `old` with the same name and
/// destination keeps its sink (and so its RTP sequence, or its segmenter
/// and pusher), any same-named one its counters.
fn outputs(plan: &FlowPlan, mut old: Vec<OutputState>, push: &PushCtx) -> Vec<OutputState> {
    plan.outputs
        .iter()
        .map(|o| {
            let kept = old
                .iter()
                .position(|s| s.name == o.name)
                .map(|i| old.swap_remove(i));
            match kept {
                Some(state) if state.sink.matches(o) => state,
                Some(state) => OutputState {
                    name: o.name.clone(),
                    sink: Sink::new(&plan.id, o, rand::random(), push),
                    counters: state.counters,
                },
                None => OutputState {
                    name: o.name.clone(),
                    sink: Sink::new(&plan.id, o, rand::random(), push),
                    counters: OutputCounters::default(),
                },
            }
        })
        .collect()
}

enum Event {
    Datagram(usize, SocketAddr, usize),
    Unit(usize, Unit),
    Error,
}

struct Driver {
    plan: FlowPlan,
    pipeline: Pipeline,
    inputs: Vec<Input>,
    outputs: Vec<OutputState>,
    senders: Senders,
    publisher: Publisher,
    bus: Arc<EntitlementBus>,
    push: PushCtx,
    metrics: FlowMetrics,
    status: Arc<Mutex<FlowStatus>>,
    /// Per source: the media last reported and since when (epoch ms).
    media: HashMap<
        String,
        (
            Option<tributary_mediaconnect::wire::TransportMediaInfo>,
            u64,
        ),
    >,
    epoch: Instant,
}

impl Driver {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        let mut out = Vec::new();
        let mut next_input = 0;
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        // Far enough never to fire; re-armed whenever the pipeline's deadline changes.
        let far = || Instant::now() + Duration::from_secs(86_400);
        let sleep = tokio::time::sleep_until(far());
        tokio::pin!(sleep);
        let mut armed: Option<Duration> = None;
        loop {
            let deadline = self.pipeline.next_deadline();
            if deadline != armed {
                armed = deadline;
                let at = deadline.map_or_else(far, |d| self.epoch + d);
                sleep.as_mut().reset(at);
            }
            tokio::select! {
                biased;
                command = commands.recv() => match command {
                    Some(Command::Apply(plan, reply)) => {
                        let result = self.apply(plan);
                        let failed = result.is_err();
                        let _ = reply.send(result);
                        if failed {
                            break;
                        }
                    }
                    Some(Command::Stop) | None => break,
                },
                () = &mut sleep, if armed.is_some() => {
                    armed = None;
                    let now = self.epoch.elapsed();
                    self.pipeline.poll(now, &mut out);
                }
                _ = tick.tick() => self.tick(),
                event = recv_any(&mut self.inputs, &mut buf, &mut next_input) => {
                    let now = self.epoch.elapsed();
                    match event {
                        Event::Datagram(i, from, len) => {
                            let bytes = buf.get(..len).unwrap_or(&[]);
                            // A drop is already counted by the source.
                            let _ = self.pipeline.datagram(now, i, from, bytes, &mut out);
                        }
                        Event::Unit(i, unit) => self.pipeline.unit(now, i, unit, &mut out),
                        Event::Error => {}
                    }
                }
            }
            if !out.is_empty() {
                self.send(&mut out).await;
            }
        }
        self.metrics.remove();
    }

    fn apply(&mut self, plan: FlowPlan) -> Result<(), Vec<String>> {
        let mut old = Inputs::default();
        for input in self.inputs.drain(..) {
            match input {
                Input::Socket(addr, socket) => {
                    old.sockets.insert(addr, socket);
                }
                Input::Entitlement(arn, sub) => {
                    old.subscriptions.insert(arn, sub);
                }
            }
        }
        self.inputs = open_inputs(&plan, old, &self.bus)?;
        self.senders.prepare(&plan)?;
        let previous = std::mem::replace(
            &mut self.pipeline,
            Pipeline::new(&plan, None).map_err(|e| vec![e])?,
        );
        self.pipeline = Pipeline::new(&plan, Some(previous)).map_err(|e| vec![e])?;
        self.outputs = outputs(&plan, std::mem::take(&mut self.outputs), &self.push);
        self.publisher.set_entitlements(plan.entitlements.clone());
        self.plan = plan;
        self.tick();
        Ok(())
    }

    async fn send(&mut self, out: &mut Vec<Unit>) {
        let now = self.epoch.elapsed();
        let wall_ms = i64::try_from(epoch_ms()).unwrap_or(i64::MAX);
        for unit in out.drain(..) {
            self.publisher.publish(&self.bus, &unit);
            for output in &mut self.outputs {
                let sink = match &mut output.sink {
                    Sink::Udp(sink) => sink,
                    Sink::Channel(sink) => {
                        // Never waits: the pusher has its own task.
                        sink.take(wall_ms, &unit);
                        continue;
                    }
                };
                let Some(bytes) = sink.encode(now, &unit) else {
                    continue;
                };
                let to = sink.to();
                let sent = match self.senders.for_destination(to) {
                    Some(socket) => socket.send_to(&bytes, to).await,
                    None => Err(std::io::ErrorKind::AddrNotAvailable.into()),
                };
                match sent {
                    Ok(n) => {
                        output.counters.packets += 1;
                        output.counters.bytes += n as u64;
                    }
                    Err(e) => {
                        output.counters.send_errors += 1;
                        tracing::debug!(flow = %self.plan.id, output = %output.name, error = %e, "send failed");
                    }
                }
            }
        }
    }

    fn tick(&mut self) {
        let now = self.epoch.elapsed();
        self.pipeline.tick(now);
        let snapshots = self.pipeline.snapshot(now);
        let outputs: Vec<(String, OutputCounters)> = self
            .outputs
            .iter()
            .map(|o| {
                let counters = match &o.sink {
                    Sink::Udp(_) => o.counters,
                    Sink::Channel(sink) => OutputCounters::of_channel(sink.counters()),
                };
                (o.name.clone(), counters)
            })
            .collect();
        let switches = self.pipeline.switches();
        let failover = matches!(
            self.plan.redundancy,
            super::plan::Redundancy::Failover { .. }
        );
        self.metrics
            .export(&snapshots, &outputs, switches, failover);
        let wall = epoch_ms();
        let sources = snapshots
            .iter()
            .map(|s| {
                let entry = self
                    .media
                    .entry(s.name.clone())
                    .or_insert_with(|| (None, wall));
                if entry.0 != s.media {
                    *entry = (s.media.clone(), wall);
                }
                SourceRuntime {
                    name: s.name.clone(),
                    peer_ip: s.peer.map(|ip| ip.to_string()),
                    media: s.media.clone(),
                    media_changed_ms: s.media.as_ref().map(|_| entry.1),
                    active: s.active,
                }
            })
            .collect();
        *self.status.lock().unwrap_or_else(PoisonError::into_inner) = FlowStatus {
            sources,
            snapshots,
            outputs,
            switches,
        };
    }
}

/// The next datagram or unit from any input, starting after the one served
/// last so a busy source cannot starve the other.
fn recv_any<'a>(
    inputs: &'a mut [Input],
    buf: &'a mut [u8],
    next: &'a mut usize,
) -> impl Future<Output = Event> + 'a {
    std::future::poll_fn(move |cx| {
        let n = inputs.len();
        for k in 0..n {
            let i = (*next + k) % n;
            let Some(input) = inputs.get_mut(i) else {
                continue;
            };
            match input {
                Input::Socket(_, socket) => {
                    let mut read = ReadBuf::new(buf);
                    match socket.poll_recv_from(cx, &mut read) {
                        Poll::Ready(Ok(from)) => {
                            *next = i + 1;
                            return Poll::Ready(Event::Datagram(i, from, read.filled().len()));
                        }
                        Poll::Ready(Err(e)) => {
                            // ICMP errors surface here on some systems; the socket is fine.
                            tracing::debug!(error = %e, "receive failed");
                            *next = i + 1;
                            return Poll::Ready(Event::Error);
                        }
                        Poll::Pending => {}
                    }
                }
                Input::Entitlement(_, sub) => {
                    if let Poll::Ready(Some(unit)) = sub.units.poll_recv(cx) {
                        *next = i + 1;
                        return Poll::Ready(Event::Unit(i, unit));
                    }
                }
            }
        }
        Poll::Pending
    })
}

/// Milliseconds since the Unix epoch.
pub fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
