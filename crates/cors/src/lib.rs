//! MediaStore CORS: which response headers a cross-origin request gets.
//!
//! A container's CORS policy is a list of [`Rule`]s; the **first** rule that
//! matches the request's origin and method (and, for a preflight, every
//! requested header) decides the answer, as MediaStore documents. Pure
//! functions: the caller passes the rules and request values in and adds
//! the returned headers to its response.
//!
//! Matching:
//! - origins: exactly, or with one `*` standing for any run of characters
//!   (`http://*.example.com`, `*`); case-sensitive, since browsers send the
//!   origin serialized in lower case;
//! - methods: exactly, from `GET`, `HEAD`, `PUT`, `DELETE`. A rule whose
//!   `AllowedMethods` is empty (omitted) allows `GET` and `HEAD` only: the
//!   read-only set MediaStore's console proposes as its default policy, and
//!   the safe reading of "unspecified";
//! - request headers: each must match some `AllowedHeaders` entry, without
//!   case, with one `*` wildcard.
//!
//! `Vary`: both answers carry `Vary: Origin` when a rule matched. When none
//! matches, nothing is returned ([`preflight`] gives `None`, [`simple`] an
//! empty list); a caller serving a container that *has* a CORS policy should
//! still add `Vary: Origin` (see [`VARY_WHEN_UNMATCHED`]), because a cache must
//! not hand a response without CORS headers to a different, allowed origin.
//!
//! ```
//! use tributary_cors::{Rule, preflight, simple};
//!
//! let rules = vec![Rule {
//!     allowed_origins: vec!["https://*.example.com".into()],
//!     allowed_methods: vec!["GET".into(), "HEAD".into()],
//!     allowed_headers: vec!["range".into(), "x-amz-*".into()],
//!     max_age_seconds: Some(3000),
//!     expose_headers: vec!["ETag".into()],
//! }];
//! let answer = preflight(&rules, "https://player.example.com", "GET", &["Range".into()]).unwrap();
//! assert!(answer.contains(&("Access-Control-Allow-Origin".into(), "https://player.example.com".into())));
//! assert!(answer.contains(&("Access-Control-Max-Age".into(), "3000".into())));
//! assert_eq!(preflight(&rules, "https://player.example.com", "PUT", &[]), None);
//! assert!(simple(&rules, "https://evil.example.net", "GET").is_empty());
//! ```

#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]

extern crate alloc;
// The `-nostd` flavour of thiserror (root Cargo.toml), under its usual name.
extern crate thiserror_nostd as thiserror;

mod error;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

pub use error::{Error, Result};

/// The methods a rule may allow.
pub const METHODS: [&str; 4] = ["GET", "HEAD", "PUT", "DELETE"];
/// What a rule with no `AllowedMethods` allows.
pub const DEFAULT_METHODS: [&str; 2] = ["GET", "HEAD"];
/// The header a caller adds when a container has a CORS policy but no rule
/// matched the request.
pub const VARY_WHEN_UNMATCHED: (&str, &str) = ("Vary", "Origin");
/// Most rules in one policy (MediaStore's limit).
pub const MAX_RULES: usize = 100;
/// Most entries in each list of a rule (MediaStore's limit).
pub const MAX_ENTRIES: usize = 100;

/// One MediaStore CORS rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rule {
    /// Origins; each may hold one `*`.
    pub allowed_origins: Vec<String>,
    /// `GET`, `HEAD`, `PUT`, `DELETE`; empty means [`DEFAULT_METHODS`].
    pub allowed_methods: Vec<String>,
    /// Request headers allowed in a preflight; each may hold one `*`.
    pub allowed_headers: Vec<String>,
    /// `Access-Control-Max-Age`, if set.
    pub max_age_seconds: Option<u32>,
    /// `Access-Control-Expose-Headers`.
    pub expose_headers: Vec<String>,
}

impl Rule {
    fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins
            .iter()
            .any(|o| wildcard(o, origin, false))
    }

    fn allows_method(&self, method: &str) -> bool {
        if self.allowed_methods.is_empty() {
            DEFAULT_METHODS.contains(&method)
        } else {
            self.allowed_methods.iter().any(|m| m == method)
        }
    }

    fn allows_header(&self, header: &str) -> bool {
        self.allowed_headers
            .iter()
            .any(|h| wildcard(h, header, true))
    }

    fn methods(&self) -> String {
        if self.allowed_methods.is_empty() {
            DEFAULT_METHODS.join(", ")
        } else {
            self.allowed_methods.join(", ")
        }
    }

    /// `*` when the rule allows every origin with a bare `*`, else the origin.
    fn allow_origin(&self, origin: &str) -> String {
        if self.allowed_origins.iter().any(|o| o == "*") {
            "*".into()
        } else {
            origin.into()
        }
    }
}

/// The response headers for a preflight (`OPTIONS` with
/// `Access-Control-Request-Method`), from the first rule that allows
/// `origin`, `method` and every one of `request_headers` (the
/// `Access-Control-Request-Headers` list, split at commas; blank entries are
/// ignored).
///
/// `Some` holds `Access-Control-Allow-Origin`, `Access-Control-Allow-Methods`
/// (the rule's methods), `Access-Control-Allow-Headers` (the requested
/// headers, when any), `Access-Control-Max-Age` (when the rule sets it) and
/// `Vary: Origin, Access-Control-Request-Headers, Access-Control-Request-Method`.
/// `None` when no rule matches: the caller answers 403 without CORS headers.
pub fn preflight(
    rules: &[Rule],
    origin: &str,
    method: &str,
    request_headers: &[String],
) -> Option<Vec<(String, String)>> {
    let requested: Vec<&str> = request_headers
        .iter()
        .map(|h| h.trim())
        .filter(|h| !h.is_empty())
        .collect();
    let rule = rules.iter().find(|r| {
        r.allows_origin(origin)
            && r.allows_method(method)
            && requested.iter().all(|h| r.allows_header(h))
    })?;
    let mut out = vec![
        header("Access-Control-Allow-Origin", rule.allow_origin(origin)),
        header("Access-Control-Allow-Methods", rule.methods()),
    ];
    if !requested.is_empty() {
        out.push(header("Access-Control-Allow-Headers", requested.join(", ")));
    }
    if let Some(age) = rule.max_age_seconds {
        out.push(header("Access-Control-Max-Age", age.to_string()));
    }
    out.push(header(
        "Vary",
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Method".into(),
    ));
    Some(out)
}

/// The CORS headers for an actual (non-preflight) response to a request from
/// `origin` with `method`, from the first rule allowing both:
/// `Access-Control-Allow-Origin`, `Access-Control-Expose-Headers` (when the
/// rule lists any) and `Vary: Origin`. Empty when no rule matches (see
/// [`VARY_WHEN_UNMATCHED`]).
pub fn simple(rules: &[Rule], origin: &str, method: &str) -> Vec<(String, String)> {
    let Some(rule) = rules
        .iter()
        .find(|r| r.allows_origin(origin) && r.allows_method(method))
    else {
        return Vec::new();
    };
    let mut out = vec![header(
        "Access-Control-Allow-Origin",
        rule.allow_origin(origin),
    )];
    if !rule.expose_headers.is_empty() {
        out.push(header(
            "Access-Control-Expose-Headers",
            rule.expose_headers.join(", "),
        ));
    }
    out.push(header("Vary", "Origin".into()));
    out
}

/// Checks a policy against MediaStore's rules before it is stored: 1 to
/// [`MAX_RULES`] rules; each with 1 to [`MAX_ENTRIES`] non-empty origins,
/// at most [`MAX_ENTRIES`] headers, methods, and expose headers, at most one
/// `*` in each origin and header, methods from [`METHODS`] without repeats.
pub fn validate(rules: &[Rule]) -> Result<()> {
    if rules.is_empty() || rules.len() > MAX_RULES {
        return Err(invalid(
            "CorsPolicy",
            &format!("must hold 1 to {MAX_RULES} rules"),
        ));
    }
    for (i, r) in rules.iter().enumerate() {
        let at = |field: &str| format!("CorsPolicy[{i}].{field}");
        if r.allowed_origins.is_empty() {
            return Err(invalid(
                &at("AllowedOrigins"),
                "must name at least one origin",
            ));
        }
        for (field, list) in [
            ("AllowedOrigins", &r.allowed_origins),
            ("AllowedMethods", &r.allowed_methods),
            ("AllowedHeaders", &r.allowed_headers),
            ("ExposeHeaders", &r.expose_headers),
        ] {
            if list.len() > MAX_ENTRIES {
                return Err(invalid(
                    &at(field),
                    &format!("at most {MAX_ENTRIES} entries"),
                ));
            }
        }
        for (field, list) in [
            ("AllowedOrigins", &r.allowed_origins),
            ("AllowedHeaders", &r.allowed_headers),
        ] {
            if let Some(bad) = list
                .iter()
                .find(|v| v.is_empty() || v.matches('*').count() > 1)
            {
                return Err(invalid(
                    &at(field),
                    &format!("{bad:?} must be non-empty with at most one *"),
                ));
            }
        }
        for (j, m) in r.allowed_methods.iter().enumerate() {
            if !METHODS.contains(&m.as_str()) {
                return Err(invalid(
                    &at("AllowedMethods"),
                    &format!("{m:?} is not one of GET, HEAD, PUT, DELETE"),
                ));
            }
            if r.allowed_methods.iter().take(j).any(|n| n == m) {
                return Err(invalid(
                    &at("AllowedMethods"),
                    &format!("{m:?} is repeated"),
                ));
            }
        }
    }
    Ok(())
}

/// `pattern` with at most one `*` (any run of characters) against `value`.
/// A second `*` is taken literally (validation refuses such rules anyway).
fn wildcard(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let eq = |a: &str, b: &str| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match pattern.split_once('*') {
        None => eq(pattern, value),
        Some((prefix, suffix)) => {
            value.len() >= prefix.len() + suffix.len()
                && value.get(..prefix.len()).is_some_and(|p| eq(p, prefix))
                && value
                    .get(value.len() - suffix.len()..)
                    .is_some_and(|s| eq(s, suffix))
        }
    }
}

fn header(name: &str, value: String) -> (String, String) {
    (name.into(), value)
}

fn invalid(at: &str, what: &str) -> Error {
    Error::Invalid(format!("{at}: {what}"))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_string()).collect()
    }

    fn rule(origins: &[&str], methods: &[&str], headers: &[&str]) -> Rule {
        Rule {
            allowed_origins: s(origins),
            allowed_methods: s(methods),
            allowed_headers: s(headers),
            ..Rule::default()
        }
    }

    fn get<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
        h.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn preflight_echoes_origin_and_requested_headers() {
        let mut r = rule(&["https://app.example.com"], &["GET", "PUT"], &["*"]);
        r.max_age_seconds = Some(3000);
        let h = preflight(
            &[r],
            "https://app.example.com",
            "PUT",
            &s(&["Content-Type", " x-amz-date "]),
        )
        .unwrap();
        assert_eq!(
            get(&h, "Access-Control-Allow-Origin"),
            Some("https://app.example.com")
        );
        assert_eq!(get(&h, "Access-Control-Allow-Methods"), Some("GET, PUT"));
        assert_eq!(
            get(&h, "Access-Control-Allow-Headers"),
            Some("Content-Type, x-amz-date")
        );
        assert_eq!(get(&h, "Access-Control-Max-Age"), Some("3000"));
        assert_eq!(
            get(&h, "Vary"),
            Some("Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
        );
    }

    #[test]
    fn preflight_without_requested_headers_or_max_age_omits_them() {
        let h = preflight(
            &[rule(&["*"], &["GET"], &[])],
            "https://a.test",
            "GET",
            &s(&["", " "]),
        )
        .unwrap();
        assert_eq!(get(&h, "Access-Control-Allow-Headers"), None);
        assert_eq!(get(&h, "Access-Control-Max-Age"), None);
    }

    #[test]
    fn bare_star_origin_answers_star() {
        let h = preflight(&[rule(&["*"], &["GET"], &[])], "https://a.test", "GET", &[]).unwrap();
        assert_eq!(get(&h, "Access-Control-Allow-Origin"), Some("*"));
        let h = simple(
            &[rule(&["https://*"], &["GET"], &[])],
            "https://a.test",
            "GET",
        );
        assert_eq!(
            get(&h, "Access-Control-Allow-Origin"),
            Some("https://a.test")
        );
    }

    #[test]
    fn origin_wildcard_stands_for_any_run() {
        let rules = [rule(&["http://*.example.com"], &["GET"], &[])];
        assert!(preflight(&rules, "http://www.example.com", "GET", &[]).is_some());
        assert!(preflight(&rules, "http://a.b.example.com", "GET", &[]).is_some());
        assert!(preflight(&rules, "https://www.example.com", "GET", &[]).is_none());
        assert!(preflight(&rules, "http://example.com", "GET", &[]).is_none());
        assert!(preflight(&rules, "http://www.example.com.evil", "GET", &[]).is_none());
    }

    #[test]
    fn method_must_be_allowed() {
        let rules = [rule(&["*"], &["GET"], &["*"])];
        assert!(preflight(&rules, "https://a.test", "DELETE", &[]).is_none());
        assert!(simple(&rules, "https://a.test", "DELETE").is_empty());
    }

    #[test]
    fn omitted_methods_allow_only_get_and_head() {
        let rules = [rule(&["*"], &[], &[])];
        assert!(preflight(&rules, "https://a.test", "HEAD", &[]).is_some());
        assert!(preflight(&rules, "https://a.test", "PUT", &[]).is_none());
        let h = preflight(&rules, "https://a.test", "GET", &[]).unwrap();
        assert_eq!(get(&h, "Access-Control-Allow-Methods"), Some("GET, HEAD"));
    }

    #[test]
    fn every_requested_header_must_be_allowed_without_case() {
        let rules = [rule(&["*"], &["PUT"], &["content-type", "X-Amz-*"])];
        assert!(
            preflight(
                &rules,
                "o",
                "PUT",
                &s(&["Content-Type", "x-amz-date", "X-AMZ-CONTENT-SHA256"])
            )
            .is_some()
        );
        assert!(preflight(&rules, "o", "PUT", &s(&["content-type", "authorization"])).is_none());
    }

    #[test]
    fn first_matching_rule_wins() {
        let mut first = rule(&["https://a.test"], &["GET"], &[]);
        first.max_age_seconds = Some(1);
        let mut second = rule(&["*"], &["GET", "PUT"], &["*"]);
        second.max_age_seconds = Some(2);
        let rules = [first, second];
        let h = preflight(&rules, "https://a.test", "GET", &[]).unwrap();
        assert_eq!(get(&h, "Access-Control-Max-Age"), Some("1"));
        // The first rule lacks the header, so the second answers.
        let h = preflight(&rules, "https://a.test", "GET", &s(&["range"])).unwrap();
        assert_eq!(get(&h, "Access-Control-Max-Age"), Some("2"));
    }

    #[test]
    fn simple_response_exposes_headers_and_varies_on_origin() {
        let mut r = rule(&["https://a.test"], &["GET"], &[]);
        r.expose_headers = s(&["ETag", "Content-Length"]);
        let h = simple(&[r], "https://a.test", "GET");
        assert_eq!(
            h,
            vec![
                header("Access-Control-Allow-Origin", "https://a.test".into()),
                header(
                    "Access-Control-Expose-Headers",
                    "ETag, Content-Length".into()
                ),
                header("Vary", "Origin".into()),
            ]
        );
    }

    #[test]
    fn no_rules_match_nothing() {
        assert!(preflight(&[], "o", "GET", &[]).is_none());
        assert!(simple(&[], "o", "GET").is_empty());
    }

    #[test]
    fn wildcard_edges_do_not_panic() {
        assert!(wildcard("*", "", false));
        assert!(wildcard("a*", "a", false));
        assert!(!wildcard("ab*ba", "aba", false));
        assert!(wildcard("é*é", "éxé", false));
        assert!(!wildcard("é*", "e\u{301}", false));
        assert!(!wildcard("x*", "é", true));
        assert!(wildcard("a**", "a*", false));
    }

    #[test]
    fn validation_follows_mediastore_limits() {
        assert_eq!(validate(&[rule(&["*"], &["GET", "HEAD"], &["*"])]), Ok(()));
        assert_eq!(validate(&[rule(&["*"], &[], &[])]), Ok(()));
        let bad = [
            vec![],
            vec![rule(&[], &["GET"], &[])],
            vec![rule(&["*"], &["PATCH"], &[])],
            vec![rule(&["*"], &["get"], &[])],
            vec![rule(&["*"], &["GET", "GET"], &[])],
            vec![rule(&["http://*.*.com"], &["GET"], &[])],
            vec![rule(&["*"], &["GET"], &["x-*-*"])],
            vec![rule(&[""], &["GET"], &[])],
            vec![rule(&["*"], &["GET"], &[]); MAX_RULES + 1],
        ];
        for rules in bad {
            assert!(validate(&rules).is_err(), "{rules:?}");
        }
        let err =
            validate(&[rule(&["*"], &["GET"], &[]), rule(&["*"], &["PATCH"], &[])]).unwrap_err();
        assert!(
            err.to_string().contains("CorsPolicy[1].AllowedMethods"),
            "{err}"
        );
    }
}
