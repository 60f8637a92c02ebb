//! The transport supervisor: reconciles the flows in the `flows` store with
//! what runs on this host, holds a lease on each flow it runs, and writes
//! their runtime records. The decisions are [`super::reconcile::decide`];
//! this file does the reading and writing.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::MissedTickBehavior;
use tributary_mediaconnect::{BUCKET, FlowRecord, Lease, Runtime, RuntimeState, keys};

use super::flow::{FlowCtx, FlowHandle, epoch_ms};
use super::plan::{
    ChannelIndex, ChannelInfo, EntitlementIndex, channel_of, entitlement_index, plan,
};
use super::reconcile::{LeaseStep, Local, RunStep, decide};
use crate::storage::KvBackend;

/// How often the store is read for changes.
pub const RECONCILE_EVERY: Duration = Duration::from_millis(250);
/// How often runtime records are written.
pub const RUNTIME_EVERY: Duration = Duration::from_secs(1);
/// Keys listed per page.
const PAGE: u32 = 500;

/// How the supervisor is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// This host's id, in leases and runtime records.
    pub host_id: String,
    /// The address flow sources bind on.
    pub transport_address: IpAddr,
    /// This host's HTTP listener: channel outputs push into the channel's
    /// ingest endpoint there, as an external encoder would.
    pub ingest_http: SocketAddr,
}

enum State {
    Running(FlowHandle),
    Failed(Vec<String>),
}

struct LocalFlow {
    generation: u64,
    state: State,
    /// Whether a runtime record was written, so one deleted since (the flow
    /// is being deleted) is not written again.
    runtime_written: bool,
}

impl LocalFlow {
    fn local(&self) -> Local {
        match self.state {
            State::Running(_) => Local::Running(self.generation),
            State::Failed(_) => Local::Failed(self.generation),
        }
    }
}

/// Runs the flows this host holds leases on.
pub struct Supervisor {
    kv: Arc<dyn KvBackend>,
    config: Config,
    ctx: FlowCtx,
    flows: HashMap<String, LocalFlow>,
}

impl Supervisor {
    /// A supervisor running nothing yet.
    pub fn new(kv: Arc<dyn KvBackend>, config: Config, ctx: FlowCtx) -> Self {
        Self {
            kv,
            config,
            ctx,
            flows: HashMap::new(),
        }
    }

    /// Reconciles every [`RECONCILE_EVERY`] and writes runtimes every
    /// [`RUNTIME_EVERY`] until `shutdown`, then stops every flow.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut reconcile = tokio::time::interval(RECONCILE_EVERY);
        reconcile.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut runtime = tokio::time::interval(RUNTIME_EVERY);
        runtime.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = reconcile.tick() => self.reconcile().await,
                _ = runtime.tick() => self.write_runtimes().await,
            }
        }
        self.shutdown().await;
    }

    /// The running flow `id`, if any.
    #[cfg(test)]
    pub fn flow(&self, id: &str) -> Option<&FlowHandle> {
        match self.flows.get(id).map(|f| &f.state) {
            Some(State::Running(handle)) => Some(handle),
            _ => None,
        }
    }

    /// One pass over the store.
    pub async fn reconcile(&mut self) {
        let records = match self.records().await {
            Ok(records) => records,
            Err(e) => {
                tracing::warn!(error = %e, "transport: cannot read flows; keeping what runs");
                return;
            }
        };
        let index = entitlement_index(records.values());
        let ids: BTreeSet<String> = records.keys().chain(self.flows.keys()).cloned().collect();
        for id in ids {
            if let Err(e) = self.reconcile_one(&id, records.get(&id), &index).await {
                tracing::warn!(flow = %id, error = %e, "transport: reconcile failed; retrying");
            }
        }
    }

    async fn reconcile_one(
        &mut self,
        id: &str,
        record: Option<&FlowRecord>,
        index: &EntitlementIndex,
    ) -> Result<(), crate::storage::KvError> {
        if let Some(flow) = self.flows.get_mut(id)
            && let State::Running(handle) = &flow.state
            && handle.is_finished()
        {
            tracing::error!(flow = %id, "transport: flow task ended unexpectedly");
            flow.state = State::Failed(vec![
                "the flow stopped unexpectedly; see the host log".to_owned(),
            ]);
        }
        let lease_key = keys::lease(id);
        let lease_raw = self.kv.get(BUCKET, &lease_key).await?;
        let lease: Option<Lease> = lease_raw
            .as_deref()
            .and_then(|raw| serde_json::from_slice(raw).ok());
        let now = epoch_ms();
        let local = self.flows.get(id).map(LocalFlow::local);
        let decision = decide(&self.config.host_id, now, record, lease.as_ref(), local);

        match decision.lease {
            LeaseStep::Leave => {}
            LeaseStep::Claim(new) => {
                let bytes = serde_json::to_vec(&new).unwrap_or_default();
                let won = self
                    .kv
                    .compare_and_swap(BUCKET, &lease_key, lease_raw.as_deref(), bytes)
                    .await?;
                if !won {
                    // Another host claimed it between our read and write.
                    if let Some(flow) = self.flows.remove(id) {
                        tracing::info!(flow = %id, "transport: lease lost; stopping here");
                        stop(flow).await;
                    }
                    return Ok(());
                }
            }
            LeaseStep::Release => {
                // Ours (checked in `decide`): no other host may take a live lease.
                self.kv.delete(BUCKET, &lease_key).await?;
            }
        }

        match decision.run {
            RunStep::Nothing => {}
            RunStep::Start => {
                let Some(record) = record else { return Ok(()) };
                let previous = self.flows.remove(id);
                let runtime_written = previous.as_ref().is_some_and(|f| f.runtime_written);
                if let Some(previous) = previous {
                    stop(previous).await;
                }
                let channels = self.channels(record).await?;
                let state = match plan(id, record, self.config.transport_address, index, &channels)
                    .and_then(|p| FlowHandle::start(p, &self.ctx))
                {
                    Ok(handle) => {
                        tracing::info!(flow = %id, generation = record.generation, "transport: flow started");
                        State::Running(handle)
                    }
                    Err(errors) => {
                        tracing::warn!(flow = %id, generation = record.generation, ?errors, "transport: flow cannot start");
                        State::Failed(errors)
                    }
                };
                self.flows.insert(
                    id.to_owned(),
                    LocalFlow {
                        generation: record.generation,
                        state,
                        runtime_written,
                    },
                );
                self.write_runtime(id).await;
            }
            RunStep::Update => {
                let Some(record) = record else { return Ok(()) };
                let channels = self.channels(record).await?;
                let Some(flow) = self.flows.get_mut(id) else {
                    return Ok(());
                };
                let planned = plan(id, record, self.config.transport_address, index, &channels);
                let result = match (&mut flow.state, planned) {
                    (State::Running(handle), Ok(p)) => handle.apply(p).await,
                    (_, Err(errors)) => Err(errors),
                    (State::Failed(_), Ok(_)) => Ok(()),
                };
                flow.generation = record.generation;
                if let Err(errors) = result {
                    tracing::warn!(flow = %id, generation = record.generation, ?errors, "transport: flow cannot take its new generation");
                    if let State::Running(handle) =
                        std::mem::replace(&mut flow.state, State::Failed(errors))
                    {
                        handle.stop().await;
                    }
                } else {
                    tracing::info!(flow = %id, generation = record.generation, "transport: flow updated in place");
                }
                self.write_runtime(id).await;
            }
            RunStep::Stop { write_stopped } => {
                if let Some(flow) = self.flows.remove(id) {
                    // The stop applies the record's generation (StopFlow bumps it).
                    let generation = record.map_or(flow.generation, |r| r.generation);
                    let written = flow.runtime_written;
                    stop(flow).await;
                    tracing::info!(flow = %id, "transport: flow stopped");
                    if write_stopped {
                        self.put_runtime(
                            id,
                            generation,
                            RuntimeState::Stopped,
                            vec![],
                            vec![],
                            written,
                        )
                        .await;
                    }
                }
            }
            RunStep::Abandon => {
                if let Some(flow) = self.flows.remove(id) {
                    tracing::info!(flow = %id, "transport: another host holds the lease; stopping here");
                    stop(flow).await;
                }
            }
        }
        Ok(())
    }

    /// The channels `record`'s outputs push into, with the segment
    /// durations of their origin endpoints; read only when there are any.
    async fn channels(&self, record: &FlowRecord) -> Result<ChannelIndex, crate::storage::KvError> {
        use tributary_mediapackage::{BUCKET as CHANNELS, ChannelRecord, EndpointRecord};
        let wanted: BTreeSet<&str> = record
            .flow
            .outputs
            .iter()
            .filter_map(|o| o.destination.as_deref().and_then(channel_of))
            .collect();
        let mut index = ChannelIndex::new();
        if wanted.is_empty() {
            return Ok(index);
        }
        for id in &wanted {
            let key = tributary_mediapackage::keys::channel(id);
            let Some(raw) = self.kv.get(CHANNELS, &key).await? else {
                continue;
            };
            match serde_json::from_slice::<ChannelRecord>(&raw) {
                Ok(record) => {
                    index.insert(
                        (*id).to_owned(),
                        ChannelInfo {
                            record,
                            segment_durations: Vec::new(),
                        },
                    );
                }
                Err(e) => {
                    tracing::warn!(channel = %id, error = %e, "transport: unreadable channel record");
                }
            }
        }
        // Keys sort bytewise: `endpoint/…` follows `endpoint.`.
        let prefix = tributary_mediapackage::keys::ENDPOINT;
        let mut cursor = Some("endpoint.".to_owned());
        while let Some(after) = cursor.take() {
            let (page, next) = self.kv.list_keys(CHANNELS, Some(&after), PAGE).await?;
            let mut past = false;
            for key in page {
                if !key.starts_with(prefix) {
                    past = true;
                    continue;
                }
                let Some(raw) = self.kv.get(CHANNELS, &key).await? else {
                    continue;
                };
                let Ok(endpoint) = serde_json::from_slice::<EndpointRecord>(&raw) else {
                    continue;
                };
                let endpoint = endpoint.endpoint;
                if let (Some(info), Some(hls)) =
                    (index.get_mut(&endpoint.channel_id), endpoint.hls_package)
                {
                    info.segment_durations.push(hls.segment_duration_seconds);
                }
            }
            if !past {
                cursor = next;
            }
        }
        Ok(index)
    }

    /// Every `flow/` record, by id; unreadable ones are logged and left out.
    async fn records(&self) -> Result<HashMap<String, FlowRecord>, crate::storage::KvError> {
        let mut ids = Vec::new();
        // Keys sort bytewise: `flow/…` follows `flow.`.
        let mut cursor = Some("flow.".to_owned());
        loop {
            let (page, next) = self.kv.list_keys(BUCKET, cursor.as_deref(), PAGE).await?;
            let mut past = false;
            for key in page {
                match key.strip_prefix(keys::FLOW) {
                    Some(id) => ids.push(id.to_owned()),
                    None => past = true,
                }
            }
            match next {
                Some(next) if !past => cursor = Some(next),
                _ => break,
            }
        }
        let mut records = HashMap::new();
        for id in ids {
            let Some(raw) = self.kv.get(BUCKET, &keys::flow(&id)).await? else {
                continue;
            };
            match serde_json::from_slice::<FlowRecord>(&raw) {
                Ok(record) => {
                    records.insert(id, record);
                }
                Err(e) => {
                    tracing::warn!(flow = %id, error = %e, "transport: unreadable flow record; skipped");
                }
            }
        }
        Ok(records)
    }

    /// Writes the runtime record of every flow that runs or failed here.
    pub async fn write_runtimes(&mut self) {
        let ids: Vec<String> = self.flows.keys().cloned().collect();
        for id in ids {
            self.write_runtime(&id).await;
        }
    }

    async fn write_runtime(&mut self, id: &str) {
        let Some(flow) = self.flows.get(id) else {
            return;
        };
        let (state, errors, sources) = match &flow.state {
            State::Running(handle) => (RuntimeState::Running, vec![], handle.status().sources),
            State::Failed(errors) => (RuntimeState::Failed, errors.clone(), vec![]),
        };
        let (generation, written) = (flow.generation, flow.runtime_written);
        let wrote = self
            .put_runtime(id, generation, state, errors, sources, written)
            .await;
        if wrote && let Some(flow) = self.flows.get_mut(id) {
            flow.runtime_written = true;
        }
    }

    /// Writes `runtime/<id>` (ours while we hold the lease) unless it was
    /// deleted since we wrote it: control deletes it with the flow.
    async fn put_runtime(
        &self,
        id: &str,
        generation: u64,
        state: RuntimeState,
        errors: Vec<String>,
        sources: Vec<tributary_mediaconnect::SourceRuntime>,
        written_before: bool,
    ) -> bool {
        let key = keys::runtime(id);
        let now = epoch_ms();
        let current = match self.kv.get(BUCKET, &key).await {
            Ok(current) => current,
            Err(e) => {
                tracing::warn!(flow = %id, error = %e, "transport: cannot read runtime");
                return false;
            }
        };
        if current.is_none() && written_before {
            return false;
        }
        let runtime = Runtime {
            host: self.config.host_id.clone(),
            generation,
            state,
            errors,
            updated_ms: now,
            sources,
        };
        let Ok(bytes) = serde_json::to_vec(&runtime) else {
            return false;
        };
        match self
            .kv
            .compare_and_swap(BUCKET, &key, current.as_deref(), bytes)
            .await
        {
            Ok(wrote) => wrote,
            Err(e) => {
                tracing::warn!(flow = %id, error = %e, "transport: cannot write runtime");
                false
            }
        }
    }

    /// Stops every flow, writes `Stopped` for those whose record remains,
    /// and releases their leases.
    pub async fn shutdown(&mut self) {
        let flows: Vec<(String, LocalFlow)> = self.flows.drain().collect();
        for (id, flow) in flows {
            let generation = flow.generation;
            let written = flow.runtime_written;
            stop(flow).await;
            let exists = matches!(self.kv.get(BUCKET, &keys::flow(&id)).await, Ok(Some(_)));
            if exists {
                self.put_runtime(
                    &id,
                    generation,
                    RuntimeState::Stopped,
                    vec![],
                    vec![],
                    written,
                )
                .await;
            }
            let lease_key = keys::lease(&id);
            if let Ok(Some(raw)) = self.kv.get(BUCKET, &lease_key).await
                && serde_json::from_slice::<Lease>(&raw)
                    .is_ok_and(|l| l.host == self.config.host_id)
            {
                let _ = self.kv.delete(BUCKET, &lease_key).await;
            }
            tracing::info!(flow = %id, "transport: flow stopped for shutdown");
        }
    }
}

async fn stop(flow: LocalFlow) {
    if let State::Running(handle) = flow.state {
        handle.stop().await;
    }
}
