//! How the `ingest` store's values are written as bytes.
//!
//! [`IngestState`] is JSON, like every other record. [`StoredIndex`] is read
//! on every playlist and segment request and holds up to thousands of
//! segments (an hour of 2 s segments is 1800), so it has a compact binary
//! form: parsing the JSON of an 1800-segment index took over 2 ms inside the
//! packager, most of a playlist request. Indexes written as JSON by earlier
//! builds are still read.
//!
//! Binary index, all integers little-endian:
//!
//! | bytes | field |
//! | --- | --- |
//! | 4 | magic `TIX1` |
//! | 4 | target duration, s |
//! | 4 + 8·d | d, then each discontinuity sequence |
//! | 4 | n, the segment count |
//! | n × (33 + k) | sequence u64, duration ms u32, PDT ms i64, PTS u64, flags u8 (1 = discontinuity, 2 = has PTS), key length u32, k key bytes (UTF-8) |

use crate::ingest::{IngestState, StoredIndex, StoredSegment};

/// A value of the `ingest` store, as bytes.
pub trait Stored: Sized {
    /// The bytes to store.
    fn to_bytes(&self) -> Result<Vec<u8>, String>;
    /// The value back; the error says what is wrong with `bytes`.
    fn from_bytes(bytes: &[u8]) -> Result<Self, String>;
}

impl Stored for IngestState {
    fn to_bytes(&self) -> Result<Vec<u8>, String> {
        serde_json::to_vec(self).map_err(|e| e.to_string())
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }
}

const MAGIC: &[u8; 4] = b"TIX1";
const DISCONTINUITY: u8 = 1;
const HAS_PTS: u8 = 2;
/// Fixed bytes of one segment before its key.
const SEGMENT_HEAD: usize = 8 + 4 + 8 + 8 + 1 + 4;

impl Stored for StoredIndex {
    fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let keys: usize = self.segments.iter().map(|s| s.key.len()).sum();
        let mut out = Vec::with_capacity(
            16 + 8 * self.discontinuities.len() + SEGMENT_HEAD * self.segments.len() + keys,
        );
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.target_duration_s.to_le_bytes());
        out.extend_from_slice(&len_u32(self.discontinuities.len()).to_le_bytes());
        for d in &self.discontinuities {
            out.extend_from_slice(&d.to_le_bytes());
        }
        out.extend_from_slice(&len_u32(self.segments.len()).to_le_bytes());
        for s in &self.segments {
            out.extend_from_slice(&s.sequence.to_le_bytes());
            out.extend_from_slice(&s.duration_ms.to_le_bytes());
            out.extend_from_slice(&s.program_date_time_ms.to_le_bytes());
            out.extend_from_slice(&s.pts.unwrap_or(0).to_le_bytes());
            let flags = if s.discontinuity { DISCONTINUITY } else { 0 }
                | if s.pts.is_some() { HAS_PTS } else { 0 };
            out.push(flags);
            out.extend_from_slice(&len_u32(s.key.len()).to_le_bytes());
            out.extend_from_slice(s.key.as_bytes());
        }
        Ok(out)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let decoded = decode_index(bytes, |head, key| {
            let key = std::str::from_utf8(key)
                .map_err(|_| format!("segment {}: key is not UTF-8", head.sequence))?;
            Ok(StoredSegment {
                sequence: head.sequence,
                duration_ms: head.duration_ms,
                program_date_time_ms: head.program_date_time_ms,
                pts: head.pts,
                discontinuity: head.discontinuity,
                key: key.to_owned(),
            })
        })?;
        Ok(Self {
            target_duration_s: decoded.target_duration_s,
            segments: decoded
                .segments
                .into_iter()
                .collect::<Result<_, String>>()?,
            discontinuities: decoded.discontinuities,
        })
    }
}

/// A segment's fields besides its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentHead {
    /// See [`StoredSegment::sequence`].
    pub sequence: u64,
    /// See [`StoredSegment::duration_ms`].
    pub duration_ms: u32,
    /// See [`StoredSegment::program_date_time_ms`].
    pub program_date_time_ms: i64,
    /// See [`StoredSegment::pts`].
    pub pts: Option<u64>,
    /// See [`StoredSegment::discontinuity`].
    pub discontinuity: bool,
}

/// A stored index whose segments are the caller's type.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded<T> {
    /// See [`StoredIndex::target_duration_s`].
    pub target_duration_s: u32,
    /// One per stored segment, oldest first.
    pub segments: Vec<T>,
    /// See [`StoredIndex::discontinuities`].
    pub discontinuities: Vec<u64>,
}

/// Reads a stored index, making each segment with `each` from its fields
/// and its key's bytes (borrowed from `bytes`, UTF-8 unchecked): a playlist,
/// which needs no key, reads an hour of segments without allocating or
/// checking 1800 strings.
pub fn decode_index<T>(
    bytes: &[u8],
    mut each: impl FnMut(SegmentHead, &[u8]) -> T,
) -> Result<Decoded<T>, String> {
    if bytes.first() == Some(&b'{') {
        let json: StoredIndex = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        return Ok(Decoded {
            target_duration_s: json.target_duration_s,
            segments: json
                .segments
                .iter()
                .map(|s| each(s.head(), s.key.as_bytes()))
                .collect(),
            discontinuities: json.discontinuities,
        });
    }
    let mut r = Reader { bytes, at: 0 };
    if r.take(4)? != MAGIC {
        return Err("not a segment index (no TIX1 magic)".into());
    }
    let target_duration_s = r.u32()?;
    let count = r.count(8)?;
    let mut discontinuities = Vec::with_capacity(count);
    for _ in 0..count {
        discontinuities.push(r.u64()?);
    }
    let count = r.count(SEGMENT_HEAD)?;
    let mut segments = Vec::with_capacity(count);
    for _ in 0..count {
        let mut head = r.take(SEGMENT_HEAD)?;
        let sequence = u64::from_le_bytes(field(&mut head));
        let duration_ms = u32::from_le_bytes(field(&mut head));
        let program_date_time_ms = i64::from_le_bytes(field(&mut head));
        let pts = u64::from_le_bytes(field(&mut head));
        let [flags] = field(&mut head);
        let key_len = u32::from_le_bytes(field(&mut head));
        let key = r.take(usize::try_from(key_len).map_err(|e| e.to_string())?)?;
        let head = SegmentHead {
            sequence,
            duration_ms,
            program_date_time_ms,
            pts: (flags & HAS_PTS != 0).then_some(pts),
            discontinuity: flags & DISCONTINUITY != 0,
        };
        segments.push(each(head, key));
    }
    if r.at != bytes.len() {
        return Err(format!(
            "{} bytes after the last segment",
            bytes.len() - r.at
        ));
    }
    Ok(Decoded {
        target_duration_s,
        segments,
        discontinuities,
    })
}

impl StoredSegment {
    /// Its fields besides the key.
    pub fn head(&self) -> SegmentHead {
        SegmentHead {
            sequence: self.sequence,
            duration_ms: self.duration_ms,
            program_date_time_ms: self.program_date_time_ms,
            pts: self.pts,
            discontinuity: self.discontinuity,
        }
    }
}

/// The next `N` bytes of a segment's fixed head (always there: the head
/// was taken whole).
#[inline]
fn field<const N: usize>(head: &mut &[u8]) -> [u8; N] {
    match head.split_first_chunk::<N>() {
        Some((field, rest)) => {
            *head = rest;
            *field
        }
        None => [0; N],
    }
}

/// Lengths are u32 on disk; an index never comes near 4 GiB.
fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| format!("index truncated at byte {}", self.at))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    #[inline]
    fn u32(&mut self) -> Result<u32, String> {
        self.array().map(u32::from_le_bytes)
    }

    #[inline]
    fn u64(&mut self) -> Result<u64, String> {
        self.array().map(u64::from_le_bytes)
    }

    /// A count of items at least `each` bytes long, checked against what is
    /// left so a corrupt count cannot ask for a huge allocation.
    fn count(&mut self, each: usize) -> Result<usize, String> {
        let n = usize::try_from(self.u32()?).map_err(|e| e.to_string())?;
        let left = self.bytes.len() - self.at;
        if n.saturating_mul(each) > left {
            return Err(format!(
                "index claims {n} items but only {left} bytes remain"
            ));
        }
        Ok(n)
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn index() -> StoredIndex {
        StoredIndex {
            target_duration_s: 2,
            segments: (0..5)
                .map(|i| StoredSegment {
                    sequence: 100 + i,
                    duration_ms: 2000 - u32::try_from(i).unwrap(),
                    program_date_time_ms: -5 + i64::try_from(i).unwrap() * 2000,
                    pts: (i != 2).then_some(8_589_934_591 - i),
                    discontinuity: i == 3,
                    key: format!(".packager/c/a/{i}-ff/seg é{i}.ts"),
                })
                .collect(),
            discontinuities: vec![7, 103],
        }
    }

    #[test]
    fn an_index_round_trips() {
        let index = index();
        assert_eq!(
            StoredIndex::from_bytes(&index.to_bytes().unwrap()).unwrap(),
            index
        );
        let empty = StoredIndex::default();
        assert_eq!(
            StoredIndex::from_bytes(&empty.to_bytes().unwrap()).unwrap(),
            empty
        );
    }

    #[test]
    fn a_timeline_reads_without_keys_alike_from_binary_and_json() {
        let index = index();
        let heads = |bytes: &[u8]| decode_index(bytes, |head, _| head).unwrap();
        let binary = heads(&index.to_bytes().unwrap());
        assert_eq!(binary, heads(&serde_json::to_vec(&index).unwrap()));
        assert_eq!(binary.segments.len(), 5);
        assert_eq!(binary.segments[2].pts, None);
        assert!(binary.segments[3].discontinuity);
        assert_eq!(binary.discontinuities, [7, 103]);
    }

    #[test]
    fn an_index_written_as_json_by_an_earlier_build_is_read() {
        let index = index();
        let json = serde_json::to_vec(&index).unwrap();
        assert_eq!(StoredIndex::from_bytes(&json).unwrap(), index);
    }

    #[test]
    fn every_truncation_and_a_trailing_byte_are_refused() {
        let bytes = index().to_bytes().unwrap();
        for n in 0..bytes.len() {
            assert!(StoredIndex::from_bytes(&bytes[..n]).is_err(), "{n} bytes");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(StoredIndex::from_bytes(&longer).is_err());
    }

    #[test]
    fn corrupt_bytes_give_errors_not_panics_or_huge_allocations() {
        let bytes = index().to_bytes().unwrap();
        // A segment count of u32::MAX is refused before allocating.
        let mut huge = bytes.clone();
        let at = 4 + 4 + 4 + 16;
        huge[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(
            StoredIndex::from_bytes(&huge)
                .unwrap_err()
                .contains("claims")
        );
        // Every single-byte flip either decodes or errors.
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xa5;
            let _ = StoredIndex::from_bytes(&b);
        }
        assert!(StoredIndex::from_bytes(b"XXXX").is_err());
        let mut bad_utf8 = index();
        bad_utf8.segments.truncate(1);
        let mut b = bad_utf8.to_bytes().unwrap();
        let last = b.len() - 1;
        b[last] = 0xff;
        assert!(StoredIndex::from_bytes(&b).unwrap_err().contains("UTF-8"));
    }

    #[test]
    fn the_binary_form_is_much_smaller_than_json() {
        let index = index();
        assert!(
            index.to_bytes().unwrap().len() * 3 < serde_json::to_vec(&index).unwrap().len() * 2
        );
    }
}
