//! Reading a rest-json request body: a JSON object whose keys are the
//! members' camelCase wire names.
//!
//! Malformed JSON, a member of the wrong JSON type, a missing required
//! member, a value out of range and an enum value outside the model are all
//! 422 `UnprocessableEntityException`s whose message names the member by
//! its path (`hlsPackage.segmentDurationSeconds`). `null` counts as absent.
//! Members an operation does not know are ignored, as AWS does, so newer
//! clients keep working; members the model knows but Tributary does not
//! run are refused by [`Members::refuse`].

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::{Error, Result};

/// A 422 naming the member at `path`.
pub fn invalid(path: &str, problem: impl std::fmt::Display) -> Error {
    Error::unprocessable(format!("{path}: {problem}"))
}

/// Parse a request body; an empty body reads as `{}`.
pub fn parse_body(body: &[u8]) -> Result<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Error::unprocessable(format!("The request body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(Error::unprocessable(
            "The request body must be a JSON object of the operation's members",
        ));
    }
    Ok(value)
}

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

/// The members of one JSON object, with the path that names them in errors.
#[derive(Debug, Clone)]
pub struct Members<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Members<'a> {
    /// The top-level members of a body from [`parse_body`].
    pub fn top(value: &'a Value) -> Self {
        Self {
            map: value.as_object().unwrap_or(&EMPTY),
            path: String::new(),
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

    fn wrong_type(&self, name: &str, what: &str) -> Error {
        invalid(&self.path_of(name), format_args!("must be {what}"))
    }

    /// Refuse the first of `names` that is present: Tributary does not run
    /// it yet (`why` says what would).
    pub fn refuse(&self, names: &[&str], why: &str) -> Result<()> {
        match names.iter().find(|n| self.has(n)) {
            Some(name) => Err(invalid(
                &self.path_of(name),
                format_args!("is not supported yet: {why}"),
            )),
            None => Ok(()),
        }
    }

    /// Optional string.
    pub fn opt_str(&self, name: &str) -> Result<Option<&'a str>> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.wrong_type(name, "a string")),
        }
    }

    /// Required string.
    pub fn str(&self, name: &str) -> Result<&'a str> {
        self.opt_str(name)?
            .ok_or_else(|| invalid(&self.path_of(name), "is required"))
    }

    /// Optional boolean.
    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong_type(name, "true or false")),
        }
    }

    /// Optional integer within `min..=max`.
    pub fn opt_int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>> {
        match self.member(name) {
            None => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
                Some(n) => Err(invalid(
                    &self.path_of(name),
                    format_args!("{n} is not between {min} and {max}"),
                )),
                None => Err(self.wrong_type(name, "an integer")),
            },
        }
    }

    /// Optional list of strings.
    pub fn opt_strings(&self, name: &str) -> Result<Option<Vec<&'a str>>> {
        let list = match self.member(name) {
            None => return Ok(None),
            Some(Value::Array(a)) => a,
            Some(_) => return Err(self.wrong_type(name, "a list")),
        };
        let path = self.path_of(name);
        list.iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.as_str()),
                _ => Err(invalid(&format!("{path}[{i}]"), "must be a string")),
            })
            .collect::<Result<_>>()
            .map(Some)
    }

    /// Optional structure.
    pub fn opt_object(&self, name: &str) -> Result<Option<Members<'a>>> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Members {
                map,
                path: self.path_of(name),
            })),
            Some(_) => Err(self.wrong_type(name, "a structure")),
        }
    }

    /// Optional list of structures (`hlsManifests`), each named by its
    /// index in errors.
    pub fn opt_objects(&self, name: &str) -> Result<Option<Vec<Members<'a>>>> {
        let list = match self.member(name) {
            None => return Ok(None),
            Some(Value::Array(a)) => a,
            Some(_) => return Err(self.wrong_type(name, "a list")),
        };
        let path = self.path_of(name);
        list.iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::Object(map) => Ok(Members {
                    map,
                    path: format!("{path}[{i}]"),
                }),
                _ => Err(invalid(&format!("{path}[{i}]"), "must be a structure")),
            })
            .collect::<Result<_>>()
            .map(Some)
    }

    /// Optional map of string to string (`tags`).
    pub fn opt_string_map(&self, name: &str) -> Result<Option<BTreeMap<String, String>>> {
        let Some(m) = self.opt_object(name)? else {
            return Ok(None);
        };
        m.map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(invalid(&m.path_of(k), "must be a string")),
            })
            .collect::<Result<_>>()
            .map(Some)
    }

    /// Optional enum member: one of `values` (its wire spellings); any other
    /// string is refused with the list of allowed values.
    pub fn opt_enum(&self, name: &str, values: &[&'static str]) -> Result<Option<&'static str>> {
        let Some(s) = self.opt_str(name)? else {
            return Ok(None);
        };
        check_enum(&self.path_of(name), s, values).map(Some)
    }
}

/// `s` as one of `values`; a 422 naming `path` and the allowed values otherwise.
pub fn check_enum(path: &str, s: &str, values: &[&'static str]) -> Result<&'static str> {
    values.iter().find(|v| **v == s).copied().ok_or_else(|| {
        invalid(
            path,
            format_args!("{s:?} is not one of {}", values.join(", ")),
        )
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn body(s: &str) -> Value {
        parse_body(s.as_bytes()).unwrap()
    }

    #[test]
    fn bodies_that_are_not_json_objects_are_unprocessable() {
        for b in ["{", "[]", "3", "\"x\"", "null"] {
            let e = parse_body(b.as_bytes()).unwrap_err();
            assert_eq!(
                (e.status, e.code),
                (422, "UnprocessableEntityException"),
                "{b}"
            );
        }
        assert!(body(" ").as_object().unwrap().is_empty());
    }

    #[test]
    fn wrong_types_and_ranges_name_the_member() {
        let v = body(r#"{"id": 3, "p": {"n": 70, "b": "yes", "t": {"a": 1}, "l": [1]}}"#);
        let m = Members::top(&v);
        assert!(m.str("id").unwrap_err().message.starts_with("id: "));
        assert!(
            m.str("absent")
                .unwrap_err()
                .message
                .contains("absent: is required")
        );
        let p = m.opt_object("p").unwrap().unwrap();
        let e = p.opt_int("n", 1, 30).unwrap_err();
        assert_eq!(e.message, "p.n: 70 is not between 1 and 30");
        assert!(p.opt_bool("b").unwrap_err().message.starts_with("p.b: "));
        assert!(p.opt_string_map("t").unwrap_err().message.contains("p.t.a"));
        assert!(p.opt_strings("l").unwrap_err().message.contains("p.l[0]"));
        assert!(
            m.opt_object("id")
                .unwrap_err()
                .message
                .contains("structure")
        );
    }

    #[test]
    fn unknown_enum_values_list_the_allowed_ones() {
        let v = body(r#"{"origination": "MAYBE", "o": "DENY"}"#);
        let m = Members::top(&v);
        let e = m.opt_enum("origination", &["ALLOW", "DENY"]).unwrap_err();
        assert!(e.message.contains("ALLOW, DENY"), "{}", e.message);
        assert_eq!(m.opt_enum("o", &["ALLOW", "DENY"]).unwrap(), Some("DENY"));
    }

    #[test]
    fn refused_members_are_named() {
        let v = body(r#"{"hlsPackage": {"encryption": {}}}"#);
        let p = Members::top(&v).opt_object("hlsPackage").unwrap().unwrap();
        let e = p.refuse(&["encryption"], "encryption").unwrap_err();
        assert_eq!(
            e.message,
            "hlsPackage.encryption: is not supported yet: encryption"
        );
        assert_eq!(e.status, 422);
    }
}
