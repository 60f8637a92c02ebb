//! Reading a rest-json request body: a JSON object whose keys are the
//! members' camelCase wire names.
//!
//! Malformed JSON, a member of the wrong JSON type, a missing required
//! member, a value out of range and an enum value outside the model are
//! all the family's invalid-request error ([`Family::invalid`]) whose
//! message names the member by its path (`sources[0].ingestPort`). `null`
//! counts as absent. Members an operation does not know are ignored, as
//! AWS does, so newer clients keep working; members the model knows but
//! Tributary does not run are refused by [`Members::refuse`].

use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde_json::{Map, Value};

use super::{Error, Family};

/// The family's invalid-request error naming the member at `path`.
pub fn invalid<F: Family>(path: &str, problem: impl std::fmt::Display) -> Error<F> {
    F::invalid(format!("{path}: {problem}"))
}

/// Parse a request body; an empty body reads as `{}`.
pub fn parse_body<F: Family>(body: &[u8]) -> Result<Value, Error<F>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| F::invalid(format!("The request body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(F::invalid(
            "The request body must be a JSON object of the operation's members".to_owned(),
        ));
    }
    Ok(value)
}

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

/// The members of one JSON object, with the path that names them in errors.
#[derive(Debug, Clone)]
pub struct Members<'a, F> {
    map: &'a Map<String, Value>,
    path: String,
    family: PhantomData<F>,
}

impl<'a, F: Family> Members<'a, F> {
    /// The top-level members of a body from [`parse_body`].
    pub fn top(value: &'a Value) -> Self {
        Self::at(value.as_object().unwrap_or(&EMPTY), String::new())
    }

    fn at(map: &'a Map<String, Value>, path: String) -> Self {
        Self {
            map,
            path,
            family: PhantomData,
        }
    }

    /// The members of list element `value` (a structure); `path` names it.
    pub fn element(value: &'a Value, path: String) -> Result<Self, Error<F>> {
        match value {
            Value::Object(map) => Ok(Self::at(map, path)),
            _ => Err(invalid(&path, "must be a structure")),
        }
    }

    /// Error path of member `name`.
    pub fn path_of(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    fn member(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// Whether member `name` is present (and not `null`).
    pub fn has(&self, name: &str) -> bool {
        self.member(name).is_some()
    }

    fn missing(&self, name: &str) -> Error<F> {
        invalid(&self.path_of(name), "is required")
    }

    fn wrong_type(&self, name: &str, what: &str) -> Error<F> {
        invalid(&self.path_of(name), format_args!("must be {what}"))
    }

    /// Refuse the first of `names` that is present: Tributary does not run
    /// it (`why` says what would, or which feature it belongs to).
    pub fn refuse(&self, names: &[&str], why: &str) -> Result<(), Error<F>> {
        match names.iter().find(|n| self.has(n)) {
            Some(name) => Err(invalid(
                &self.path_of(name),
                format_args!("{}: {why}", F::NOT_SUPPORTED),
            )),
            None => Ok(()),
        }
    }

    /// Optional string.
    pub fn opt_str(&self, name: &str) -> Result<Option<&'a str>, Error<F>> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.wrong_type(name, "a string")),
        }
    }

    /// Required string.
    pub fn str(&self, name: &str) -> Result<&'a str, Error<F>> {
        self.opt_str(name)?.ok_or_else(|| self.missing(name))
    }

    /// Optional boolean.
    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, Error<F>> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong_type(name, "true or false")),
        }
    }

    /// Optional integer within `min..=max`.
    pub fn opt_int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, Error<F>> {
        match self.member(name) {
            None => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
                Some(n) => Err(invalid(&self.path_of(name), F::out_of_range(n, min, max))),
                None => Err(self.wrong_type(name, "an integer")),
            },
        }
    }

    /// Optional list.
    pub fn opt_list(&self, name: &str) -> Result<Option<&'a [Value]>, Error<F>> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(self.wrong_type(name, "a list")),
        }
    }

    /// Required list.
    pub fn list(&self, name: &str) -> Result<&'a [Value], Error<F>> {
        self.opt_list(name)?.ok_or_else(|| self.missing(name))
    }

    /// Optional list of strings.
    pub fn opt_strings(&self, name: &str) -> Result<Option<Vec<&'a str>>, Error<F>> {
        let Some(list) = self.opt_list(name)? else {
            return Ok(None);
        };
        let path = self.path_of(name);
        list.iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.as_str()),
                _ => Err(invalid(&format!("{path}[{i}]"), "must be a string")),
            })
            .collect::<Result<_, _>>()
            .map(Some)
    }

    /// Optional structure.
    pub fn opt_object(&self, name: &str) -> Result<Option<Self>, Error<F>> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Self::at(map, self.path_of(name)))),
            Some(_) => Err(self.wrong_type(name, "a structure")),
        }
    }

    /// Optional list of structures (`hlsManifests`), each named by its
    /// index in errors.
    pub fn opt_objects(&self, name: &str) -> Result<Option<Vec<Self>>, Error<F>> {
        let Some(list) = self.opt_list(name)? else {
            return Ok(None);
        };
        let path = self.path_of(name);
        list.iter()
            .enumerate()
            .map(|(i, v)| Self::element(v, format!("{path}[{i}]")))
            .collect::<Result<_, _>>()
            .map(Some)
    }

    /// Optional map of string to string (`tags`, `flowTags`).
    pub fn opt_string_map(&self, name: &str) -> Result<Option<BTreeMap<String, String>>, Error<F>> {
        let Some(m) = self.opt_object(name)? else {
            return Ok(None);
        };
        m.map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(invalid(&m.path_of(k), "must be a string")),
            })
            .collect::<Result<_, _>>()
            .map(Some)
    }
}

/// `s` as one of `values` (an enum's wire spellings); the family's
/// invalid-request error naming `path` and the allowed values otherwise.
pub fn check_enum<'v, F: Family>(
    path: &str,
    s: &str,
    values: &[&'v str],
) -> Result<&'v str, Error<F>> {
    values.iter().find(|v| **v == s).copied().ok_or_else(|| {
        invalid(
            path,
            format_args!("{s:?} is not one of {}", values.join(", ")),
        )
    })
}
