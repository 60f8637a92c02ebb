//! The `Range` request header (RFC 9110 §14), as GetObject takes it: one byte
//! range. Anything else — other units, several ranges, malformed syntax — is
//! ignored and the whole object served, as HTTP allows.

/// One byte range, as written by the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=a-b`: from `a` to `b`, inclusive.
    FromTo(u64, u64),
    /// `bytes=a-`: from `a` to the end.
    From(u64),
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// Parse a `Range` header value. `None` means "ignore the header": not
    /// `bytes`, more than one range, or not a valid range-spec. Numbers too
    /// large for `u64` saturate, so `bytes=99999999999999999999-` is a valid
    /// range that no object satisfies rather than a syntax error.
    pub fn parse(value: &str) -> Option<Self> {
        let (unit, spec) = value.trim().split_once('=')?;
        if !unit.trim().eq_ignore_ascii_case("bytes") {
            return None;
        }
        let spec = spec.trim();
        if spec.contains(',') {
            return None;
        }
        let (first, last) = spec.split_once('-')?;
        let (first, last) = (first.trim(), last.trim());
        match (first.is_empty(), last.is_empty()) {
            (true, true) => None,
            (true, false) => Some(Self::Suffix(number(last)?)),
            (false, true) => Some(Self::From(number(first)?)),
            (false, false) => {
                let (a, b) = (number(first)?, number(last)?);
                // RFC 9110 §14.1.1: last-pos < first-pos makes the range invalid.
                (a <= b).then_some(Self::FromTo(a, b))
            }
        }
    }

    /// The inclusive `(first, last)` byte offsets this range selects from an
    /// object of `size` bytes, or `None` when it selects nothing (416).
    pub fn resolve(self, size: u64) -> Option<(u64, u64)> {
        let last_byte = size.checked_sub(1)?;
        match self {
            Self::FromTo(a, _) | Self::From(a) if a >= size => None,
            Self::FromTo(a, b) => Some((a, b.min(last_byte))),
            Self::From(a) => Some((a, last_byte)),
            Self::Suffix(0) => None,
            Self::Suffix(n) => Some((size - n.min(size), last_byte)),
        }
    }
}

impl ByteRange {
    /// The blob store's form of this range (same semantics: inclusive end,
    /// clamped to the object; suffix of the last `n` bytes).
    pub fn to_blob(self) -> tributary_guest::blob::ByteRange {
        use tributary_guest::blob::ByteRange as Blob;
        match self {
            Self::FromTo(a, b) => Blob::StartingAt((a, Some(b))),
            Self::From(a) => Blob::StartingAt((a, None)),
            Self::Suffix(n) => Blob::Suffix(n),
        }
    }
}

/// Digits only (no sign, no spaces inside), saturating at `u64::MAX`.
fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse().unwrap_or(u64::MAX))
}

/// `Content-Range` of a 206: `bytes first-last/size`.
pub fn content_range(first: u64, last: u64, size: u64) -> String {
    format!("bytes {first}-{last}/{size}")
}

/// `Content-Range` of a 416: `bytes */size`.
pub fn unsatisfied_range(size: u64) -> String {
    format!("bytes */{size}")
}

#[cfg(test)]
mod tests {
    use super::ByteRange::{self, *};
    use super::*;

    #[test]
    fn the_three_range_forms_parse() {
        assert_eq!(ByteRange::parse("bytes=0-99"), Some(FromTo(0, 99)));
        assert_eq!(ByteRange::parse("bytes=100-"), Some(From(100)));
        assert_eq!(ByteRange::parse("bytes=-500"), Some(Suffix(500)));
    }

    #[test]
    fn the_unit_is_case_insensitive_and_whitespace_is_tolerated() {
        assert_eq!(ByteRange::parse(" Bytes = 1 - 2 "), Some(FromTo(1, 2)));
    }

    #[test]
    fn malformed_and_multi_ranges_are_ignored() {
        for v in [
            "",
            "bytes",
            "bytes=",
            "bytes=-",
            "bytes=a-b",
            "bytes=5-3",
            "bytes=+1-2",
            "bytes=1-2-3",
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=1 0-2",
        ] {
            assert_eq!(ByteRange::parse(v), None, "{v:?}");
        }
    }

    #[test]
    fn huge_numbers_saturate_instead_of_failing_to_parse() {
        assert_eq!(
            ByteRange::parse("bytes=99999999999999999999999-"),
            Some(From(u64::MAX))
        );
        assert_eq!(From(u64::MAX).resolve(10), None);
        assert_eq!(
            ByteRange::parse("bytes=0-99999999999999999999999"),
            Some(FromTo(0, u64::MAX))
        );
        assert_eq!(FromTo(0, u64::MAX).resolve(10), Some((0, 9)));
    }

    #[test]
    fn ranges_resolve_against_the_object_size() {
        assert_eq!(FromTo(0, 1).resolve(10), Some((0, 1)));
        assert_eq!(FromTo(5, 50).resolve(10), Some((5, 9)));
        assert_eq!(FromTo(9, 9).resolve(10), Some((9, 9)));
        assert_eq!(From(3).resolve(10), Some((3, 9)));
        assert_eq!(Suffix(4).resolve(10), Some((6, 9)));
        assert_eq!(Suffix(40).resolve(10), Some((0, 9)));
    }

    #[test]
    fn ranges_starting_at_or_past_the_end_are_unsatisfiable() {
        assert_eq!(FromTo(10, 20).resolve(10), None);
        assert_eq!(From(10).resolve(10), None);
    }

    #[test]
    fn a_zero_suffix_and_any_range_of_an_empty_object_are_unsatisfiable() {
        assert_eq!(Suffix(0).resolve(10), None);
        assert_eq!(Suffix(5).resolve(0), None);
        assert_eq!(FromTo(0, 0).resolve(0), None);
        assert_eq!(From(0).resolve(0), None);
    }

    #[test]
    fn ranges_map_onto_the_blob_store_range_one_to_one() {
        use tributary_guest::blob::ByteRange as Blob;
        assert!(matches!(
            FromTo(1, 2).to_blob(),
            Blob::StartingAt((1, Some(2)))
        ));
        assert!(matches!(From(7).to_blob(), Blob::StartingAt((7, None))));
        assert!(matches!(Suffix(3).to_blob(), Blob::Suffix(3)));
    }

    #[test]
    fn content_range_values_follow_rfc_9110() {
        assert_eq!(content_range(0, 1, 10), "bytes 0-1/10");
        assert_eq!(unsatisfied_range(10), "bytes */10");
    }
}
