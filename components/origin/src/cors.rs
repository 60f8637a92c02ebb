//! CORS inputs for the policy plug: stored rules in the plug's shape, and the
//! preflight request's parts.

use tributary_guest::policy;
use tributary_mediastore::CorsRule;

/// The policy plug's form of stored MediaStore rules. A rule stored without
/// `AllowedMethods` is passed on with an empty list: what that allows is the
/// plug's call (read-only `GET`/`HEAD` in `tributary-cors`), made in one place.
pub fn rules(stored: &[CorsRule]) -> Vec<policy::CorsRule> {
    stored
        .iter()
        .map(|r| policy::CorsRule {
            allowed_origins: r.allowed_origins.clone(),
            allowed_methods: r.allowed_methods.clone().unwrap_or_default(),
            allowed_headers: r.allowed_headers.clone(),
            max_age_seconds: r
                .max_age_seconds
                .map(|s| u32::try_from(s.max(0)).unwrap_or(u32::MAX)),
            expose_headers: r.expose_headers.clone().unwrap_or_default(),
        })
        .collect()
}

/// CORS headers for an actual (non-preflight) response of a container.
/// `matched` is what the plug's `cors-simple` gave (empty when no rule
/// matched, or when the request had no `Origin`). When the container has
/// rules, the response varies by `Origin` either way, so a cache does not
/// hand a response without CORS headers to an origin that would get them.
pub fn simple_headers(
    container_has_rules: bool,
    matched: Vec<(String, String)>,
) -> Vec<(String, String)> {
    if !container_has_rules {
        Vec::new()
    } else if matched.is_empty() {
        vec![("vary".to_owned(), "Origin".to_owned())]
    } else {
        matched
    }
}

/// `Access-Control-Request-Headers` as a list of lower-case names.
pub fn requested_headers(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_rules_become_plug_rules_field_by_field() {
        let stored = CorsRule {
            allowed_origins: vec!["https://*.example.com".into()],
            allowed_methods: Some(vec!["GET".into()]),
            allowed_headers: vec!["*".into()],
            max_age_seconds: Some(3000),
            expose_headers: Some(vec!["ETag".into()]),
        };
        let r = &rules(&[stored])[0];
        assert_eq!(r.allowed_origins, ["https://*.example.com"]);
        assert_eq!(r.allowed_methods, ["GET"]);
        assert_eq!(r.allowed_headers, ["*"]);
        assert_eq!(r.max_age_seconds, Some(3000));
        assert_eq!(r.expose_headers, ["ETag"]);
    }

    #[test]
    fn a_rule_without_methods_leaves_the_default_to_the_plug_and_odd_max_ages_are_clamped() {
        let stored = CorsRule {
            allowed_origins: vec!["*".into()],
            allowed_methods: None,
            allowed_headers: vec![],
            max_age_seconds: Some(-5),
            expose_headers: None,
        };
        let r = &rules(std::slice::from_ref(&stored))[0];
        assert!(r.allowed_methods.is_empty());
        assert_eq!(r.max_age_seconds, Some(0));
        assert!(r.expose_headers.is_empty());
        let big = CorsRule {
            max_age_seconds: Some(i64::MAX),
            ..stored
        };
        assert_eq!(rules(&[big])[0].max_age_seconds, Some(u32::MAX));
    }

    #[test]
    fn containers_without_cors_rules_add_no_cors_headers() {
        assert!(simple_headers(false, Vec::new()).is_empty());
    }

    #[test]
    fn a_container_with_rules_always_varies_by_origin() {
        assert_eq!(
            simple_headers(true, Vec::new()),
            [("vary".to_owned(), "Origin".to_owned())]
        );
        let matched = vec![
            ("Access-Control-Allow-Origin".to_owned(), "*".to_owned()),
            ("Vary".to_owned(), "Origin".to_owned()),
        ];
        assert_eq!(simple_headers(true, matched.clone()), matched);
    }

    #[test]
    fn requested_headers_are_split_trimmed_and_lower_cased() {
        assert_eq!(
            requested_headers(Some("Range, X-Amz-Date ,,authorization")),
            ["range", "x-amz-date", "authorization"]
        );
        assert!(requested_headers(None).is_empty());
        assert!(requested_headers(Some(" , ")).is_empty());
    }
}
