//! The policy document: JSON in, a checked [`Policy`] out.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use crate::condition::{self, Condition};
use crate::{Error, MAX_DOCUMENT_BYTES, Result};

/// A parsed, checked policy document, ready to [`evaluate`](Policy::evaluate).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub(crate) statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    pub effect: Effect,
    pub principals: Vec<Principal>,
    pub action: Patterns,
    pub resource: Patterns,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

/// One entry of `Principal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous included.
    Anyone,
    /// `"111122223333"` or `arn:aws:iam::111122223333:root`: every principal of the account.
    Account(String),
    /// A principal ARN, compared exactly.
    Arn(String),
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: wildcard patterns, and
/// whether the statement applies to what they match or to everything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Patterns {
    pub not: bool,
    /// Lower-cased for actions (compared without case).
    pub patterns: Vec<String>,
}

impl Policy {
    /// Parses and checks `document`: at most [`MAX_DOCUMENT_BYTES`], JSON,
    /// `Version` `2012-10-17` or `2008-10-17` (absent means `2008-10-17`, as
    /// IAM reads it), `Statement` an object or a non-empty array of them, no
    /// unknown keys anywhere.
    pub fn parse(document: &str) -> Result<Self> {
        if document.len() > MAX_DOCUMENT_BYTES {
            return Err(Error::Malformed(format!(
                "the document is {} bytes; at most {MAX_DOCUMENT_BYTES} are allowed",
                document.len()
            )));
        }
        let value: Value = serde_json::from_str(document)
            .map_err(|e| Error::Malformed(format!("not JSON: {e}")))?;
        let Value::Object(top) = value else {
            return Err(Error::Malformed(
                "the document must be a JSON object".into(),
            ));
        };
        check_keys(&top, &["Version", "Id", "Statement"], "policy")?;
        let variables = match top.get("Version") {
            None => false,
            Some(Value::String(v)) if v == "2012-10-17" => true,
            Some(Value::String(v)) if v == "2008-10-17" => false,
            Some(other) => {
                return Err(Error::Malformed(format!(
                    "Version: {other} is not \"2012-10-17\" or \"2008-10-17\""
                )));
            }
        };
        if top.get("Id").is_some_and(|id| !id.is_string()) {
            return Err(Error::Malformed("Id: must be a string".into()));
        }
        let statements = match top.get("Statement") {
            None => return Err(Error::Malformed("Statement is required".into())),
            Some(Value::Array(list)) if list.is_empty() => {
                return Err(Error::Malformed("Statement: empty list".into()));
            }
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(i, s)| parse_statement(s, &format!("Statement[{i}]"), variables))
                .collect::<Result<_>>()?,
            Some(one) => alloc::vec![parse_statement(one, "Statement", variables)?],
        };
        Ok(Self { statements })
    }
}

fn parse_statement(value: &Value, at: &str, variables: bool) -> Result<Statement> {
    let Value::Object(s) = value else {
        return Err(malformed(at, "must be an object"));
    };
    check_keys(
        s,
        &[
            "Sid",
            "Effect",
            "Principal",
            "NotPrincipal",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
        ],
        at,
    )?;
    if s.get("Sid").is_some_and(|sid| !sid.is_string()) {
        return Err(malformed(&format!("{at}.Sid"), "must be a string"));
    }
    let effect = match s.get("Effect") {
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        Some(other) => {
            return Err(malformed(
                &format!("{at}.Effect"),
                &format!("{other} is not \"Allow\" or \"Deny\""),
            ));
        }
        None => return Err(malformed(at, "Effect is required")),
    };
    if s.contains_key("NotPrincipal") {
        return Err(Error::Unsupported(format!(
            "{at}: NotPrincipal is not supported"
        )));
    }
    let principals = match s.get("Principal") {
        Some(p) => parse_principal(p, &format!("{at}.Principal"))?,
        None => return Err(malformed(at, "Principal is required in a resource policy")),
    };
    let action = either(s, "Action", "NotAction", at, |p, where_| {
        if p != "*" && !p.contains(':') {
            return Err(malformed(where_, &format!("{p:?} is not service:action")));
        }
        Ok(p.to_lowercase())
    })?;
    let resource = either(s, "Resource", "NotResource", at, |p, where_| {
        if p != "*" && !p.starts_with("arn:") {
            return Err(malformed(where_, &format!("{p:?} is not an ARN")));
        }
        if variables && p.contains("${") {
            return Err(Error::Unsupported(format!(
                "{where_}: policy variables (${{…}}) are not supported"
            )));
        }
        Ok(p.to_owned())
    })?;
    let conditions = match s.get("Condition") {
        Some(c) => condition::parse_block(c, &format!("{at}.Condition"), variables)?,
        None => Vec::new(),
    };
    Ok(Statement {
        effect,
        principals,
        action,
        resource,
        conditions,
    })
}

/// `"*"`, `{"AWS": "*"}`, `{"AWS": "<arn or account id>" | [..]}`.
fn parse_principal(value: &Value, at: &str) -> Result<Vec<Principal>> {
    match value {
        Value::String(s) if s == "*" => Ok(alloc::vec![Principal::Anyone]),
        Value::Object(map) => {
            if map.is_empty() {
                return Err(malformed(at, "names no principal"));
            }
            let mut out = Vec::new();
            for (kind, ids) in map {
                if kind != "AWS" {
                    return Err(Error::Unsupported(format!(
                        "{at}.{kind}: only AWS principals are supported"
                    )));
                }
                for id in strings(ids, &format!("{at}.AWS"))? {
                    out.push(aws_principal(&id, &format!("{at}.AWS"))?);
                }
            }
            Ok(out)
        }
        _ => Err(malformed(
            at,
            "must be \"*\" or an object such as {\"AWS\": …}",
        )),
    }
}

fn aws_principal(id: &str, at: &str) -> Result<Principal> {
    if id == "*" {
        return Ok(Principal::Anyone);
    }
    if is_account_id(id) {
        return Ok(Principal::Account(id.to_owned()));
    }
    let parts: Vec<&str> = id.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource]
            if !partition.is_empty() && is_account_id(account) && !resource.is_empty() =>
        {
            if id.contains(['*', '?']) {
                return Err(malformed(
                    at,
                    &format!("{id:?}: wildcards are not allowed in principal ARNs"),
                ));
            }
            if *resource == "root" {
                Ok(Principal::Account((*account).to_owned()))
            } else {
                Ok(Principal::Arn(id.to_owned()))
            }
        }
        _ => Err(malformed(
            at,
            &format!("{id:?} is not \"*\", an account id or an IAM ARN"),
        )),
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Exactly one of `key` and `not_key`, each a string or non-empty list of
/// strings, each checked by `check`.
fn either(
    s: &Map<String, Value>,
    key: &str,
    not_key: &str,
    at: &str,
    check: impl Fn(&str, &str) -> Result<String>,
) -> Result<Patterns> {
    let (not, k, v) = match (s.get(key), s.get(not_key)) {
        (Some(v), None) => (false, key, v),
        (None, Some(v)) => (true, not_key, v),
        (Some(_), Some(_)) => return Err(malformed(at, &format!("has both {key} and {not_key}"))),
        (None, None) => return Err(malformed(at, &format!("{key} or {not_key} is required"))),
    };
    let where_ = format!("{at}.{k}");
    let patterns = strings(v, &where_)?
        .iter()
        .map(|p| check(p, &where_))
        .collect::<Result<_>>()?;
    Ok(Patterns { not, patterns })
}

/// A string or a non-empty list of strings.
fn strings(v: &Value, at: &str) -> Result<Vec<String>> {
    match v {
        Value::String(s) => Ok(alloc::vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                _ => Err(malformed(at, "must hold only strings")),
            })
            .collect(),
        Value::Array(_) => Err(malformed(at, "empty list")),
        _ => Err(malformed(at, "must be a string or a list of strings")),
    }
}

fn check_keys(map: &Map<String, Value>, allowed: &[&str], at: &str) -> Result<()> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(malformed(at, &format!("unknown key {k:?}"))),
        None => Ok(()),
    }
}

fn malformed(at: &str, what: &str) -> Error {
    Error::Malformed(format!("{at}: {what}"))
}
