//! Reading an awsJson1_1 request body: a JSON object whose keys are the
//! operation's PascalCase member names.
//!
//! A body that is not a JSON object is a `SerializationException`; a missing
//! required member or one of the wrong JSON type is a `ValidationException`
//! naming the member by its path (`CorsPolicy[0].AllowedOrigins`), in the
//! wording AWS services use. `null` counts as absent, as AWS SDKs never send
//! it and treat it so. Members an operation does not know are ignored, as
//! AWS does, so newer clients keep working.

use serde_json::{Map, Value};
use tributary_mediastore::ApiError;

/// A `ValidationException` for the member at `path`.
pub fn invalid(path: &str, constraint: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value at '{path}' failed to satisfy constraint: {constraint}"
    ))
}

/// The members of one JSON object (the request body or a nested structure),
/// with the path used to name them in errors.
#[derive(Debug, Clone)]
pub struct Members<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

/// An empty body reads as `{}` so that `curl -d ''` works for operations
/// without required members, as botocore sends `{}` for them.
static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

/// Parse a request body into its top-level members.
pub fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::serialization(format!("The request body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::serialization(
            "The request body must be a JSON object of the operation's members",
        ));
    }
    Ok(value)
}

impl<'a> Members<'a> {
    /// The members of `value` (the top level of a body from [`parse_body`]);
    /// a non-object reads as having no members.
    pub fn top(value: &'a Value) -> Self {
        Self {
            map: value.as_object().unwrap_or(&EMPTY),
            path: String::new(),
        }
    }

    /// Error path of member `name` of this object.
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

    fn missing(&self, name: &str) -> ApiError {
        invalid(&self.path_of(name), "Member must not be null")
    }

    fn wrong_type(&self, name: &str, what: &str) -> ApiError {
        invalid(&self.path_of(name), format_args!("Member must be {what}"))
    }

    /// Optional string member.
    pub fn opt_str(&self, name: &str) -> Result<Option<&'a str>, ApiError> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.wrong_type(name, "a string")),
        }
    }

    /// Required string member.
    pub fn str(&self, name: &str) -> Result<&'a str, ApiError> {
        self.opt_str(name)?.ok_or_else(|| self.missing(name))
    }

    /// Optional integer member (a JSON number without fraction).
    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.member(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.wrong_type(name, "an integer")),
        }
    }

    /// Optional list member.
    pub fn opt_list(&self, name: &str) -> Result<Option<&'a [Value]>, ApiError> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(self.wrong_type(name, "a list")),
        }
    }

    /// Required list member.
    pub fn list(&self, name: &str) -> Result<&'a [Value], ApiError> {
        self.opt_list(name)?.ok_or_else(|| self.missing(name))
    }

    /// Optional structure member.
    pub fn opt_object(&self, name: &str) -> Result<Option<Members<'a>>, ApiError> {
        match self.member(name) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Members {
                map,
                path: self.path_of(name),
            })),
            Some(_) => Err(self.wrong_type(name, "a structure")),
        }
    }

    /// Required structure member.
    pub fn object(&self, name: &str) -> Result<Members<'a>, ApiError> {
        self.opt_object(name)?.ok_or_else(|| self.missing(name))
    }
}

/// The members of list element `value`, which must be a structure; `path`
/// (`CorsPolicy[3]`) names it in errors.
pub fn element(value: &Value, path: String) -> Result<Members<'_>, ApiError> {
    match value {
        Value::Object(map) => Ok(Members { map, path }),
        _ => Err(invalid(&path, "Member must be a structure")),
    }
}

/// List element `value` as a string; `path` names it in errors.
pub fn element_str<'a>(value: &'a Value, path: &str) -> Result<&'a str, ApiError> {
    match value {
        Value::String(s) => Ok(s),
        Value::Null => Err(invalid(path, "Member must not be null")),
        _ => Err(invalid(path, "Member must be a string")),
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
    fn an_empty_body_reads_as_no_members() {
        let v = body("  \n");
        assert_eq!(Members::top(&v).opt_str("ContainerName").unwrap(), None);
    }

    #[test]
    fn a_body_that_is_not_json_is_a_serialization_error() {
        let e = parse_body(b"{not json").unwrap_err();
        assert_eq!(e.code, "SerializationException");
        assert_eq!(e.status, 400);
    }

    #[test]
    fn a_json_body_that_is_not_an_object_is_a_serialization_error() {
        for b in ["[]", "\"x\"", "3", "null"] {
            assert_eq!(
                parse_body(b.as_bytes()).unwrap_err().code,
                "SerializationException",
                "{b}"
            );
        }
    }

    #[test]
    fn a_missing_member_is_named_in_the_validation_error() {
        let v = body("{}");
        let e = Members::top(&v).str("ContainerName").unwrap_err();
        assert_eq!(e.code, "ValidationException");
        assert!(e.message.contains("'ContainerName'"), "{}", e.message);
        assert!(e.message.contains("must not be null"), "{}", e.message);
    }

    #[test]
    fn null_counts_as_absent() {
        let v = body(r#"{"ContainerName": null}"#);
        assert_eq!(Members::top(&v).opt_str("ContainerName").unwrap(), None);
        assert_eq!(
            Members::top(&v).str("ContainerName").unwrap_err().code,
            "ValidationException"
        );
    }

    #[test]
    fn a_member_of_the_wrong_type_is_named_in_the_validation_error() {
        let v = body(r#"{"ContainerName": 5, "MaxResults": "5", "Tags": {}, "MetricPolicy": []}"#);
        let m = Members::top(&v);
        let e = m.str("ContainerName").unwrap_err();
        assert!(
            e.message.contains("'ContainerName'") && e.message.contains("a string"),
            "{}",
            e.message
        );
        let e = m.opt_int("MaxResults").unwrap_err();
        assert!(
            e.message.contains("'MaxResults'") && e.message.contains("an integer"),
            "{}",
            e.message
        );
        assert!(m.list("Tags").unwrap_err().message.contains("a list"));
        assert!(
            m.object("MetricPolicy")
                .unwrap_err()
                .message
                .contains("a structure")
        );
    }

    #[test]
    fn a_fractional_number_is_not_an_integer() {
        let v = body(r#"{"MaxResults": 2.5}"#);
        assert_eq!(
            Members::top(&v).opt_int("MaxResults").unwrap_err().code,
            "ValidationException"
        );
    }

    #[test]
    fn nested_members_are_named_by_their_full_path() {
        let v = body(r#"{"MetricPolicy": {"MetricPolicyRules": [{"ObjectGroup": 1}]}}"#);
        let mp = Members::top(&v).object("MetricPolicy").unwrap();
        let rules = mp.list("MetricPolicyRules").unwrap();
        let rule = element(&rules[0], format!("{}[0]", mp.path_of("MetricPolicyRules"))).unwrap();
        let e = rule.str("ObjectGroup").unwrap_err();
        assert!(
            e.message
                .contains("'MetricPolicy.MetricPolicyRules[0].ObjectGroup'"),
            "{}",
            e.message
        );
    }

    #[test]
    fn list_elements_of_the_wrong_type_are_named() {
        let v = body(r#"{"K": [1, null]}"#);
        let list = Members::top(&v).list("K").unwrap();
        assert!(
            element_str(&list[0], "K[0]")
                .unwrap_err()
                .message
                .contains("'K[0]'")
        );
        assert!(
            element_str(&list[1], "K[1]")
                .unwrap_err()
                .message
                .contains("must not be null")
        );
        assert!(
            element(&list[0], "K[0]".into())
                .unwrap_err()
                .message
                .contains("a structure")
        );
    }
}
