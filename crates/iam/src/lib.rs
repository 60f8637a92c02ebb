//! IAM-style policy documents, as MediaStore container policies use them:
//! parse, validate, evaluate.
//!
//! A [`Policy`] is parsed once (anything this evaluator cannot apply exactly
//! is refused with a message saying where, never guessed at) and evaluated
//! against a [`Context`]: who asks, for which action on which resource, with
//! which condition keys. Explicit `Deny` wins over any `Allow`; no matching
//! statement is [`Decision::NoMatch`] (an implicit deny).
//!
//! Supported: `Principal` (`"*"`, `{"AWS": …}` with `"*"`, account ids,
//! `arn:…:root` and principal ARNs), `Action`/`NotAction` (case-insensitive,
//! `*` and `?`), `Resource`/`NotResource` (case-sensitive, `*` and `?`), and
//! `Condition` with the `String*`, `Bool`, `IpAddress`/`NotIpAddress`,
//! `Numeric*` and `Null` operators, `…IfExists`, and the `ForAnyValue:` /
//! `ForAllValues:` set qualifiers. Refused as unsupported: `NotPrincipal`,
//! non-`AWS` principals, `Date*`/`Arn*`/`Binary*` operators, and policy
//! variables (`${aws:username}`) in `2012-10-17` documents.
//!
//! ```
//! use tributary_iam::{Context, Decision, Policy};
//!
//! let policy = Policy::parse(r#"{
//!   "Version": "2012-10-17",
//!   "Statement": [{
//!     "Sid": "PublicReadOverHttps",
//!     "Effect": "Allow",
//!     "Principal": "*",
//!     "Action": ["mediastore:GetObject", "mediastore:DescribeObject"],
//!     "Resource": "arn:aws:mediastore:us-east-1:111122223333:container/live/*",
//!     "Condition": {"Bool": {"aws:SecureTransport": "true"}}
//!   }]
//! }"#)?;
//! let keys = vec![("aws:SecureTransport".to_string(), "true".to_string())];
//! let ctx = Context {
//!     principal: None,
//!     account: None,
//!     action: "mediastore:GetObject",
//!     resource: "arn:aws:mediastore:us-east-1:111122223333:container/live/index.m3u8",
//!     keys: &keys,
//! };
//! assert_eq!(policy.evaluate(&ctx), Decision::Allow);
//! assert_eq!(policy.evaluate(&Context { action: "mediastore:PutObject", ..ctx }), Decision::NoMatch);
//! # Ok::<(), tributary_iam::Error>(())
//! ```

#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]

extern crate alloc;
// The `-nostd` flavours of these crates (root Cargo.toml), under their usual names.
extern crate serde_json_nostd as serde_json;
extern crate thiserror_nostd as thiserror;

mod condition;
mod document;
mod error;
mod glob;

use alloc::string::String;

pub use document::Policy;
pub use error::{Error, Result};

use document::{Effect, Patterns, Principal};

/// Largest policy document accepted, in bytes (MediaStore's limit for a
/// container policy).
pub const MAX_DOCUMENT_BYTES: usize = 8192;

/// What a policy says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// A statement allows it and none denies it.
    Allow,
    /// A statement denies it (explicit deny wins over any allow).
    Deny,
    /// No statement matched (implicit deny).
    NoMatch,
}

/// The request a policy is evaluated against.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Principal ARN (`arn:aws:iam::111122223333:user/alice`), or `None` for
    /// an anonymous request, which only `"*"` principals match.
    pub principal: Option<&'a str>,
    /// The account the principal belongs to, if known; otherwise it is read
    /// from the principal ARN.
    pub account: Option<&'a str>,
    /// The action (`mediastore:GetObject`).
    pub action: &'a str,
    /// The resource ARN.
    pub resource: &'a str,
    /// Condition keys and values (`aws:SourceIp` → `192.0.2.7`); names
    /// compare without case; a key given more than once has several values.
    pub keys: &'a [(String, String)],
}

/// Checks that `document` is a policy this evaluator can apply.
pub fn validate(document: &str) -> Result<()> {
    Policy::parse(document).map(|_| ())
}

/// Parses `document` and evaluates it for `ctx`.
pub fn evaluate(document: &str, ctx: &Context<'_>) -> Result<Decision> {
    Ok(Policy::parse(document)?.evaluate(ctx))
}

impl Policy {
    /// The decision for `ctx`: [`Decision::Deny`] if any matching statement
    /// denies, else [`Decision::Allow`] if any allows, else [`Decision::NoMatch`].
    pub fn evaluate(&self, ctx: &Context<'_>) -> Decision {
        let action = ctx.action.to_lowercase();
        let mut allowed = false;
        for s in &self.statements {
            let applies = s.principals.iter().any(|p| principal_matches(p, ctx))
                && patterns_match(&s.action, &action)
                && patterns_match(&s.resource, ctx.resource)
                && s.conditions.iter().all(|c| c.holds(ctx.keys));
            if applies {
                match s.effect {
                    Effect::Deny => return Decision::Deny,
                    Effect::Allow => allowed = true,
                }
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::NoMatch
        }
    }
}

fn principal_matches(p: &Principal, ctx: &Context<'_>) -> bool {
    match (p, ctx.principal) {
        (Principal::Anyone, _) => true,
        (_, None) => false,
        (Principal::Account(account), Some(arn)) => {
            ctx.account == Some(account.as_str()) || account_of(arn) == Some(account.as_str())
        }
        (Principal::Arn(want), Some(arn)) => want == arn,
    }
}

/// The account field of `arn:partition:service:region:account:resource`.
fn account_of(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    (parts.next() == Some("arn")).then_some(())?;
    parts.nth(3).filter(|a| !a.is_empty())
}

fn patterns_match(p: &Patterns, value: &str) -> bool {
    p.patterns.iter().any(|pat| glob::matches(pat, value)) != p.not
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
    const BOB: &str = "arn:aws:iam::444455556666:user/bob";
    const OBJECT: &str = "arn:aws:mediastore:us-east-1:111122223333:container/live/a.ts";

    fn ctx<'a>(
        principal: Option<&'a str>,
        action: &'a str,
        keys: &'a [(String, String)],
    ) -> Context<'a> {
        Context {
            principal,
            account: None,
            action,
            resource: OBJECT,
            keys,
        }
    }

    fn decide(doc: &str, principal: Option<&str>, action: &str) -> Decision {
        evaluate(doc, &ctx(principal, action, &[])).unwrap()
    }

    fn statement(body: &str) -> String {
        format!(r#"{{"Version": "2012-10-17", "Statement": [{body}]}}"#)
    }

    #[test]
    fn deny_overrides_allow() {
        let doc = statement(
            r#"{"Effect": "Allow", "Principal": "*", "Action": "mediastore:*", "Resource": "*"},
               {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "mediastore:DeleteObject", "Resource": "*"}"#,
        );
        assert_eq!(
            decide(&doc, Some(ALICE), "mediastore:GetObject"),
            Decision::Allow
        );
        assert_eq!(
            decide(&doc, Some(ALICE), "mediastore:DeleteObject"),
            Decision::Deny
        );
    }

    #[test]
    fn nothing_matching_is_no_match() {
        let doc = statement(
            r#"{"Effect": "Allow", "Principal": "*", "Action": "mediastore:GetObject", "Resource": "*"}"#,
        );
        assert_eq!(
            decide(&doc, Some(ALICE), "mediastore:PutObject"),
            Decision::NoMatch
        );
    }

    #[test]
    fn anonymous_matches_only_everyone() {
        let everyone = statement(
            r#"{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "mediastore:GetObject", "Resource": "*"}"#,
        );
        let account = statement(
            r#"{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "mediastore:GetObject", "Resource": "*"}"#,
        );
        assert_eq!(
            decide(&everyone, None, "mediastore:GetObject"),
            Decision::Allow
        );
        assert_eq!(
            decide(&account, None, "mediastore:GetObject"),
            Decision::NoMatch
        );
    }

    #[test]
    fn account_principals_match_every_principal_of_the_account() {
        for p in [r#""111122223333""#, r#""arn:aws:iam::111122223333:root""#] {
            let doc = statement(&format!(
                r#"{{"Effect": "Allow", "Principal": {{"AWS": [{p}]}}, "Action": "mediastore:GetObject", "Resource": "*"}}"#
            ));
            assert_eq!(
                decide(&doc, Some(ALICE), "mediastore:GetObject"),
                Decision::Allow,
                "{p}"
            );
            assert_eq!(
                decide(&doc, Some(BOB), "mediastore:GetObject"),
                Decision::NoMatch,
                "{p}"
            );
            let by_account = Context {
                account: Some("111122223333"),
                ..ctx(Some("someone"), "mediastore:GetObject", &[])
            };
            assert_eq!(evaluate(&doc, &by_account).unwrap(), Decision::Allow, "{p}");
        }
    }

    #[test]
    fn arn_principals_match_exactly() {
        let doc = statement(&format!(
            r#"{{"Effect": "Allow", "Principal": {{"AWS": "{ALICE}"}}, "Action": "mediastore:GetObject", "Resource": "*"}}"#
        ));
        assert_eq!(
            decide(&doc, Some(ALICE), "mediastore:GetObject"),
            Decision::Allow
        );
        assert_eq!(
            decide(
                &doc,
                Some("arn:aws:iam::111122223333:user/alicia"),
                "mediastore:GetObject"
            ),
            Decision::NoMatch
        );
    }

    #[test]
    fn actions_compare_without_case_and_with_wildcards() {
        let doc = statement(
            r#"{"Effect": "Allow", "Principal": "*", "Action": "MediaStore:Get*", "Resource": "*"}"#,
        );
        assert_eq!(decide(&doc, None, "mediastore:GetObject"), Decision::Allow);
        assert_eq!(decide(&doc, None, "MEDIASTORE:GETOBJECT"), Decision::Allow);
        assert_eq!(
            decide(&doc, None, "mediastore:PutObject"),
            Decision::NoMatch
        );
        let q = statement(
            r#"{"Effect": "Allow", "Principal": "*", "Action": "mediastore:?etObject", "Resource": "*"}"#,
        );
        assert_eq!(decide(&q, None, "mediastore:GetObject"), Decision::Allow);
    }

    #[test]
    fn resources_compare_with_case_and_wildcards() {
        let doc = statement(
            r#"{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "arn:aws:mediastore:*:111122223333:container/live/*"}"#,
        );
        assert_eq!(decide(&doc, None, "mediastore:GetObject"), Decision::Allow);
        let upper = Context {
            resource: "arn:aws:mediastore:us-east-1:111122223333:container/LIVE/a.ts",
            ..ctx(None, "x:y", &[])
        };
        assert_eq!(
            Policy::parse(&doc).unwrap().evaluate(&upper),
            Decision::NoMatch
        );
    }

    #[test]
    fn not_action_and_not_resource_apply_to_everything_else() {
        let doc = statement(
            r#"{"Effect": "Deny", "Principal": "*", "NotAction": ["mediastore:Get*", "mediastore:DescribeObject"], "Resource": "*"},
               {"Effect": "Allow", "Principal": "*", "Action": "*", "NotResource": "arn:aws:mediastore:*:*:container/private/*"}"#,
        );
        assert_eq!(decide(&doc, None, "mediastore:GetObject"), Decision::Allow);
        assert_eq!(decide(&doc, None, "mediastore:PutObject"), Decision::Deny);
        let private = Context {
            resource: "arn:aws:mediastore:us-east-1:1:container/private/a",
            ..ctx(None, "mediastore:GetObject", &[])
        };
        assert_eq!(
            Policy::parse(&doc).unwrap().evaluate(&private),
            Decision::NoMatch
        );
    }

    #[test]
    fn conditions_gate_statements() {
        let doc = statement(
            r#"{"Effect": "Allow", "Principal": "*", "Action": "mediastore:GetObject", "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}"#,
        );
        let inside = [("aws:SourceIp".to_string(), "192.0.2.7".to_string())];
        let outside = [("aws:SourceIp".to_string(), "198.51.100.1".to_string())];
        assert_eq!(
            evaluate(&doc, &ctx(None, "mediastore:GetObject", &inside)).unwrap(),
            Decision::Allow
        );
        assert_eq!(
            evaluate(&doc, &ctx(None, "mediastore:GetObject", &outside)).unwrap(),
            Decision::NoMatch
        );
        assert_eq!(
            evaluate(&doc, &ctx(None, "mediastore:GetObject", &[])).unwrap(),
            Decision::NoMatch
        );
    }

    #[test]
    fn statement_may_be_a_single_object_and_version_may_be_old() {
        let doc = r#"{"Version": "2008-10-17", "Id": "x", "Statement": {"Sid": "s", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}}"#;
        assert_eq!(decide(doc, None, "mediastore:GetObject"), Decision::Allow);
    }

    #[test]
    fn errors_say_where() {
        let doc = statement(
            r#"{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
               {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"Foo": {"k": "v"}}}"#,
        );
        assert_eq!(
            validate(&doc),
            Err(Error::Malformed(
                "Statement[1].Condition: unknown operator \"Foo\"".into()
            ))
        );
    }

    #[test]
    fn bad_shapes_are_malformed() {
        let ok = r#""Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*""#;
        for doc in [
            String::from("not json"),
            String::from("[]"),
            String::from(r#"{"Version": "2012-10-17"}"#),
            String::from(r#"{"Version": "2012-10-17", "Statement": []}"#),
            String::from(r#"{"Version": "2020-01-01", "Statement": {}}"#),
            format!(r#"{{"Version": "2012-10-17", "Extra": 1, "Statement": {{{ok}}}}}"#),
            statement(&format!(r#"{{{ok}, "Extra": 1}}"#)),
            statement(r#"{"Effect": "allow", "Principal": "*", "Action": "*", "Resource": "*"}"#),
            statement(r#"{"Principal": "*", "Action": "*", "Resource": "*"}"#),
            statement(r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#),
            statement(r#"{"Effect": "Allow", "Principal": "*", "Resource": "*"}"#),
            statement(
                r#"{"Effect": "Allow", "Principal": "*", "Action": "*", "NotAction": "*", "Resource": "*"}"#,
            ),
            statement(r#"{"Effect": "Allow", "Principal": "*", "Action": "*"}"#),
            statement(
                r#"{"Effect": "Allow", "Principal": "*", "Action": "GetObject", "Resource": "*"}"#,
            ),
            statement(
                r#"{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "container/*"}"#,
            ),
            statement(r#"{"Effect": "Allow", "Principal": "*", "Action": [], "Resource": "*"}"#),
            statement(r#"{"Effect": "Allow", "Principal": "*", "Action": [1], "Resource": "*"}"#),
            statement(
                r#"{"Effect": "Allow", "Principal": "alice", "Action": "*", "Resource": "*"}"#,
            ),
            statement(
                r#"{"Effect": "Allow", "Principal": {"AWS": "alice"}, "Action": "*", "Resource": "*"}"#,
            ),
            statement(
                r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/*"}, "Action": "*", "Resource": "*"}"#,
            ),
            statement(r#"{"Effect": "Allow", "Principal": {}, "Action": "*", "Resource": "*"}"#),
            statement(&format!(r#"{{{ok}, "Sid": 5}}"#)),
        ] {
            assert!(matches!(validate(&doc), Err(Error::Malformed(_))), "{doc}");
        }
    }

    #[test]
    fn unsupported_features_are_refused_not_guessed() {
        for doc in [
            statement(
                r#"{"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "*", "Resource": "*"}"#,
            ),
            statement(
                r#"{"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "*", "Resource": "*"}"#,
            ),
            statement(
                r#"{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "arn:aws:mediastore:::container/${aws:username}/*"}"#,
            ),
            statement(
                r#"{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}"#,
            ),
        ] {
            assert!(
                matches!(validate(&doc), Err(Error::Unsupported(_))),
                "{doc}"
            );
        }
    }

    #[test]
    fn variables_are_literal_in_old_documents() {
        let doc = r#"{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "arn:aws:x:::${a}"}}"#;
        assert_eq!(validate(doc), Ok(()));
    }

    #[test]
    fn oversized_documents_are_malformed() {
        let pad = " ".repeat(MAX_DOCUMENT_BYTES);
        let doc = format!(
            r#"{{"Statement": {{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}}{pad}}}"#
        );
        assert!(matches!(validate(&doc), Err(Error::Malformed(m)) if m.contains("bytes")));
    }

    #[test]
    fn every_one_character_mutation_of_a_policy_is_handled_without_panicking() {
        let doc = statement(
            r#"{"Sid": "a", "Effect": "Allow", "Principal": {"AWS": ["111122223333", "arn:aws:iam::111122223333:user/a"]},
                "Action": ["mediastore:Get*"], "NotResource": "arn:aws:mediastore:*:*:container/p/*",
                "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:Referer": ["https://*"]},
                              "IpAddress": {"aws:SourceIp": "2001:db8::/32"}, "NumericLessThan": {"n": 1.5}}}"#,
        );
        let keys = [("aws:SourceIp".to_string(), "2001:db8::1".to_string())];
        let chars: Vec<char> = doc.chars().collect();
        for i in 0..chars.len() {
            for replacement in ["", "\"", "*", "[", "}", "é", "0", ":"] {
                let mut mutated: String = chars.iter().take(i).collect();
                mutated.push_str(replacement);
                mutated.extend(chars.iter().skip(i + 1));
                if let Ok(p) = Policy::parse(&mutated) {
                    let _ = p.evaluate(&ctx(Some(ALICE), "mediastore:GetObject", &keys));
                    let _ = p.evaluate(&ctx(None, "", &[]));
                }
            }
        }
    }

    #[test]
    fn deeply_nested_json_is_refused_without_overflowing() {
        let doc = "[".repeat(4000);
        assert!(matches!(validate(&doc), Err(Error::Malformed(_))));
    }
}
