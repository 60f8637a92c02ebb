//! IAM wildcards: `*` matches any run of characters (also none), `?` exactly one.

/// Whether `text` matches `pattern`, character by character (case-sensitive:
/// callers lower-case both sides where IAM compares without case).
///
/// Greedy with one backtrack point, so linear-ish and never recursive: a
/// hostile `*a*a*a*…` pattern cannot blow the stack.
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    let p: alloc::vec::Vec<char> = pattern.chars().collect();
    let t: alloc::vec::Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    // Position of the last `*` seen, and the text position it is tried at.
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = t.get(ti) {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&q) if q == '?' || q == c => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.iter().skip(pi).all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn star_matches_any_run_including_none() {
        assert!(matches("mediastore:Get*", "mediastore:GetObject"));
        assert!(matches("mediastore:Get*", "mediastore:Get"));
        assert!(matches("*", ""));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(matches("a*b*c", "abc"));
        assert!(!matches("a*b*c", "acb"));
        assert!(matches(
            "arn:aws:mediastore:*:*:container/live/*",
            "arn:aws:mediastore:us-east-1:1:container/live/a/b.ts"
        ));
    }

    #[test]
    fn question_mark_matches_exactly_one_character() {
        assert!(matches("a?c", "abc"));
        assert!(matches("a?c", "aéc"));
        assert!(!matches("a?c", "ac"));
        assert!(!matches("a?c", "abbc"));
    }

    #[test]
    fn matching_is_case_sensitive() {
        assert!(!matches("Live/*", "live/a"));
    }

    #[test]
    fn pathological_patterns_finish() {
        let pattern = "*a".repeat(200);
        let text = "a".repeat(199) + "b";
        assert!(!matches(&pattern, &text));
    }
}
