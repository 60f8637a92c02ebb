//! JSON records in `wasi:keyvalue`, updated with compare-and-swap.
//!
//! Every record is one JSON value under one key (or, through [`get_with`] and
//! [`update_with`], a value in its own byte form). Writers go through
//! [`update`], which retries on conflict, so two concurrent changes to the same
//! record (a CORS put and a tag put on one container) never lose one another.

use crate::atomics::{self, CasError};
use crate::kv;
use serde::{Serialize, de::DeserializeOwned};

/// Why state could not be read or written.
#[derive(Debug)]
pub enum StateError {
    /// The store failed; the string is for logs.
    Store(String),
    /// A stored value is not the JSON we expect (a bug or a foreign writer).
    Corrupt(String),
    /// Too many concurrent writers; the caller may retry.
    Contended,
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Store(e) => write!(f, "key-value store error: {e}"),
            Self::Corrupt(e) => write!(f, "stored value is corrupt: {e}"),
            Self::Contended => f.write_str("too many concurrent updates"),
        }
    }
}

fn store_err(e: kv::Error) -> StateError {
    StateError::Store(match e {
        kv::Error::NoSuchStore => "no such store".into(),
        kv::Error::AccessDenied => "access denied".into(),
        kv::Error::Other(s) => s,
    })
}

/// Open the bucket named `name` (declared in the manifest's `key_value_stores`).
pub fn open(name: &str) -> Result<kv::Bucket, StateError> {
    kv::open(name).map_err(store_err)
}

/// The record under `key`, or `None`.
pub fn get<T: DeserializeOwned>(bucket: &kv::Bucket, key: &str) -> Result<Option<T>, StateError> {
    get_with(bucket, key, |bytes| {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    })
}

/// The value under `key` read by `decode` (for values not kept as JSON), or
/// `None`.
pub fn get_with<T>(
    bucket: &kv::Bucket,
    key: &str,
    decode: impl FnOnce(&[u8]) -> Result<T, String>,
) -> Result<Option<T>, StateError> {
    match bucket.get(key).map_err(store_err)? {
        None => Ok(None),
        Some(bytes) => decode(&bytes)
            .map(Some)
            .map_err(|e| StateError::Corrupt(format!("{key}: {e}"))),
    }
}

/// Write `value` under `key` unconditionally.
pub fn put<T: Serialize>(bucket: &kv::Bucket, key: &str, value: &T) -> Result<(), StateError> {
    let bytes = serde_json::to_vec(value).map_err(|e| StateError::Corrupt(e.to_string()))?;
    bucket.set(key, &bytes).map_err(store_err)
}

/// Remove `key` (no error when absent).
pub fn delete(bucket: &kv::Bucket, key: &str) -> Result<(), StateError> {
    bucket.delete(key).map_err(store_err)
}

/// All keys of the bucket, in the order the store lists them (sorted for
/// Tributary's backends).
pub fn keys(bucket: &kv::Bucket) -> Result<Vec<String>, StateError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = bucket.list_keys(cursor.as_deref()).map_err(store_err)?;
        out.extend(page.keys);
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// What an [`update`] closure decided.
pub enum Change<T, R> {
    /// Store this new value and return `R`.
    Write(T, R),
    /// Leave the record as it is and return `R`.
    Keep(R),
}

/// Read-modify-write of the record under `key` with compare-and-swap,
/// retried when another writer got there first. `f` sees the current value
/// (`None` when absent) and may fail with the caller's error type.
pub fn update<T, R, E>(
    bucket: &kv::Bucket,
    key: &str,
    f: impl FnMut(Option<T>) -> Result<Change<T, R>, E>,
) -> Result<R, E>
where
    T: Serialize + DeserializeOwned,
    E: From<StateError>,
{
    update_with(
        bucket,
        key,
        |bytes| serde_json::from_slice(bytes).map_err(|e| e.to_string()),
        |value| serde_json::to_vec(value).map_err(|e| e.to_string()),
        f,
    )
}

/// [`update`] for a value kept in its own byte form: `decode` reads the
/// current bytes, `encode` writes the new value.
pub fn update_with<T, R, E>(
    bucket: &kv::Bucket,
    key: &str,
    decode: impl Fn(&[u8]) -> Result<T, String>,
    encode: impl Fn(&T) -> Result<Vec<u8>, String>,
    mut f: impl FnMut(Option<T>) -> Result<Change<T, R>, E>,
) -> Result<R, E>
where
    E: From<StateError>,
{
    const ATTEMPTS: usize = 16;
    for _ in 0..ATTEMPTS {
        let cas = atomics::Cas::new(bucket, key).map_err(store_err)?;
        let current = match cas.current().map_err(store_err)? {
            None => None,
            Some(bytes) => {
                Some(decode(&bytes).map_err(|e| StateError::Corrupt(format!("{key}: {e}")))?)
            }
        };
        match f(current)? {
            Change::Keep(r) => return Ok(r),
            Change::Write(value, r) => {
                let bytes = encode(&value).map_err(StateError::Corrupt)?;
                match atomics::swap(cas, &bytes) {
                    Ok(()) => return Ok(r),
                    Err(CasError::CasFailed(_)) => continue,
                    Err(CasError::StoreError(e)) => return Err(store_err(e).into()),
                }
            }
        }
    }
    Err(StateError::Contended.into())
}
