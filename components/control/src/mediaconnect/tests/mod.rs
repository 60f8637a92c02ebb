//! Every operation, validation and error path, through [`serve`] as the
//! component calls it, against the in-memory `flows` store. Paths are built
//! the way botocore builds them (ARN labels percent-encoded), so routing is
//! exercised too.

mod entitlements;
mod flows;
mod metadata;
mod outputs;
mod sources;
mod tags;
mod wire;

use serde_json::{Value, json};
use tributary_guest::auth::{AuthError, Identity};
use tributary_mediaconnect::{FlowRecord, Runtime, RuntimeState, SourceRuntime};

use super::*;
use crate::memory::MemoryFlows;
use crate::rest::testing::{self, Api, assert_error, decode, header, label};

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "111122223333";
const NOW_MS: u64 = 1_763_000_000_123;
const INGEST_IP: &str = "203.0.113.10";

struct World {
    store: MemoryFlows,
    settings: Settings,
    now_ms: u64,
    ids: u64,
}

fn world() -> World {
    World {
        store: MemoryFlows::default(),
        settings: Settings {
            region: REGION.into(),
            account: ACCOUNT.into(),
            ingest_ip: Some(INGEST_IP.into()),
        },
        now_ms: NOW_MS,
        ids: 0,
    }
}

fn flow_path(flow_arn: &str) -> String {
    format!("/v1/flows/{}", label(flow_arn))
}

/// A source body for CreateFlow / AddFlowSources.
fn rtp_source(name: &str, port: u16) -> Value {
    json!({"name": name, "protocol": "rtp", "ingestPort": port, "whitelistCidr": "10.0.0.0/8"})
}

fn output(name: &str, port: u16) -> Value {
    json!({"name": name, "protocol": "udp", "destination": "198.51.100.7", "port": port})
}

impl Api for World {
    fn raw(
        &mut self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        auth: Result<Identity, AuthError>,
    ) -> Reply {
        let call = testing::call(method, path_and_query, body, self.now_ms);
        let mut random = testing::counter(&mut self.ids);
        serve(&call, auth, &self.settings, &mut self.store, &mut random)
    }
}

impl World {
    /// CreateFlow; the flow.
    #[track_caller]
    fn create(&mut self, body: Value) -> Value {
        let (status, v) = self.ok("POST", "/v1/flows", Some(body));
        assert_eq!(status, 201);
        v["flow"].clone()
    }

    /// A flow named `name` with one rtp source on `port`; its ARN.
    #[track_caller]
    fn flow(&mut self, name: &str, port: u16) -> String {
        let flow = self.create(json!({"name": name, "source": rtp_source("main", port)}));
        flow["flowArn"].as_str().unwrap().to_owned()
    }

    #[track_caller]
    fn describe(&mut self, flow_arn: &str) -> Value {
        self.ok("GET", &flow_path(flow_arn), None).1
    }

    /// The stored record of `flow_arn`.
    fn record(&self, flow_arn: &str) -> FlowRecord {
        self.store
            .flows
            .values()
            .find(|r| r.flow.flow_arn == flow_arn)
            .cloned()
            .expect("the flow is stored")
    }

    fn id(&self, flow_arn: &str) -> String {
        tributary_mediaconnect::arn::parse(flow_arn, tributary_mediaconnect::arn::Kind::Flow)
            .unwrap()
            .id
            .to_owned()
    }

    /// Report, as the host would, that `flow_arn` runs in `state` at
    /// `generation`, now.
    fn host_reports(
        &mut self,
        flow_arn: &str,
        state: RuntimeState,
        generation: u64,
        sources: Vec<SourceRuntime>,
    ) {
        let id = self.id(flow_arn);
        self.store.runtimes.insert(
            id,
            Runtime {
                host: "host-a".into(),
                generation,
                state,
                errors: if state == RuntimeState::Failed {
                    vec!["bind 0.0.0.0:5000: address in use".into()]
                } else {
                    vec![]
                },
                updated_ms: self.now_ms,
                sources,
            },
        );
    }
}
