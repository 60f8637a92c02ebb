//! What one request's `Store` holds. It hands out views per capability
//! rather than implementing every host trait itself.

use super::budget::Budget;
use crate::capabilities::{
    blob::{BlobCtx, BlobView},
    keyvalue::{KvCtx, KvView},
};
use std::time::Duration;
use wasmtime::component::ResourceTable;
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

/// Per-request store data.
pub struct StoreState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: NoOutgoing,
    blob: BlobCtx,
    kv: KvCtx,
    pub(super) limits: StoreLimits,
    pub(super) budget: Budget,
}

impl StoreState {
    /// Fresh state for one request.
    pub fn new(
        env: &[(String, String)],
        blob: BlobCtx,
        kv: KvCtx,
        memory_bytes: usize,
        cpu: Duration,
    ) -> Self {
        let wasi = WasiCtx::builder().envs(env).inherit_stderr().build();
        Self {
            table: ResourceTable::new(),
            wasi,
            http: WasiHttpCtx::new(),
            hooks: NoOutgoing,
            blob,
            kv,
            limits: StoreLimitsBuilder::new()
                .memory_size(memory_bytes)
                .instances(64)
                .build(),
            budget: Budget::new(cpu),
        }
    }

    /// No resource of the last request is left (streams, bodies, buckets):
    /// nothing of it can reach the next one.
    pub(super) fn is_clean(&self) -> bool {
        self.table.is_empty()
    }

    /// The blob-store view.
    pub fn blob(&mut self) -> BlobView<'_> {
        BlobView::new(&self.blob, &mut self.table)
    }

    /// The key-value view.
    pub fn kv(&mut self) -> KvView<'_> {
        KvView::new(&self.kv, &mut self.table)
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for StoreState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// Components make no outgoing HTTP requests yet (SPEKE will need them, with
/// an allow-list from the manifest's `allowed_outbound_hosts`).
struct NoOutgoing;

impl WasiHttpHooks for NoOutgoing {
    fn send_request(
        &mut self,
        _request: http::Request<wasmtime_wasi_http::WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<dyn Future<Output = OutgoingResult> + Send> {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

type OutgoingResult = Result<
    (
        http::Response<wasmtime_wasi_http::WasiBody>,
        Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ),
    wasmtime_wasi_http::Error,
>;
