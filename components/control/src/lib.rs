//! The control component: AWS control planes over `wasi:http` — today the
//! MediaStore API (awsJson1_1, all 21 operations), so `aws mediastore …
//! --endpoint-url` works against Tributary.
//!
//! The operations are sans-IO ([`mediastore::serve`]): they answer through the
//! [`store::Containers`] and [`store::Plug`] traits, which tests implement in
//! memory, so every operation is tested natively.

#![deny(missing_docs)]

pub mod mediastore;
#[cfg(test)]
mod memory;
pub mod store;
