//! Every member constraint of the MediaStore model (botocore
//! `mediastore/2017-09-01`), checked before an operation touches state.
//!
//! Each function reads one member from a [`Members`] and returns it as the
//! type the operations store, or the error the client should see: a
//! `ValidationException` naming the member and the constraint it broke, or a
//! `LimitExceededException` for quotas. Lengths count characters, as the
//! model's `min`/`max` do.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;
use tributary_mediastore::lifecycle::LifecyclePolicy;
use tributary_mediastore::{
    ApiError, ContainerName, CorsRule, MetricPolicy, MetricPolicyRule, Tag,
};

use super::input::{Members, element, element_str, invalid};

/// Tags one container may carry (AWS's per-resource tag quota).
pub const MAX_TAGS_PER_CONTAINER: usize = 50;
/// Object-level rules in a metric policy (MediaStore's default quota; the
/// model allows lists of up to 300 for raised quotas).
pub const MAX_METRIC_RULES: usize = 5;
/// Containers in one ListContainers page when `MaxResults` is absent.
pub const DEFAULT_MAX_RESULTS: usize = 100;

const ARN_PATTERN: &str = r"arn:aws:mediastore:[a-z]+-[a-z]+-\d:\d{12}:container/[\w-]{1,255}";
const TAG_PATTERN: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*";
const HEADER_PATTERN: &str = r"[\u0009\u000A\u000D\u0020-\u00FF]+";
const OBJECT_GROUP_PATTERN: &str =
    r"/?(?:[A-Za-z0-9_=:\.\-\~\*]+/){0,10}(?:[A-Za-z0-9_=:\.\-\~\*]+)?/?";
const METHODS: [&str; 4] = ["PUT", "GET", "DELETE", "HEAD"];

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A string's length in `min..=max` characters.
fn length(path: &str, s: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let n = chars(s);
    if n < min {
        return Err(invalid(
            path,
            format_args!("Member must have length greater than or equal to {min}"),
        ));
    }
    if n > max {
        return Err(invalid(
            path,
            format_args!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// A list's size in `min..=max` (the model says "length" for lists too).
fn size(path: &str, list: &[Value], min: usize, max: usize) -> Result<(), ApiError> {
    if list.len() < min {
        return Err(invalid(
            path,
            format_args!("Member must have length greater than or equal to {min}"),
        ));
    }
    if list.len() > max {
        return Err(invalid(
            path,
            format_args!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

fn pattern(path: &str, ok: bool, pattern: &str) -> Result<(), ApiError> {
    if ok {
        Ok(())
    } else {
        Err(invalid(
            path,
            format_args!("Member must satisfy regular expression pattern: {pattern}"),
        ))
    }
}

/// `ContainerName`: 1–255 of `[\w-]`.
pub fn container_name(m: &Members<'_>, member: &str) -> Result<ContainerName, ApiError> {
    let s = m.str(member)?;
    ContainerName::parse(s).map_err(|e| {
        invalid(
            &m.path_of(member),
            format_args!("Member must be a container name: {e}"),
        )
    })
}

/// A container ARN as given in `Resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerArn {
    /// The ARN's region.
    pub region: String,
    /// The ARN's account id.
    pub account: String,
    /// The container it names.
    pub name: ContainerName,
    /// The ARN exactly as given.
    pub arn: String,
}

/// `Resource`: `arn:aws:mediastore:<region>:<account>:container/<name>`,
/// 1–1024 characters. The region is checked loosely (lower-case letters,
/// digits and `-`) so deployments may name their own.
pub fn container_arn(m: &Members<'_>, member: &str) -> Result<ContainerArn, ApiError> {
    let s = m.str(member)?;
    let path = m.path_of(member);
    length(&path, s, 1, 1024)?;
    let parsed = (|| {
        let rest = s.strip_prefix("arn:aws:mediastore:")?;
        let (region, rest) = rest.split_once(':')?;
        let (account, resource) = rest.split_once(':')?;
        let region_ok = !region.is_empty()
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let account_ok = account.len() == 12 && account.chars().all(|c| c.is_ascii_digit());
        let name = ContainerName::parse(resource.strip_prefix("container/")?).ok()?;
        (region_ok && account_ok).then(|| ContainerArn {
            region: region.to_owned(),
            account: account.to_owned(),
            name,
            arn: s.to_owned(),
        })
    })();
    parsed.ok_or_else(|| {
        invalid(
            &path,
            format_args!("Member must satisfy regular expression pattern: {ARN_PATTERN}"),
        )
    })
}

/// `Policy`: 1–8192 characters of ASCII. Whether it is a policy the
/// evaluator can apply is the plug's question, asked by the operation.
pub fn container_policy<'a>(m: &Members<'a>) -> Result<&'a str, ApiError> {
    let s = m.str("Policy")?;
    let path = m.path_of("Policy");
    length(&path, s, 1, 8192)?;
    pattern(&path, s.is_ascii(), r"[\x00-\x7F]+")?;
    Ok(s)
}

fn latin1_text(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FF}')
}

/// `LifecyclePolicy`: up to 8192 characters of `[\t\n\r\x20-\xFF]`, and a
/// policy [`LifecyclePolicy::parse`] accepts.
pub fn lifecycle_policy<'a>(m: &Members<'a>) -> Result<&'a str, ApiError> {
    let s = m.str("LifecyclePolicy")?;
    let path = m.path_of("LifecyclePolicy");
    length(&path, s, 0, 8192)?;
    pattern(
        &path,
        !s.is_empty() && s.chars().all(latin1_text),
        HEADER_PATTERN,
    )?;
    LifecyclePolicy::parse(s)
        .map_err(|e| ApiError::validation(format!("The lifecycle policy is not valid: {e}")))?;
    Ok(s)
}

/// A list of strings, each checked by `item` (given the element and its path).
fn strings(
    m: &Members<'_>,
    member: &str,
    (min, max): (usize, usize),
    item: impl Fn(&str, &str) -> Result<(), ApiError>,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(list) = m.opt_list(member)? else {
        return Ok(None);
    };
    let path = m.path_of(member);
    size(&path, list, min, max)?;
    list.iter()
        .enumerate()
        .map(|(i, v)| {
            let p = format!("{path}[{i}]");
            let s = element_str(v, &p)?;
            item(s, &p)?;
            Ok(s.to_owned())
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// An `Origin` or `Header` string: 1–`max` characters of `[\t\n\r\x20-\xFF]`,
/// with at most one `*` when `one_wildcard`.
fn header_like(max: usize, one_wildcard: bool) -> impl Fn(&str, &str) -> Result<(), ApiError> {
    move |s, path| {
        length(path, s, 1, max)?;
        pattern(path, s.chars().all(latin1_text), HEADER_PATTERN)?;
        if one_wildcard && s.matches('*').count() > 1 {
            return Err(invalid(path, "Member may contain at most one '*' wildcard"));
        }
        Ok(())
    }
}

/// `CorsPolicy`: 1–100 rules, every member as the model constrains it.
pub fn cors_policy(m: &Members<'_>) -> Result<Vec<CorsRule>, ApiError> {
    let list = m.list("CorsPolicy")?;
    let path = m.path_of("CorsPolicy");
    size(&path, list, 1, 100)?;
    let rules = list
        .iter()
        .enumerate()
        .map(|(i, v)| cors_rule(&element(v, format!("{path}[{i}]"))?))
        .collect::<Result<Vec<_>, _>>()?;
    // The origin answers browsers with `tributary-cors`: never store rules it
    // would refuse (the checks above are meant to cover all of its own).
    let engine: Vec<tributary_cors::Rule> = rules
        .iter()
        .map(|r| tributary_cors::Rule {
            allowed_origins: r.allowed_origins.clone(),
            allowed_methods: r.allowed_methods.clone().unwrap_or_default(),
            allowed_headers: r.allowed_headers.clone(),
            max_age_seconds: r.max_age_seconds.and_then(|s| u32::try_from(s).ok()),
            expose_headers: r.expose_headers.clone().unwrap_or_default(),
        })
        .collect();
    tributary_cors::validate(&engine).map_err(|e| ApiError::validation(e.to_string()))?;
    Ok(rules)
}

fn cors_rule(rule: &Members<'_>) -> Result<CorsRule, ApiError> {
    let required = |name: &str, v: Option<Vec<String>>| {
        v.ok_or_else(|| invalid(&rule.path_of(name), "Member must not be null"))
    };
    let allowed_origins = required(
        "AllowedOrigins",
        strings(rule, "AllowedOrigins", (1, 100), header_like(2048, true))?,
    )?;
    let allowed_methods = strings(rule, "AllowedMethods", (1, 4), |s, path| {
        if METHODS.contains(&s) {
            Ok(())
        } else {
            Err(invalid(
                path,
                "Member must satisfy enum value set: [PUT, GET, DELETE, HEAD]",
            ))
        }
    })?;
    if let Some(methods) = &allowed_methods
        && let Some(i) = (1..methods.len()).find(|&i| methods[..i].contains(&methods[i]))
    {
        let path = format!("{}[{i}]", rule.path_of("AllowedMethods"));
        return Err(invalid(&path, "Member must not repeat a method"));
    }
    let allowed_headers = required(
        "AllowedHeaders",
        strings(rule, "AllowedHeaders", (0, 100), header_like(8192, true))?,
    )?;
    let max_age_seconds = rule.opt_int("MaxAgeSeconds")?;
    if let Some(age) = max_age_seconds {
        let path = rule.path_of("MaxAgeSeconds");
        if age < 0 {
            return Err(invalid(
                &path,
                "Member must have value greater than or equal to 0",
            ));
        }
        if age > i64::from(i32::MAX) {
            return Err(invalid(
                &path,
                format_args!("Member must have value less than or equal to {}", i32::MAX),
            ));
        }
    }
    let expose_headers = strings(rule, "ExposeHeaders", (0, 100), header_like(8192, false))?;
    Ok(CorsRule {
        allowed_origins,
        allowed_methods,
        allowed_headers,
        max_age_seconds,
        expose_headers,
    })
}

/// `MetricPolicy`: `ContainerLevelMetrics` ENABLED/DISABLED and 1–300
/// well-formed rules, of which at most [`MAX_METRIC_RULES`]
/// (`LimitExceededException` beyond).
pub fn metric_policy(m: &Members<'_>) -> Result<MetricPolicy, ApiError> {
    let mp = m.object("MetricPolicy")?;
    let level = mp.str("ContainerLevelMetrics")?;
    if !matches!(level, "ENABLED" | "DISABLED") {
        return Err(invalid(
            &mp.path_of("ContainerLevelMetrics"),
            "Member must satisfy enum value set: [ENABLED, DISABLED]",
        ));
    }
    let rules = match mp.opt_list("MetricPolicyRules")? {
        None => None,
        Some(list) => {
            let path = mp.path_of("MetricPolicyRules");
            size(&path, list, 1, 300)?;
            let rules = list
                .iter()
                .enumerate()
                .map(|(i, v)| metric_rule(&element(v, format!("{path}[{i}]"))?))
                .collect::<Result<Vec<_>, _>>()?;
            if rules.len() > MAX_METRIC_RULES {
                return Err(ApiError::limit_exceeded(format!(
                    "A metric policy may have at most {MAX_METRIC_RULES} rules; this one has {}",
                    rules.len()
                )));
            }
            Some(rules)
        }
    };
    Ok(MetricPolicy {
        container_level_metrics: level.to_owned(),
        metric_policy_rules: rules,
    })
}

fn metric_rule(rule: &Members<'_>) -> Result<MetricPolicyRule, ApiError> {
    let group = rule.str("ObjectGroup")?;
    let path = rule.path_of("ObjectGroup");
    length(&path, group, 1, 900)?;
    pattern(&path, object_group_matches(group), OBJECT_GROUP_PATTERN)?;
    let name = rule.str("ObjectGroupName")?;
    let path = rule.path_of("ObjectGroupName");
    length(&path, name, 1, 30)?;
    pattern(
        &path,
        name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "[a-zA-Z0-9_]+",
    )?;
    Ok(MetricPolicyRule {
        object_group: group.to_owned(),
        object_group_name: name.to_owned(),
    })
}

/// Whether `s` matches the whole of
/// `/?(?:[A-Za-z0-9_=:\.\-\~\*]+/){0,10}(?:[A-Za-z0-9_=:\.\-\~\*]+)?/?`.
pub fn object_group_matches(s: &str) -> bool {
    // The optional slashes at either end are tried both ways, as the regex
    // would backtrack over them; what is left must be folders and a file.
    let leads = match s.strip_prefix('/') {
        Some(rest) => vec![s, rest],
        None => vec![s],
    };
    leads.into_iter().any(|rest| {
        let trails = match rest.strip_suffix('/') {
            Some(mid) => vec![rest, mid],
            None => vec![rest],
        };
        trails.into_iter().any(folders_then_file)
    })
}

/// `(?:seg/){0,10}(?:seg)?`
fn folders_then_file(s: &str) -> bool {
    let segment = |seg: &str| {
        !seg.is_empty()
            && seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_=:.-~*".contains(c))
    };
    if s.is_empty() {
        return true;
    }
    let parts: Vec<&str> = s.split('/').collect();
    let (file, folders) = parts.split_last().unwrap_or((&"", &[]));
    folders.len() <= 10 && folders.iter().all(|f| segment(f)) && (file.is_empty() || segment(file))
}

/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`: letters, separators (spaces), numbers and
/// `_ . : / = + - @`. (`char` has no general-category lookup; alphabetic and
/// numeric stand in for `\p{L}` and `\p{N}`.)
fn tag_text(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_alphabetic()
            || c.is_numeric()
            || (c.is_whitespace() && !c.is_control())
            || "_.:/=+-@".contains(c)
    })
}

fn tag_key(s: &str, path: &str) -> Result<(), ApiError> {
    length(path, s, 1, 128)?;
    pattern(path, tag_text(s), TAG_PATTERN)?;
    if s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
        return Err(invalid(
            path,
            "Member must not start with 'aws:', which is reserved for AWS use",
        ));
    }
    Ok(())
}

/// `Tags`: 1–200 `{Key, Value}` (Key 1–128, Value 0–256). A key given twice
/// keeps its last value. `Ok(None)` when absent.
pub fn tags(m: &Members<'_>, member: &str) -> Result<Option<Vec<Tag>>, ApiError> {
    let Some(list) = m.opt_list(member)? else {
        return Ok(None);
    };
    let path = m.path_of(member);
    size(&path, list, 1, 200)?;
    let mut out: Vec<Tag> = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let tag = element(v, format!("{path}[{i}]"))?;
        let key = tag.str("Key")?;
        tag_key(key, &tag.path_of("Key"))?;
        let value = tag.opt_str("Value")?;
        if let Some(value) = value {
            let vpath = tag.path_of("Value");
            length(&vpath, value, 0, 256)?;
            pattern(&vpath, tag_text(value), TAG_PATTERN)?;
        }
        merge_tags(
            &mut out,
            [Tag {
                key: key.to_owned(),
                value: value.map(str::to_owned),
            }],
        );
    }
    Ok(Some(out))
}

/// `TagKeys`: tag keys (1–128 characters each) to remove.
pub fn tag_keys(m: &Members<'_>) -> Result<Vec<String>, ApiError> {
    let path = m.path_of("TagKeys");
    strings(m, "TagKeys", (0, usize::MAX), |s, p| {
        length(p, s, 1, 128)?;
        pattern(p, tag_text(s), TAG_PATTERN)
    })?
    .ok_or_else(|| invalid(&path, "Member must not be null"))
}

/// Add `new` to `tags`: a key already present takes the new value, in place.
pub fn merge_tags(tags: &mut Vec<Tag>, new: impl IntoIterator<Item = Tag>) {
    for tag in new {
        match tags.iter_mut().find(|t| t.key == tag.key) {
            Some(existing) => existing.value = tag.value,
            None => tags.push(tag),
        }
    }
}

/// Refuse more than [`MAX_TAGS_PER_CONTAINER`] tags on one container.
pub fn tag_quota(tags: &[Tag]) -> Result<(), ApiError> {
    if tags.len() > MAX_TAGS_PER_CONTAINER {
        return Err(ApiError::limit_exceeded(format!(
            "A container may have at most {MAX_TAGS_PER_CONTAINER} tags; this request would leave it with {}",
            tags.len()
        )));
    }
    Ok(())
}

/// `MaxResults`: 1–100, default [`DEFAULT_MAX_RESULTS`].
pub fn max_results(m: &Members<'_>) -> Result<usize, ApiError> {
    let Some(n) = m.opt_int("MaxResults")? else {
        return Ok(DEFAULT_MAX_RESULTS);
    };
    let path = m.path_of("MaxResults");
    if n < 1 {
        return Err(invalid(
            &path,
            "Member must have value greater than or equal to 1",
        ));
    }
    if n > 100 {
        return Err(invalid(
            &path,
            "Member must have value less than or equal to 100",
        ));
    }
    usize::try_from(n)
        .map_err(|_| invalid(&path, "Member must have value less than or equal to 100"))
}

/// The token ListContainers hands out: the last name of a page, in base64
/// (which fits the model's `[0-9A-Za-z=/+]+`).
pub fn encode_next_token(last: &str) -> String {
    BASE64.encode(last)
}

/// `NextToken`: a token from [`encode_next_token`]; the name listing
/// continues after. `Ok(None)` when absent.
pub fn next_token(m: &Members<'_>) -> Result<Option<String>, ApiError> {
    let Some(token) = m.opt_str("NextToken")? else {
        return Ok(None);
    };
    let path = m.path_of("NextToken");
    length(&path, token, 1, 1024)?;
    BASE64
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|name| ContainerName::parse(name).is_ok())
        .map(Some)
        .ok_or_else(|| {
            invalid(
                &path,
                "Member must be a NextToken returned by an earlier ListContainers call",
            )
        })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use crate::mediastore::input::parse_body;

    fn with<T>(body: &str, f: impl FnOnce(&Members<'_>) -> T) -> T {
        let v = parse_body(body.as_bytes()).unwrap();
        f(&Members::top(&v))
    }

    #[test]
    fn object_groups_follow_the_model_pattern() {
        for ok in [
            "a",
            "/a",
            "a/",
            "/a/b/c.ts",
            "*",
            "folder/*",
            "/",
            "//",
            "a=b:c~d-e.f_g",
            "a//",
        ] {
            assert!(object_group_matches(ok), "{ok}");
        }
        let ten_folders = format!("{}file", "d/".repeat(10));
        assert!(object_group_matches(&ten_folders));
        let eleven_folders = format!("{}file", "d/".repeat(11));
        assert!(!object_group_matches(&eleven_folders));
        for bad in ["///", "a b", "a//b", "é", "a/b?c", "a\\b"] {
            assert!(!object_group_matches(bad), "{bad}");
        }
    }

    #[test]
    fn container_arns_must_name_a_mediastore_container() {
        let ok = with(
            r#"{"Resource": "arn:aws:mediastore:us-east-1:123456789012:container/live"}"#,
            |m| container_arn(m, "Resource"),
        )
        .unwrap();
        assert_eq!(
            (ok.region.as_str(), ok.account.as_str(), ok.name.as_str()),
            ("us-east-1", "123456789012", "live")
        );
        for bad in [
            "arn:aws:s3:::bucket",
            "arn:aws:mediastore:us-east-1:12345:container/live",
            "arn:aws:mediastore:us-east-1:123456789012:flow/live",
            "arn:aws:mediastore:us-east-1:123456789012:container/li.ve",
            "arn:aws:mediastore::123456789012:container/live",
            "arn:aws:mediastore:US-EAST-1:123456789012:container/live",
            "",
        ] {
            let e = with(&format!(r#"{{"Resource": "{bad}"}}"#), |m| {
                container_arn(m, "Resource")
            })
            .unwrap_err();
            assert_eq!(e.code, "ValidationException", "{bad}");
        }
    }

    #[test]
    fn tag_text_allows_letters_numbers_spaces_and_the_model_punctuation() {
        assert!(tag_text("Env name_1.:/=+-@ é 日本"));
        assert!(!tag_text("a#b"));
        assert!(!tag_text("a\tb"));
        assert!(!tag_text("a*"));
    }

    #[test]
    fn a_tag_key_given_twice_keeps_its_last_value() {
        let tags = with(
            r#"{"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b"}, {"Key": "a", "Value": "2"}]}"#,
            |m| tags(m, "Tags"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(tags.len(), 2);
        assert_eq!(
            tags[0],
            Tag {
                key: "a".into(),
                value: Some("2".into())
            }
        );
        assert_eq!(
            tags[1],
            Tag {
                key: "b".into(),
                value: None
            }
        );
    }

    #[test]
    fn next_tokens_round_trip_and_foreign_tokens_are_refused() {
        let token = encode_next_token("live-2");
        let name = with(&format!(r#"{{"NextToken": "{token}"}}"#), next_token).unwrap();
        assert_eq!(name.as_deref(), Some("live-2"));
        for bad in ["", "!!!", "bm90IGEgbmFtZQ==", "%%%%"] {
            let e = with(&format!(r#"{{"NextToken": "{bad}"}}"#), next_token).unwrap_err();
            assert_eq!(e.code, "ValidationException", "{bad}");
        }
    }

    #[test]
    fn max_results_defaults_to_a_full_page_and_is_bounded() {
        assert_eq!(with("{}", max_results).unwrap(), DEFAULT_MAX_RESULTS);
        assert_eq!(with(r#"{"MaxResults": 1}"#, max_results).unwrap(), 1);
        assert_eq!(with(r#"{"MaxResults": 100}"#, max_results).unwrap(), 100);
        for bad in ["0", "101", "-1", "1.5", "\"5\""] {
            let e = with(&format!(r#"{{"MaxResults": {bad}}}"#), max_results).unwrap_err();
            assert_eq!(e.code, "ValidationException", "{bad}");
        }
    }
}
