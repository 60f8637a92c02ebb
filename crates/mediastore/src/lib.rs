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

pub use container::{ContainerRecord, ContainerStatus, CorsRule, MetricPolicy, MetricPolicyRule, Tag};
pub use error::ApiError;
pub use names::{ContainerName, FolderPath, NameError, ObjectPath};

/// Key-value bucket holding one [`ContainerRecord`] per container, keyed by name.
pub const CONTAINERS_BUCKET: &str = "containers";
/// Key-value bucket holding access keys: key = access key id, value = [`AccessKey`] JSON.
pub const CREDENTIALS_BUCKET: &str = "credentials";

/// An access key as stored in [`CREDENTIALS_BUCKET`] (written by the host for
/// the root key and by `tributary access-key create` for named users).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccessKey {
    /// The secret access key.
    pub secret: String,
    /// Principal ARN: `arn:aws:iam::<account>:root` or `arn:aws:iam::<account>:user/<name>`.
    pub arn: String,
    /// The root key may do anything; other keys only what a container policy allows.
    #[serde(default)]
    pub root: bool,
}

/// Largest object a STANDARD PutObject accepts (MediaStore: 25 MB).
pub const MAX_OBJECT_SIZE: u64 = 25 * 1000 * 1000;
/// Largest object a STREAMING PutObject accepts (MediaStore: 10 MB).
pub const MAX_STREAMING_OBJECT_SIZE: u64 = 10 * 1000 * 1000;
/// Containers per account (MediaStore default quota).
pub const MAX_CONTAINERS: usize = 100;
