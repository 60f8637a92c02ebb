//! MediaStore's vocabulary, shared by the `control` and `origin` components:
//! validated names ([`ContainerName`], [`ObjectPath`], [`FolderPath`]), the
//! container record kept in key-value state ([`ContainerRecord`]), the wire
//! errors with the service's own codes and statuses ([`ApiError`]), and object
//! lifecycle rules ([`lifecycle::LifecyclePolicy`]).
//!
//! Everything here is plain data and pure functions: no I/O, no clock.
//!
//! ```
//! use tributary_mediastore::{ContainerName, ObjectPath};
//! let name = ContainerName::parse("live-1").unwrap();
//! let path = ObjectPath::parse("football/index.m3u8").unwrap();
//! assert_eq!(path.blob_key(&name), "live-1/football/index.m3u8");
//! ```

#![deny(missing_docs)]

mod container;
mod error;
pub mod lifecycle;
mod names;

pub use container::{
    ContainerRecord, ContainerStatus, CorsRule, MetricPolicy, MetricPolicyRule, Tag,
};
pub use error::ApiError;
pub use names::{ContainerName, FolderPath, NameError, ObjectPath};

/// Key-value bucket holding one [`ContainerRecord`] per container, keyed by name.
pub const CONTAINERS_BUCKET: &str = "containers";
/// Largest object a STANDARD PutObject accepts (MediaStore: 25 MB).
pub const MAX_OBJECT_SIZE: u64 = 25 * 1000 * 1000;
/// Largest object a STREAMING PutObject accepts (MediaStore: 10 MB).
pub const MAX_STREAMING_OBJECT_SIZE: u64 = 10 * 1000 * 1000;
/// Containers per account (MediaStore default quota).
pub const MAX_CONTAINERS: usize = 100;
