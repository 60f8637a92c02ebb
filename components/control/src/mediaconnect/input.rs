//! Reading a rest-json request body: a JSON object whose keys are the
//! members' camelCase wire names.
//!
//! Malformed JSON, a member of the wrong JSON type, a missing required member
//! and an enum value outside the model are all 400 `BadRequestException`s
//! whose message names the member by its path (`sources[0].ingestPort`).
//! `null` counts as absent. Members an operation does not know are ignored,
//! as AWS does, so newer clients keep working; members the model knows but
//! Tributary does not run are refused by [`Members::refuse`].

use serde_json::Value;

use super::error::{Error, MediaConnect, Result};
use crate::rest::input as rest;

/// A 400 naming the member at `path`.
pub fn invalid(path: &str, problem: impl std::fmt::Display) -> Error {
    rest::invalid(path, problem)
}

/// Parse a request body; an empty body reads as `{}`.
pub fn parse_body(body: &[u8]) -> Result<Value> {
    rest::parse_body(body)
}

/// The members of one JSON object, with the path that names them in errors.
pub type Members<'a> = rest::Members<'a, MediaConnect>;

impl Members<'_> {
    /// Optional enum member: one of `values` (wire spelling → value); any
    /// other string is refused with the list of allowed values.
    pub fn opt_enum<T: Copy>(&self, name: &str, values: &[(&str, T)]) -> Result<Option<T>> {
        let Some(s) = self.opt_str(name)? else {
            return Ok(None);
        };
        let wire: Vec<&str> = values.iter().map(|(w, _)| *w).collect();
        let found = rest::check_enum(&self.path_of(name), s, &wire)?;
        Ok(values.iter().find(|(w, _)| *w == found).map(|(_, v)| *v))
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
