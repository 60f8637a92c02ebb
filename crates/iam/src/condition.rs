//! The `Condition` block: operators, their values, and how they hold.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::IpAddr;

use serde_json::Value;

use crate::glob;
use crate::{Error, Result};

/// One `operator: { key: values }` pair of a `Condition` block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    /// Lower-cased: condition keys compare without case.
    key: String,
    test: Test,
    /// `Not…` operators: true when no policy value matches.
    negated: bool,
    /// `…IfExists`: true when the key is absent.
    if_exists: bool,
    set: SetQualifier,
}

/// `ForAnyValue:` / `ForAllValues:` over a key the request carries several times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetQualifier {
    /// No prefix: the key's values are taken together, as one.
    Single,
    ForAnyValue,
    ForAllValues,
}

/// What each policy value is compared with, parsed once.
#[derive(Debug, Clone, PartialEq)]
enum Test {
    StringEquals(Vec<String>),
    /// Values lower-cased.
    StringEqualsIgnoreCase(Vec<String>),
    StringLike(Vec<String>),
    Bool(Vec<bool>),
    Ip(Vec<Cidr>),
    Numeric(NumericCmp, Vec<f64>),
    /// `Null`: `true` means "the key must be absent".
    Null(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumericCmp {
    Equals,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

/// An IPv4 or IPv6 network: address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// The operators understood, base names only (`IfExists` and the
/// `ForAnyValue:`/`ForAllValues:` prefixes are peeled off first).
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "Bool",
    "IpAddress",
    "NotIpAddress",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "Null",
];

/// Operators IAM has that this evaluator refuses (rather than calling them unknown).
const KNOWN_UNSUPPORTED: &[&str] = &[
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "BinaryEquals",
    "ArnEquals",
    "ArnNotEquals",
    "ArnLike",
    "ArnNotLike",
];

/// Parses a statement's `Condition` object; `at` is its location for messages.
/// `variables` is whether `${…}` would be a policy variable (Version 2012-10-17).
pub(crate) fn parse_block(value: &Value, at: &str, variables: bool) -> Result<Vec<Condition>> {
    let Value::Object(ops) = value else {
        return Err(malformed(at, "must be an object of operators"));
    };
    let mut out = Vec::new();
    for (op, keys) in ops {
        let op_at = format!("{at}.{op}");
        let (set, base) = match op.split_once(':') {
            Some(("ForAnyValue", rest)) => (SetQualifier::ForAnyValue, rest),
            Some(("ForAllValues", rest)) => (SetQualifier::ForAllValues, rest),
            Some(_) => return Err(malformed(at, &format!("unknown operator {op:?}"))),
            None => (SetQualifier::Single, op.as_str()),
        };
        let (base, if_exists) = match base.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (base, false),
        };
        if KNOWN_UNSUPPORTED.contains(&base) {
            return Err(Error::Unsupported(format!(
                "{at}: condition operator {op:?} is not supported"
            )));
        }
        if !OPERATORS.contains(&base) {
            return Err(malformed(at, &format!("unknown operator {op:?}")));
        }
        if base == "Null" && (if_exists || set != SetQualifier::Single) {
            return Err(malformed(at, &format!("unknown operator {op:?}")));
        }
        let Value::Object(keys) = keys else {
            return Err(malformed(&op_at, "must be an object of condition keys"));
        };
        if keys.is_empty() {
            return Err(malformed(&op_at, "names no condition key"));
        }
        for (key, values) in keys {
            let key_at = format!("{op_at}.{key}");
            if key.is_empty() {
                return Err(malformed(&op_at, "empty condition key"));
            }
            let strings = values_of(values, &key_at)?;
            if variables && strings.iter().any(|s| s.contains("${")) {
                return Err(Error::Unsupported(format!(
                    "{key_at}: policy variables (${{…}}) are not supported"
                )));
            }
            let (test, negated) = parse_test(base, &strings, &key_at)?;
            out.push(Condition {
                key: key.to_lowercase(),
                test,
                negated,
                if_exists,
                set,
            });
        }
    }
    Ok(out)
}

/// A condition value: one scalar or a non-empty list of scalars, as strings.
fn values_of(value: &Value, at: &str) -> Result<Vec<String>> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(malformed(at, "values must be strings, numbers or booleans")),
    };
    match value {
        Value::Array(items) if items.is_empty() => Err(malformed(at, "empty list of values")),
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => Ok(alloc::vec![scalar(other)?]),
    }
}

fn parse_test(base: &str, values: &[String], at: &str) -> Result<(Test, bool)> {
    let strings = || values.to_vec();
    let numeric = |cmp| -> Result<Test> {
        let nums = values
            .iter()
            .map(|v| {
                parse_number(v).ok_or_else(|| malformed(at, &format!("{v:?} is not a number")))
            })
            .collect::<Result<_>>()?;
        Ok(Test::Numeric(cmp, nums))
    };
    let ips = || -> Result<Test> {
        let nets = values
            .iter()
            .map(|v| {
                Cidr::parse(v).ok_or_else(|| {
                    malformed(at, &format!("{v:?} is not an IP address or CIDR block"))
                })
            })
            .collect::<Result<_>>()?;
        Ok(Test::Ip(nets))
    };
    let bools = || -> Result<Vec<bool>> {
        values
            .iter()
            .map(|v| {
                parse_bool(v).ok_or_else(|| malformed(at, &format!("{v:?} is not true or false")))
            })
            .collect()
    };
    Ok(match base {
        "StringEquals" => (Test::StringEquals(strings()), false),
        "StringNotEquals" => (Test::StringEquals(strings()), true),
        "StringEqualsIgnoreCase" => (Test::StringEqualsIgnoreCase(lowered(values)), false),
        "StringNotEqualsIgnoreCase" => (Test::StringEqualsIgnoreCase(lowered(values)), true),
        "StringLike" => (Test::StringLike(strings()), false),
        "StringNotLike" => (Test::StringLike(strings()), true),
        "Bool" => (Test::Bool(bools()?), false),
        "IpAddress" => (ips()?, false),
        "NotIpAddress" => (ips()?, true),
        "NumericEquals" => (numeric(NumericCmp::Equals)?, false),
        "NumericNotEquals" => (numeric(NumericCmp::Equals)?, true),
        "NumericLessThan" => (numeric(NumericCmp::LessThan)?, false),
        "NumericLessThanEquals" => (numeric(NumericCmp::LessThanEquals)?, false),
        "NumericGreaterThan" => (numeric(NumericCmp::GreaterThan)?, false),
        "NumericGreaterThanEquals" => (numeric(NumericCmp::GreaterThanEquals)?, false),
        "Null" => match bools()?.as_slice() {
            [want_absent] => (Test::Null(*want_absent), false),
            _ => return Err(malformed(at, "Null takes exactly one of true or false")),
        },
        other => return Err(malformed(at, &format!("unknown operator {other:?}"))),
    })
}

impl Condition {
    /// Whether the condition holds for the request's condition keys.
    ///
    /// A key the request lacks makes a positive operator false and a negated
    /// one (`StringNotEquals`, `NotIpAddress`, …) true, as IAM documents
    /// ("If the key that you specify in a policy condition is not present in
    /// the request context, the values do not match"); `…IfExists` makes
    /// either true; `ForAllValues:` is true and `ForAnyValue:` false.
    pub(crate) fn holds(&self, keys: &[(String, String)]) -> bool {
        let values: Vec<&str> = keys
            .iter()
            .filter(|(k, _)| k.to_lowercase() == self.key)
            .map(|(_, v)| v.as_str())
            .collect();
        if let Test::Null(want_absent) = self.test {
            return values.is_empty() == want_absent;
        }
        if values.is_empty() {
            return self.if_exists
                || match self.set {
                    SetQualifier::Single => self.negated,
                    SetQualifier::ForAnyValue => false,
                    SetQualifier::ForAllValues => true,
                };
        }
        let one = |v: &&str| self.test.matches(v) != self.negated;
        match self.set {
            SetQualifier::Single => values.iter().any(|v| self.test.matches(v)) != self.negated,
            SetQualifier::ForAnyValue => values.iter().any(one),
            SetQualifier::ForAllValues => values.iter().all(one),
        }
    }
}

impl Test {
    /// Whether any policy value matches the request value `v`.
    fn matches(&self, v: &str) -> bool {
        match self {
            Test::StringEquals(want) => want.iter().any(|w| w == v),
            Test::StringEqualsIgnoreCase(want) => {
                let v = v.to_lowercase();
                want.contains(&v)
            }
            Test::StringLike(patterns) => patterns.iter().any(|p| glob::matches(p, v)),
            Test::Bool(want) => parse_bool(v).is_some_and(|b| want.contains(&b)),
            Test::Ip(nets) => v
                .parse::<IpAddr>()
                .is_ok_and(|ip| nets.iter().any(|n| n.contains(ip))),
            Test::Numeric(cmp, want) => parse_number(v).is_some_and(|x| {
                want.iter().any(|w| match cmp {
                    NumericCmp::Equals => x == *w,
                    NumericCmp::LessThan => x < *w,
                    NumericCmp::LessThanEquals => x <= *w,
                    NumericCmp::GreaterThan => x > *w,
                    NumericCmp::GreaterThanEquals => x >= *w,
                })
            }),
            Test::Null(_) => false,
        }
    }
}

impl Cidr {
    /// `192.0.2.0/24`, `2001:db8::/32`, or a bare address (one host).
    fn parse(s: &str) -> Option<Self> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok()?
            }
            Some(_) => return None,
            None => max,
        };
        (prefix <= max).then_some(Self { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// `true`/`false` in any case, as IAM's `Bool` compares them.
fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A finite decimal number (`10`, `-2.5`); not `inf`, `NaN` or hex.
fn parse_number(s: &str) -> Option<f64> {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
    s.parse::<f64>().ok().filter(|n| plain && n.is_finite())
}

fn lowered(values: &[String]) -> Vec<String> {
    values.iter().map(|v| v.to_lowercase()).collect()
}

fn malformed(at: &str, what: &str) -> Error {
    Error::Malformed(format!("{at}: {what}"))
}

/// Parses a `Condition` object from JSON text (tests build conditions this way).
#[cfg(test)]
pub(crate) fn parse_json(json: &str) -> Result<Vec<Condition>> {
    let v: Value = serde_json::from_str(json).map_err(|e| Error::Malformed(e.to_string()))?;
    parse_block(&v, "Condition", true)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn holds(cond: &str, keys: &[(&str, &str)]) -> bool {
        let keys: Vec<(String, String)> = keys
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        parse_json(cond).unwrap().iter().all(|c| c.holds(&keys))
    }

    #[test]
    fn string_equals_ors_values_and_keys_are_case_insensitive() {
        let c = r#"{"StringEquals": {"aws:UserAgent": ["a", "b"]}}"#;
        assert!(holds(c, &[("AWS:useragent", "b")]));
        assert!(!holds(c, &[("aws:UserAgent", "B")]));
        assert!(!holds(c, &[]));
    }

    #[test]
    fn negated_operators_hold_when_the_key_is_absent() {
        assert!(holds(r#"{"StringNotEquals": {"aws:Referer": "x"}}"#, &[]));
        assert!(holds(
            r#"{"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#,
            &[]
        ));
        assert!(!holds(
            r#"{"StringNotEquals": {"aws:Referer": "x"}}"#,
            &[("aws:Referer", "x")]
        ));
    }

    #[test]
    fn if_exists_holds_when_the_key_is_absent() {
        assert!(holds(
            r#"{"StringEqualsIfExists": {"aws:Referer": "x"}}"#,
            &[]
        ));
        assert!(!holds(
            r#"{"StringEqualsIfExists": {"aws:Referer": "x"}}"#,
            &[("aws:referer", "y")]
        ));
    }

    #[test]
    fn keys_and_operators_are_anded() {
        let c = r#"{"StringLike": {"aws:Referer": "https://*.example.com/*"}, "Bool": {"aws:SecureTransport": true}}"#;
        assert!(holds(
            c,
            &[
                ("aws:Referer", "https://www.example.com/p"),
                ("aws:SecureTransport", "true")
            ]
        ));
        assert!(!holds(
            c,
            &[
                ("aws:Referer", "https://www.example.com/p"),
                ("aws:SecureTransport", "false")
            ]
        ));
        assert!(!holds(c, &[("aws:SecureTransport", "true")]));
    }

    #[test]
    fn ignore_case_compares_without_case() {
        assert!(holds(
            r#"{"StringEqualsIgnoreCase": {"k": "ABC"}}"#,
            &[("k", "abc")]
        ));
        assert!(!holds(
            r#"{"StringNotEqualsIgnoreCase": {"k": "ABC"}}"#,
            &[("k", "abc")]
        ));
    }

    #[test]
    fn ip_address_matches_v4_and_v6_networks() {
        let c =
            r#"{"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7"]}}"#;
        assert!(holds(c, &[("aws:SourceIp", "192.0.2.200")]));
        assert!(holds(c, &[("aws:SourceIp", "2001:db8:1::5")]));
        assert!(holds(c, &[("aws:SourceIp", "198.51.100.7")]));
        assert!(!holds(c, &[("aws:SourceIp", "198.51.100.8")]));
        assert!(!holds(c, &[("aws:SourceIp", "192.0.3.1")]));
        assert!(!holds(c, &[("aws:SourceIp", "not an ip")]));
        assert!(holds(
            r#"{"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}"#,
            &[("aws:SourceIp", "203.0.113.1")]
        ));
        assert!(holds(
            r#"{"IpAddress": {"aws:SourceIp": "::/0"}}"#,
            &[("aws:SourceIp", "::1")]
        ));
    }

    #[test]
    fn numeric_operators_compare_numbers() {
        assert!(holds(r#"{"NumericLessThan": {"n": 10}}"#, &[("n", "9.5")]));
        assert!(!holds(
            r#"{"NumericLessThan": {"n": "10"}}"#,
            &[("n", "10")]
        ));
        assert!(holds(
            r#"{"NumericLessThanEquals": {"n": "10"}}"#,
            &[("n", "10")]
        ));
        assert!(holds(
            r#"{"NumericGreaterThanEquals": {"n": "10"}}"#,
            &[("n", "10.0")]
        ));
        assert!(holds(
            r#"{"NumericNotEquals": {"n": "10"}}"#,
            &[("n", "11")]
        ));
        assert!(!holds(
            r#"{"NumericGreaterThan": {"n": "10"}}"#,
            &[("n", "eleven")]
        ));
    }

    #[test]
    fn null_checks_presence() {
        assert!(holds(r#"{"Null": {"aws:Referer": "true"}}"#, &[]));
        assert!(!holds(
            r#"{"Null": {"aws:Referer": true}}"#,
            &[("aws:Referer", "x")]
        ));
        assert!(holds(
            r#"{"Null": {"aws:Referer": "false"}}"#,
            &[("aws:Referer", "x")]
        ));
    }

    #[test]
    fn set_qualifiers_range_over_repeated_keys() {
        let keys = [("tag", "a"), ("tag", "z")];
        assert!(holds(
            r#"{"ForAnyValue:StringEquals": {"tag": ["a", "b"]}}"#,
            &keys
        ));
        assert!(!holds(
            r#"{"ForAllValues:StringEquals": {"tag": ["a", "b"]}}"#,
            &keys
        ));
        assert!(holds(
            r#"{"ForAllValues:StringEquals": {"tag": ["a", "z"]}}"#,
            &keys
        ));
        assert!(holds(r#"{"ForAllValues:StringEquals": {"tag": "a"}}"#, &[]));
        assert!(!holds(r#"{"ForAnyValue:StringEquals": {"tag": "a"}}"#, &[]));
    }

    #[test]
    fn bad_operators_and_values_are_refused_with_their_place() {
        let err = |c: &str| parse_json(c).unwrap_err();
        assert_eq!(
            err(r#"{"Foo": {"k": "v"}}"#),
            Error::Malformed("Condition: unknown operator \"Foo\"".into())
        );
        assert!(matches!(
            err(r#"{"DateLessThan": {"aws:CurrentTime": "2020-01-01"}}"#),
            Error::Unsupported(_)
        ));
        assert!(matches!(
            err(r#"{"Some:StringEquals": {"k": "v"}}"#),
            Error::Malformed(_)
        ));
        assert!(matches!(
            err(r#"{"IpAddress": {"k": "10.0.0.0/33"}}"#),
            Error::Malformed(_)
        ));
        assert!(matches!(
            err(r#"{"IpAddress": {"k": "10.0.0/8"}}"#),
            Error::Malformed(_)
        ));
        assert!(matches!(
            err(r#"{"NumericEquals": {"k": "inf"}}"#),
            Error::Malformed(_)
        ));
        assert!(matches!(
            err(r#"{"Bool": {"k": "yes"}}"#),
            Error::Malformed(_)
        ));
        assert!(matches!(
            err(r#"{"StringEquals": {"k": []}}"#),
            Error::Malformed(_)
        ));
        assert!(matches!(
            err(r#"{"StringEquals": {"k": {"a": 1}}}"#),
            Error::Malformed(_)
        ));
        assert!(matches!(
            err(r#"{"StringEquals": {}}"#),
            Error::Malformed(_)
        ));
        assert!(matches!(
            err(r#"{"StringEquals": "k"}"#),
            Error::Malformed(_)
        ));
        assert!(matches!(err(r#"["StringEquals"]"#), Error::Malformed(_)));
        assert!(matches!(
            err(r#"{"NullIfExists": {"k": "true"}}"#),
            Error::Malformed(_)
        ));
        assert!(matches!(
            err(r#"{"StringEquals": {"k": "${aws:username}"}}"#),
            Error::Unsupported(_)
        ));
    }
}
