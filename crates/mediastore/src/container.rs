//! The container record kept in key-value state, one JSON value per container.

use serde::{Deserialize, Serialize};

/// `ACTIVE`, `CREATING` or `DELETING` (we create and delete synchronously, so
/// containers are ACTIVE whenever they are visible).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContainerStatus {
    /// Ready for use.
    Active,
    /// Being created.
    Creating,
    /// Being deleted.
    Deleting,
}

/// A tag, as on the wire (`{"Key": …, "Value": …}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// 1–128 characters.
    #[serde(rename = "Key")]
    pub key: String,
    /// 0–256 characters.
    #[serde(rename = "Value", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// One CORS rule, as on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsRule {
    /// Origins, each with at most one `*`.
    #[serde(rename = "AllowedOrigins")]
    pub allowed_origins: Vec<String>,
    /// `PUT`, `GET`, `DELETE`, `HEAD`.
    #[serde(
        rename = "AllowedMethods",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub allowed_methods: Option<Vec<String>>,
    /// Headers allowed in preflight, each with at most one `*`.
    #[serde(rename = "AllowedHeaders")]
    pub allowed_headers: Vec<String>,
    /// Preflight cache time.
    #[serde(
        rename = "MaxAgeSeconds",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_age_seconds: Option<i64>,
    /// Headers exposed to scripts.
    #[serde(
        rename = "ExposeHeaders",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expose_headers: Option<Vec<String>>,
}

/// One object-level metric rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricPolicyRule {
    /// Path or wildcard pattern.
    #[serde(rename = "ObjectGroup")]
    pub object_group: String,
    /// Name for the group.
    #[serde(rename = "ObjectGroupName")]
    pub object_group_name: String,
}

/// A metric policy, as on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricPolicy {
    /// `ENABLED` or `DISABLED`.
    #[serde(rename = "ContainerLevelMetrics")]
    pub container_level_metrics: String,
    /// Object-level rules.
    #[serde(
        rename = "MetricPolicyRules",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub metric_policy_rules: Option<Vec<MetricPolicyRule>>,
}

/// Everything known about one container. Stored as JSON under its name in
/// [`crate::CONTAINERS_BUCKET`]; written by `control`, read by `origin`.
/// Updates go through compare-and-swap so concurrent writers never lose one
/// another's changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerRecord {
    /// Container name.
    pub name: String,
    /// Container ARN.
    pub arn: String,
    /// Data endpoint: `<public endpoint>/store/<name>`.
    pub endpoint: String,
    /// Creation time, seconds since the Unix epoch (with fraction).
    pub creation_time: f64,
    /// Lifecycle status.
    pub status: ContainerStatus,
    /// Access logging switched on.
    #[serde(default)]
    pub access_logging: bool,
    /// Container policy document, exactly as put.
    #[serde(default)]
    pub policy: Option<String>,
    /// CORS rules.
    #[serde(default)]
    pub cors: Option<Vec<CorsRule>>,
    /// Lifecycle policy document, exactly as put.
    #[serde(default)]
    pub lifecycle: Option<String>,
    /// When the lifecycle policy was put, milliseconds since the epoch:
    /// transient (seconds) rules apply only to objects created after it.
    #[serde(default)]
    pub lifecycle_since_ms: u64,
    /// Metric policy.
    #[serde(default)]
    pub metric_policy: Option<MetricPolicy>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
}

impl ContainerRecord {
    /// The wire `Container` structure (DescribeContainer, ListContainers, CreateContainer).
    pub fn wire(&self) -> serde_json::Value {
        serde_json::json!({
            "Endpoint": self.endpoint,
            "CreationTime": self.creation_time,
            "ARN": self.arn,
            "Name": self.name,
            "Status": self.status,
            "AccessLoggingEnabled": self.access_logging,
        })
    }
}
