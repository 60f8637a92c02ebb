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

use serde_json::Value;

use super::error::{Error, MediaPackage, Result};
use crate::rest::input as rest;

/// A 422 naming the member at `path`.
pub fn invalid(path: &str, problem: impl std::fmt::Display) -> Error {
    rest::invalid(path, problem)
}

/// Parse a request body; an empty body reads as `{}`.
pub fn parse_body(body: &[u8]) -> Result<Value> {
    rest::parse_body(body)
}

/// The members of one JSON object, with the path that names them in errors.
pub type Members<'a> = rest::Members<'a, MediaPackage>;

impl Members<'_> {
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
    rest::check_enum(path, s, values)
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
