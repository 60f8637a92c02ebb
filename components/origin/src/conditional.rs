//! Conditional GET/HEAD (RFC 9110 §13): `If-None-Match`, `If-Modified-Since`
//! and `If-Range`, evaluated against an object's ETag and Last-Modified.
//!
//! Players and CDNs revalidate manifests and segments constantly; a 304
//! saves the body. Evaluation order is the RFC's: `If-None-Match` decides
//! when present, otherwise `If-Modified-Since`; `If-Range` only decides
//! whether a `Range` is honoured.

use crate::httpdate;

/// The conditional headers of a request, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    if_none_match: Option<EntityTags>,
    /// Seconds since the epoch; `None` when absent or not a valid date
    /// (an invalid date is ignored, RFC 9110 §13.1.3).
    if_modified_since: Option<u64>,
    if_range: Option<IfRange>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum EntityTags {
    /// `*`: any current representation.
    Any,
    /// Opaque tags without quotes and without `W/`.
    List(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum IfRange {
    /// A strong entity tag (weak tags never match for If-Range).
    Tag(Option<String>),
    /// An HTTP-date; `None` when unparseable (never matches).
    Date(Option<u64>),
}

/// What the validators of the stored object are.
#[derive(Debug, Clone, Copy)]
pub struct Validators<'a> {
    /// Unquoted ETag; empty when the object is still being written.
    pub etag: &'a str,
    /// Last-Modified, whole seconds since the epoch.
    pub last_modified: u64,
}

impl Conditions {
    /// Read the conditional headers through `header` (lower-case name → first value).
    pub fn from_headers<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Self {
        Self {
            if_none_match: header("if-none-match").map(parse_entity_tags),
            if_modified_since: header("if-modified-since").and_then(httpdate::parse),
            if_range: header("if-range").map(parse_if_range),
        }
    }

    /// Whether a GET/HEAD should be answered 304 Not Modified.
    pub fn not_modified(&self, v: Validators<'_>) -> bool {
        match &self.if_none_match {
            Some(EntityTags::Any) => true,
            // Weak comparison (§13.1.2); an object still being written has no tag.
            Some(EntityTags::List(tags)) => !v.etag.is_empty() && tags.iter().any(|t| t == v.etag),
            None => self
                .if_modified_since
                .is_some_and(|since| v.last_modified <= since),
        }
    }

    /// Whether a `Range` header should be honoured (true without `If-Range`).
    pub fn range_applies(&self, v: Validators<'_>) -> bool {
        match &self.if_range {
            None => true,
            Some(IfRange::Tag(tag)) => !v.etag.is_empty() && tag.as_deref() == Some(v.etag),
            Some(IfRange::Date(date)) => *date == Some(v.last_modified),
        }
    }
}

fn parse_entity_tags(value: &str) -> EntityTags {
    if value.trim() == "*" {
        return EntityTags::Any;
    }
    let tags = value
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| unquote(t.strip_prefix("W/").unwrap_or(t)).to_owned())
        .collect();
    EntityTags::List(tags)
}

fn parse_if_range(value: &str) -> IfRange {
    let value = value.trim();
    if value.starts_with("W/") {
        IfRange::Tag(None)
    } else if value.starts_with('"') {
        IfRange::Tag(Some(unquote(value).to_owned()))
    } else {
        IfRange::Date(httpdate::parse(value))
    }
}

/// `"abc"` → `abc`; an unquoted tag is taken as it is (clients copying our
/// ListItems `ETag`, which is unquoted, into If-None-Match).
fn unquote(tag: &str) -> &str {
    tag.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAG: &str = "0123abcd";
    const MODIFIED: u64 = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT
    const V: Validators<'static> = Validators {
        etag: TAG,
        last_modified: MODIFIED,
    };

    fn conditions(headers: &[(&str, &str)]) -> Conditions {
        Conditions::from_headers(|name| headers.iter().find(|(k, _)| *k == name).map(|(_, v)| *v))
    }

    #[test]
    fn no_conditional_headers_means_serve_and_honour_range() {
        let c = conditions(&[]);
        assert!(!c.not_modified(V));
        assert!(c.range_applies(V));
    }

    #[test]
    fn if_none_match_with_the_current_tag_quoted_or_not_is_not_modified() {
        assert!(conditions(&[("if-none-match", "\"0123abcd\"")]).not_modified(V));
        assert!(conditions(&[("if-none-match", "0123abcd")]).not_modified(V));
        assert!(conditions(&[("if-none-match", "W/\"0123abcd\"")]).not_modified(V));
        assert!(conditions(&[("if-none-match", "\"x\", \"0123abcd\"")]).not_modified(V));
    }

    #[test]
    fn if_none_match_with_another_tag_is_served() {
        assert!(!conditions(&[("if-none-match", "\"ffff\"")]).not_modified(V));
        assert!(!conditions(&[("if-none-match", "")]).not_modified(V));
    }

    #[test]
    fn if_none_match_star_matches_any_existing_object() {
        assert!(conditions(&[("if-none-match", "*")]).not_modified(V));
        let growing = Validators { etag: "", ..V };
        assert!(conditions(&[("if-none-match", " * ")]).not_modified(growing));
    }

    #[test]
    fn an_object_still_being_written_never_matches_a_tag() {
        let growing = Validators { etag: "", ..V };
        assert!(!conditions(&[("if-none-match", "\"\"")]).not_modified(growing));
        assert!(!conditions(&[("if-range", "\"\"")]).range_applies(growing));
    }

    #[test]
    fn if_modified_since_at_or_after_last_modified_is_not_modified() {
        assert!(
            conditions(&[("if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT")]).not_modified(V)
        );
        assert!(
            conditions(&[("if-modified-since", "Sun, 06 Nov 1994 09:00:00 GMT")]).not_modified(V)
        );
        assert!(
            !conditions(&[("if-modified-since", "Sun, 06 Nov 1994 08:49:36 GMT")]).not_modified(V)
        );
    }

    #[test]
    fn an_invalid_if_modified_since_is_ignored() {
        assert!(!conditions(&[("if-modified-since", "last tuesday")]).not_modified(V));
    }

    #[test]
    fn if_none_match_overrides_if_modified_since() {
        let c = conditions(&[
            ("if-none-match", "\"other\""),
            ("if-modified-since", "Sun, 06 Nov 2044 08:49:37 GMT"),
        ]);
        assert!(!c.not_modified(V));
    }

    #[test]
    fn if_range_with_the_current_strong_tag_or_date_keeps_the_range() {
        assert!(conditions(&[("if-range", "\"0123abcd\"")]).range_applies(V));
        assert!(conditions(&[("if-range", "Sun, 06 Nov 1994 08:49:37 GMT")]).range_applies(V));
    }

    #[test]
    fn if_range_with_a_stale_or_weak_validator_drops_the_range() {
        assert!(!conditions(&[("if-range", "\"old\"")]).range_applies(V));
        assert!(!conditions(&[("if-range", "W/\"0123abcd\"")]).range_applies(V));
        assert!(!conditions(&[("if-range", "Sun, 06 Nov 1994 08:49:38 GMT")]).range_applies(V));
        assert!(!conditions(&[("if-range", "garbage")]).range_applies(V));
    }
}
