//! Object lifecycle policies: which objects expire, and when.
//!
//! A policy is MediaStore's JSON document:
//!
//! ```json
//! {"rules": [
//!   {"definition": {"path": [{"wildcard": "Football/*.m3u8"}],
//!                   "seconds_since_create": [{"numeric": [">", 20]}]},
//!    "action": "EXPIRE"},
//!   {"definition": {"path": [{"prefix": "Program/"}],
//!                   "days_since_create": [{"numeric": [">=", 5]}]},
//!    "action": "EXPIRE"}
//! ]}
//! ```
//!
//! Transient (`seconds_since_create`) rules take 1–300 s, use only wildcard
//! paths, and apply only to objects created after the policy was put; such
//! objects are also left out of ListItems. Day rules apply to every object.
//! `ARCHIVE` actions are accepted and have no effect here (there is no
//! infrequent-access tier).

use serde_json::Value;

/// At most this many rules per policy (MediaStore's limit).
pub const MAX_RULES: usize = 10;
/// At most this many paths per rule.
pub const MAX_PATHS: usize = 10;
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// A parsed, valid lifecycle policy.
#[derive(Debug, Clone, PartialEq)]
pub struct LifecyclePolicy {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    paths: Vec<PathMatch>,
    age: Age,
    expire: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum PathMatch {
    Prefix(String),
    Wildcard(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Age {
    Seconds { inclusive: bool, n: u64 },
    Days { inclusive: bool, n: u64 },
}

impl LifecyclePolicy {
    /// Parse and validate a policy document; the error says what to fix.
    pub fn parse(doc: &str) -> Result<Self, String> {
        let v: Value = serde_json::from_str(doc)
            .map_err(|e| format!("Lifecycle policy is not valid JSON: {e}"))?;
        let rules = v
            .get("rules")
            .and_then(Value::as_array)
            .ok_or("Lifecycle policy must have a \"rules\" array")?;
        if rules.is_empty() || rules.len() > MAX_RULES {
            return Err(format!(
                "Lifecycle policy must have 1 to {MAX_RULES} rules, got {}",
                rules.len()
            ));
        }
        let rules = rules
            .iter()
            .enumerate()
            .map(|(i, r)| parse_rule(r).map_err(|e| format!("rules[{i}]: {e}")))
            .collect::<Result<_, _>>()?;
        Ok(Self { rules })
    }

    /// Whether the object at `path` (inside its container), created at
    /// `created_ms`, has expired at `now_ms`. `policy_since_ms` is when the
    /// policy was put: transient rules ignore objects created before it.
    pub fn is_expired(
        &self,
        path: &str,
        created_ms: u64,
        now_ms: u64,
        policy_since_ms: u64,
    ) -> bool {
        let age_ms = now_ms.saturating_sub(created_ms);
        self.rules.iter().any(|rule| {
            rule.expire
                && rule.applies_to(path, created_ms, policy_since_ms)
                && match rule.age {
                    Age::Seconds { inclusive, n } => past(age_ms, n * 1000, inclusive),
                    Age::Days { inclusive, n } => past(age_ms, n * DAY_MS, inclusive),
                }
        })
    }

    /// Whether a transient rule governs the object (such objects are left out
    /// of ListItems).
    pub fn is_transient(&self, path: &str, created_ms: u64, policy_since_ms: u64) -> bool {
        self.rules.iter().any(|r| {
            matches!(r.age, Age::Seconds { .. }) && r.applies_to(path, created_ms, policy_since_ms)
        })
    }
}

fn past(age_ms: u64, limit_ms: u64, inclusive: bool) -> bool {
    if inclusive {
        age_ms >= limit_ms
    } else {
        age_ms > limit_ms
    }
}

impl Rule {
    fn applies_to(&self, path: &str, created_ms: u64, policy_since_ms: u64) -> bool {
        if matches!(self.age, Age::Seconds { .. }) && created_ms < policy_since_ms {
            return false;
        }
        self.paths.iter().any(|p| match p {
            PathMatch::Prefix(prefix) => path.starts_with(prefix.as_str()),
            PathMatch::Wildcard(pattern) => wildcard_match(pattern, path),
        })
    }
}

fn parse_rule(r: &Value) -> Result<Rule, String> {
    let def = r.get("definition").ok_or("missing \"definition\"")?;
    let action = r
        .get("action")
        .and_then(Value::as_str)
        .ok_or("missing \"action\"")?;
    let expire = match action {
        "EXPIRE" => true,
        "ARCHIVE" => false,
        other => return Err(format!("action must be EXPIRE or ARCHIVE, got {other:?}")),
    };
    let paths = def
        .get("path")
        .and_then(Value::as_array)
        .ok_or("missing \"path\" array")?;
    if paths.is_empty() || paths.len() > MAX_PATHS {
        return Err(format!("\"path\" must have 1 to {MAX_PATHS} entries"));
    }
    let paths = paths
        .iter()
        .map(|p| {
            if let Some(s) = p.get("prefix").and_then(Value::as_str) {
                Ok(PathMatch::Prefix(s.to_owned()))
            } else if let Some(s) = p.get("wildcard").and_then(Value::as_str) {
                Ok(PathMatch::Wildcard(s.to_owned()))
            } else {
                Err("each path must be {\"prefix\": …} or {\"wildcard\": …}".to_owned())
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let kinds = paths
        .iter()
        .filter(|p| matches!(p, PathMatch::Prefix(_)))
        .count();
    if kinds != 0 && kinds != paths.len() {
        return Err("a rule may not mix prefix and wildcard paths".into());
    }
    let (age, transient) = match (
        def.get("seconds_since_create"),
        def.get("days_since_create"),
    ) {
        (Some(s), None) => (parse_numeric(s)?, true),
        (None, Some(d)) => (parse_numeric(d)?, false),
        _ => {
            return Err(
                "exactly one of seconds_since_create and days_since_create is required".into(),
            );
        }
    };
    let age = if transient {
        if !(1..=300).contains(&age.1) {
            return Err(format!(
                "seconds_since_create must be 1 to 300, got {}",
                age.1
            ));
        }
        if kinds != 0 {
            return Err("transient (seconds_since_create) rules take wildcard paths only".into());
        }
        if !expire {
            return Err("transient (seconds_since_create) rules must EXPIRE".into());
        }
        Age::Seconds {
            inclusive: age.0,
            n: age.1,
        }
    } else {
        Age::Days {
            inclusive: age.0,
            n: age.1,
        }
    };
    Ok(Rule { paths, age, expire })
}

/// `[{"numeric": [">", 20]}]` → (inclusive, 20)
fn parse_numeric(v: &Value) -> Result<(bool, u64), String> {
    let cond = v
        .as_array()
        .and_then(|a| a.first())
        .and_then(|c| c.get("numeric"))
        .and_then(Value::as_array)
        .filter(|a| a.len() == 2)
        .ok_or("age must be [{\"numeric\": [\">\", N]}]")?;
    let inclusive = match cond[0].as_str() {
        Some(">") => false,
        Some(">=") => true,
        _ => return Err("numeric operator must be \">\" or \">=\"".into()),
    };
    let n = cond[1]
        .as_u64()
        .ok_or("numeric value must be a non-negative integer")?;
    Ok((inclusive, n))
}

/// `*` matches any run of characters (including `/`), like MediaStore's.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    const TRANSIENT: &str = r#"{"rules":[{"definition":{"path":[{"wildcard":"Football/*.m3u8"}],
        "seconds_since_create":[{"numeric":[">",20]}]},"action":"EXPIRE"}]}"#;
    const DAYS: &str = r#"{"rules":[{"definition":{"path":[{"prefix":"Program/"}],
        "days_since_create":[{"numeric":[">=",5]}]},"action":"EXPIRE"}]}"#;

    #[test]
    fn transient_rule_expires_matching_objects_after_the_limit() {
        let p = LifecyclePolicy::parse(TRANSIENT).unwrap();
        assert!(!p.is_expired("Football/index.m3u8", 1_000, 21_000, 0));
        assert!(p.is_expired("Football/index.m3u8", 1_000, 21_001, 0));
        assert!(!p.is_expired("Football/seg.ts", 1_000, 99_000, 0));
        assert!(p.is_transient("Football/index.m3u8", 1_000, 0));
    }

    #[test]
    fn transient_rule_ignores_objects_created_before_the_policy() {
        let p = LifecyclePolicy::parse(TRANSIENT).unwrap();
        assert!(!p.is_expired("Football/index.m3u8", 1_000, 1_000_000, 5_000));
    }

    #[test]
    fn day_rule_applies_to_old_objects_too() {
        let p = LifecyclePolicy::parse(DAYS).unwrap();
        assert!(p.is_expired("Program/a.ts", 0, 5 * DAY_MS, 10 * DAY_MS));
        assert!(!p.is_expired("Program/a.ts", 0, 5 * DAY_MS - 1, 0));
        assert!(!p.is_expired("Other/a.ts", 0, 50 * DAY_MS, 0));
    }

    #[test]
    fn invalid_policies_say_what_is_wrong() {
        assert!(LifecyclePolicy::parse("{").is_err());
        assert!(LifecyclePolicy::parse(r#"{"rules":[]}"#).is_err());
        let too_long = TRANSIENT.replace("20", "301");
        assert!(
            LifecyclePolicy::parse(&too_long)
                .unwrap_err()
                .contains("1 to 300")
        );
        let prefix_transient = TRANSIENT.replace("wildcard", "prefix");
        assert!(LifecyclePolicy::parse(&prefix_transient).is_err());
    }

    #[test]
    fn wildcards_match_any_run_of_characters() {
        assert!(wildcard_match("a/*.ts", "a/b/c.ts"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("index*.m3u8", "index123.m3u8"));
        assert!(!wildcard_match("index*.m3u8", "index.ts"));
    }
}
