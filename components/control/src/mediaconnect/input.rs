//! Reading a rest-json request body: a JSON object whose keys are the
//! members' camelCase wire names.
//!
//! Malformed JSON, a member of the wrong JSON type, a missing required member
//! and an enum value outside the model are all 400 `BadRequestException`s
//! whose message names the member by its path (`sources[0].ingestPort`).
//! `null` counts as absent. Members an operation does not know are ignored,
//! as AWS does, so newer clients keep working; members the model knows but
//! Tributary does not run are refused by [`Members::refuse`].

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::{Error, Result};

/// A 400 naming the member at `path`.
pub fn invalid(path: &str, problem: impl std::fmt::Display) -> Error {
    Error::bad_request(format!("{path}: {problem}"))
}

/// Parse a request body; an empty body reads as `{}`.
pub fn parse_body(body: &[u8]) -> Result<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Error::bad_request(format!("The request body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(Error::bad_request(
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

    /// The members of list element `value` (a structure); `path` names it.
    pub fn element(value: &'a Value, path: String) -> Result<Self> {
        match value {
            Value::Object(map) => Ok(Self { map, path }),
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

    fn missing(&self, name: &str) -> Error {
        invalid(&self.path_of(name), "is required")
    }

    fn wrong_type(&self, name: &str, what: &str) -> Error {
        invalid(&self.path_of(name), format_args!("must be {what}"))
    }

    /// Refuse any of `names` that is present: they belong to `feature`, which
    /// Tributary does not run.
    pub fn refuse(&self, names: &[&str], feature: &str) -> Result<()> {
        match names.iter().find(|n| self.has(n)) {
            Some(name) => Err(invalid(
                &self.path_of(name),
                format_args!("is not supported: {feature}"),
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
        self.opt_str(name)?.ok_or_else(|| self.missing(name))
    }

    /// Optional integer within `min..=max`.
    pub fn opt_int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>> {
        match self.member(name) {
            None => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
                Some(_) => Err(invalid(
                    &self.path_of(name),
                    format_args!("must be between {min} and {max}"),
                )),
                None => Err(self.wrong_type(name, "an integer")),
            },
        }
    }

    /// Optional list.
    pub fn opt_list(&self, name: &str) -> Result<Option<&'a [Value]>> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(self.wrong_type(name, "a list")),
        }
    }

    /// Required list.
    pub fn list(&self, name: &str) -> Result<&'a [Value]> {
        self.opt_list(name)?.ok_or_else(|| self.missing(name))
    }

    /// Optional list of strings.
    pub fn opt_strings(&self, name: &str) -> Result<Option<Vec<&'a str>>> {
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

    /// Optional map of string to string (`flowTags`).
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

    /// Optional enum member: one of `values` (wire spelling → value); any
    /// other string is refused with the list of allowed values.
    pub fn opt_enum<T: Copy>(&self, name: &str, values: &[(&str, T)]) -> Result<Option<T>> {
        let Some(s) = self.opt_str(name)? else {
            return Ok(None);
        };
        match values.iter().find(|(wire, _)| *wire == s) {
            Some((_, v)) => Ok(Some(*v)),
            None => {
                let allowed: Vec<&str> = values.iter().map(|(w, _)| *w).collect();
                Err(invalid(
                    &self.path_of(name),
                    format_args!("{s:?} is not one of {}", allowed.join(", ")),
                ))
            }
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn body(s: &str) -> Value {
        parse_body(s.as_bytes()).unwrap()
    }

    #[test]
    fn bodies_that_are_not_json_objects_are_bad_requests() {
        for b in ["{", "[]", "3", "\"x\"", "null"] {
            let e = parse_body(b.as_bytes()).unwrap_err();
            assert_eq!((e.status, e.code), (400, "BadRequestException"), "{b}");
        }
        assert!(body(" ").as_object().unwrap().is_empty());
    }

    #[test]
    fn wrong_types_name_the_member() {
        let v = body(r#"{"name": 3, "port": "x", "tags": {"a": 1}, "list": {}}"#);
        let m = Members::top(&v);
        assert!(m.str("name").unwrap_err().message.starts_with("name: "));
        assert!(
            m.opt_int("port", 0, 9)
                .unwrap_err()
                .message
                .contains("port")
        );
        assert!(
            m.opt_string_map("tags")
                .unwrap_err()
                .message
                .contains("tags.a")
        );
        assert!(m.opt_list("list").unwrap_err().message.contains("list"));
        assert!(
            m.str("absent")
                .unwrap_err()
                .message
                .contains("absent: is required")
        );
    }

    #[test]
    fn integers_are_range_checked() {
        let v = body(r#"{"p": 70000, "q": 1.5, "r": 5}"#);
        let m = Members::top(&v);
        assert!(
            m.opt_int("p", 0, 65535)
                .unwrap_err()
                .message
                .contains("between")
        );
        assert!(
            m.opt_int("q", 0, 9)
                .unwrap_err()
                .message
                .contains("integer")
        );
        assert_eq!(m.opt_int("r", 0, 9).unwrap(), Some(5));
    }

    #[test]
    fn unknown_enum_values_list_the_allowed_ones() {
        let v = body(r#"{"state": "ON"}"#);
        let e = Members::top(&v)
            .opt_enum("state", &[("ENABLED", true), ("DISABLED", false)])
            .unwrap_err();
        assert!(e.message.contains("ENABLED, DISABLED"), "{}", e.message);
    }

    #[test]
    fn refused_members_are_named() {
        let v = body(r#"{"s": [{"decryption": {}}]}"#);
        let list = Members::top(&v).list("s").unwrap();
        let el = Members::element(&list[0], "s[0]".into()).unwrap();
        let e = el
            .refuse(&["vpcInterfaceName", "decryption"], "encryption")
            .unwrap_err();
        assert_eq!(e.message, "s[0].decryption: is not supported: encryption");
    }
}
