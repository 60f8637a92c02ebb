//! A request path as the rest-json routers match it: the raw path split on
//! `/` and each segment percent-decoded after ([`crate::route::segments`]),
//! so a path label (`{FlowArn}`, `{id}`) arrives whole even when it holds
//! `/` or `:`.

use std::marker::PhantomData;

use super::{Error, Family};

/// The decoded segments of one request's path, and the 404 for a request
/// no operation of family `F` answers.
#[derive(Debug, Clone)]
pub struct Path<'a, F> {
    method: &'a str,
    raw: &'a str,
    segments: Vec<String>,
    family: PhantomData<F>,
}

impl<'a, F: Family> Path<'a, F> {
    /// `raw_path` (still percent-encoded) of a `method` request.
    pub fn new(method: &'a str, raw_path: &'a str) -> Self {
        Self {
            method,
            raw: raw_path,
            segments: crate::route::segments(raw_path),
            family: PhantomData,
        }
    }

    /// The decoded segments, to match against the URI templates.
    pub fn segments(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }

    /// 404 `NotFoundException`: no operation answers this request.
    pub fn no_route(&self) -> Error<F> {
        Error::not_found(format!(
            "No {} operation answers {} {}",
            F::NAME,
            self.method,
            self.raw
        ))
    }

    /// Path label `i`: every label is non-empty, a request with an empty
    /// one has no route.
    pub fn label(&self, i: usize) -> Result<String, Error<F>> {
        match self.segments.get(i) {
            Some(l) if !l.is_empty() => Ok(l.clone()),
            _ => Err(self.no_route()),
        }
    }
}
