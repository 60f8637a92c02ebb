//! Listing logic shared by the blob backends: roll keys up at a delimiter and
//! cut sorted entries into stateless pages (the cursor is the last entry
//! returned, so no server-side state survives between pages).

use super::blob::{ListPage, ObjectMeta};
use super::upload::Registry;
use std::iter::Peekable;

/// One listing entry before its metadata is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// An object key.
    Object(String),
    /// A common prefix, ending in the delimiter.
    Prefix(String),
}

impl Entry {
    /// The key or prefix; entries sort by it.
    pub(crate) fn name(&self) -> &str {
        match self {
            Entry::Object(name) | Entry::Prefix(name) => name,
        }
    }

    /// The entry `key` (which starts with `prefix`) shows up as: itself, or
    /// the common prefix up to the first `delimiter` after `prefix`.
    pub(crate) fn for_key(key: String, prefix: &str, delimiter: Option<&str>) -> Entry {
        let delimiter = delimiter.filter(|d| !d.is_empty());
        if let (Some(d), Some(rest)) = (delimiter, key.get(prefix.len()..))
            && let Some(at) = rest.find(d)
        {
            let end = prefix.len() + at + d.len();
            return Entry::Prefix(key[..end].to_owned());
        }
        Entry::Object(key)
    }
}

/// Take one page of at most `limit` entries (0 counts as 1) from `entries`,
/// which must be sorted by name; consecutive duplicates (a prefix seen once
/// per key under it) count once, and names up to and including `cursor` are
/// skipped. The returned cursor is the last name when more entries follow.
pub(crate) fn page<E>(
    entries: impl Iterator<Item = Result<Entry, E>>,
    cursor: Option<&str>,
    limit: u32,
) -> Result<(Vec<Entry>, Option<String>), E> {
    let limit = usize::try_from(limit.max(1)).unwrap_or(usize::MAX);
    let mut out: Vec<Entry> = Vec::new();
    for entry in entries {
        let entry = entry?;
        if cursor.is_some_and(|c| entry.name() <= c)
            || out.last().is_some_and(|last| last.name() == entry.name())
        {
            continue;
        }
        if out.len() == limit {
            // One more entry exists beyond the page: hand out a cursor.
            let next = out.last().map(|e| e.name().to_owned());
            return Ok((out, next));
        }
        out.push(entry);
    }
    Ok((out, None))
}

/// Merge two name-sorted entry sequences into one sorted sequence (duplicates
/// stay adjacent, [`page`] drops them).
pub(crate) struct MergeSorted<A: Iterator, B: Iterator> {
    a: Peekable<A>,
    b: Peekable<B>,
}

impl<A: Iterator, B: Iterator> MergeSorted<A, B> {
    pub(crate) fn new(a: A, b: B) -> Self {
        Self {
            a: a.peekable(),
            b: b.peekable(),
        }
    }
}

impl<E, A, B> Iterator for MergeSorted<A, B>
where
    A: Iterator<Item = Result<Entry, E>>,
    B: Iterator<Item = Entry>,
{
    type Item = Result<Entry, E>;

    fn next(&mut self) -> Option<Self::Item> {
        let take_b = match (self.a.peek(), self.b.peek()) {
            (_, None) => false,
            (None, Some(_)) => true,
            // An error from `a` comes out first so it is not lost.
            (Some(Err(_)), Some(_)) => false,
            (Some(Ok(a)), Some(b)) => b.name() < a.name(),
        };
        if take_b {
            self.b.next().map(Ok)
        } else {
            self.a.next()
        }
    }
}

/// Turn one page of entries into a [`ListPage`]: prefixes as they are,
/// objects with their metadata — an upload in progress from `uploads`, the
/// rest from `stored` (`None`: gone since it was listed, so left out).
pub(crate) fn assemble<E>(
    entries: Vec<Entry>,
    cursor: Option<String>,
    uploads: &Registry,
    mut stored: impl FnMut(&str) -> Result<Option<ObjectMeta>, E>,
) -> Result<ListPage, E> {
    let mut out = ListPage {
        cursor,
        ..ListPage::default()
    };
    for entry in entries {
        match entry {
            Entry::Prefix(p) => out.common_prefixes.push(p),
            Entry::Object(key) => match uploads.get(&key) {
                Some(upload) => out.objects.push(upload.meta()),
                None => out.objects.extend(stored(&key)?),
            },
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    fn entries(
        keys: &[&str],
        prefix: &str,
        delimiter: Option<&str>,
    ) -> Vec<Result<Entry, Infallible>> {
        keys.iter()
            .map(|k| Ok(Entry::for_key((*k).to_owned(), prefix, delimiter)))
            .collect()
    }

    fn names(page: &[Entry]) -> Vec<&str> {
        page.iter().map(Entry::name).collect()
    }

    #[test]
    fn keys_roll_up_at_the_first_delimiter_after_the_prefix() {
        let e = |k: &str, p, d| Entry::for_key(k.into(), p, d);
        assert_eq!(e("a/b/c", "", Some("/")), Entry::Prefix("a/".into()));
        assert_eq!(e("a/b/c", "a/", Some("/")), Entry::Prefix("a/b/".into()));
        assert_eq!(e("a/b/c", "a/b/", Some("/")), Entry::Object("a/b/c".into()));
        assert_eq!(e("a/b/c", "", None), Entry::Object("a/b/c".into()));
        assert_eq!(e("seg-1-x", "seg", Some("-")), Entry::Prefix("seg-".into()));
        assert_eq!(e("a/b", "", Some("")), Entry::Object("a/b".into()));
    }

    #[test]
    fn pages_count_prefixes_once_and_resume_after_the_cursor() {
        let keys = ["a/1", "a/2", "b", "c/1", "d"];
        let (first, cursor) = page(entries(&keys, "", Some("/")).into_iter(), None, 2).unwrap();
        assert_eq!(names(&first), ["a/", "b"]);
        assert_eq!(cursor.as_deref(), Some("b"));
        let (second, cursor) = page(
            entries(&keys, "", Some("/")).into_iter(),
            cursor.as_deref(),
            2,
        )
        .unwrap();
        assert_eq!(names(&second), ["c/", "d"]);
        assert_eq!(cursor, None, "nothing follows d");
        let (after_prefix, _) =
            page(entries(&keys, "", Some("/")).into_iter(), Some("a/"), 10).unwrap();
        assert_eq!(names(&after_prefix), ["b", "c/", "d"]);
        let (zero, cursor) = page(entries(&keys, "", None).into_iter(), None, 0).unwrap();
        assert_eq!(
            (names(&zero), cursor.as_deref()),
            (vec!["a/1"], Some("a/1"))
        );
    }

    #[test]
    fn merging_keeps_name_order() {
        let a = entries(&["a", "c", "e"], "", None);
        let b = vec![
            Entry::Object("b".into()),
            Entry::Object("c".into()),
            Entry::Object("f".into()),
        ];
        let merged: Vec<_> = MergeSorted::new(a.into_iter(), b.into_iter())
            .map(|e| e.unwrap())
            .collect();
        assert_eq!(names(&merged), ["a", "b", "c", "c", "e", "f"]);
    }
}
