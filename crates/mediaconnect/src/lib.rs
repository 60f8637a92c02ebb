//! MediaConnect flows as Tributary keeps them: the contract between the
//! `control` component (which writes what a flow should be) and the host's
//! transport supervisor (which runs flows and writes what they are).
//!
//! Everything lives in the key-value store `flows`:
//!
//! | key | value | written by |
//! | --- | --- | --- |
//! | `flow/<id>` | [`FlowRecord`]: the flow in its wire shape + desired state | control |
//! | `runtime/<id>` | [`Runtime`]: what the host running it reports | supervisor |
//! | `lease/<id>` | [`Lease`]: which host runs it, until when | supervisor |
//!
//! Control never writes `runtime/` or `lease/` (it deletes them with the
//! flow) and the supervisor never writes `flow/`, so neither side's
//! compare-and-swap ever races the other's. The status a client sees is
//! derived from both by [`status`].

#![deny(missing_docs)]

pub mod arn;
mod record;
mod status;
pub mod wire;

pub use record::{Desired, FlowRecord, Lease, Runtime, RuntimeState, SourceRuntime, keys};
pub use status::{LEASE_MS, status};

/// The key-value store flows live in.
pub const BUCKET: &str = "flows";
