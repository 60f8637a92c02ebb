//! The container policy the decision and component benches evaluate: public
//! reads with a private folder denied outside two networks.

/// The policy document.
pub const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"PublicRead","Effect":"Allow","Principal":"*",
  "Action":["mediastore:GetObject","mediastore:DescribeObject"],
  "Resource":"arn:aws:mediastore:us-east-1:000000000000:container/live/*",
  "Condition":{"Bool":{"aws:SecureTransport":"false"}}},
 {"Sid":"NoPrivate","Effect":"Deny","Principal":"*","Action":"mediastore:*",
  "Resource":"arn:aws:mediastore:us-east-1:000000000000:container/live/private/*",
  "Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.0/24"]}}}]}"#;
