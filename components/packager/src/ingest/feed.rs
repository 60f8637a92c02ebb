//! One ingest endpoint's side of a channel (`feed/<channel>/<ingest>`):
//! the segments it PUT that no index lists yet, and where its encoder's
//! numbering stood at the last append.
//!
//! An upload leaves the feed when it is appended (its blob then belongs to
//! the index, and retention deletes it), when the encoder PUTs the same
//! name again before it was appended, when it can never be appended (late,
//! or behind the channel's timeline after a switch-over), and when it is
//! older than what the channel retains or one of more than
//! [`MAX_UPLOADS`] — the standby endpoint's segments mostly leave that way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tributary_hls::ingest::{IngestMedia, IngestSegment};
use tributary_mediapackage::stored::Stored;

/// Most uploads a feed remembers; the oldest beyond go (a standby encoder
/// with a day-long startover window would otherwise grow the record without
/// bound, and only its newest segments can ever be appended).
pub const MAX_UPLOADS: usize = 256;

/// What one ingest endpoint delivered and the channel has not appended.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Feed {
    /// The channel's `createdAt` this feed belongs to; another value means
    /// the channel was deleted and created again: the feed starts afresh.
    pub channel_created_at: String,
    /// By file name, the latest PUT of it not appended to any index.
    #[serde(default)]
    pub uploads: BTreeMap<String, Upload>,
    /// By rendition number, the encoder's sequence number of the last
    /// segment appended from this endpoint (restart and late-arrival
    /// detection).
    #[serde(default)]
    pub last_appended: BTreeMap<u32, u64>,
    /// By media playlist name, what it listed last: a segment whose PUT
    /// finishes after the playlist that lists it (encoders do not wait for
    /// answers, so the two race) is appended when it arrives, not one
    /// playlist later.
    #[serde(default)]
    pub listings: BTreeMap<String, Listing>,
}

/// A media playlist as last PUT, reduced to what appending reads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    /// `#EXT-X-TARGETDURATION`.
    pub target_duration_s: u32,
    /// The listed segments: encoder sequence, URI, duration (ms),
    /// discontinuity before it, program date time (ms).
    pub segments: Vec<(u64, String, u32, bool, Option<i64>)>,
}

impl Listing {
    /// What `media` lists.
    pub fn of(media: &IngestMedia) -> Self {
        Self {
            target_duration_s: media.target_duration_s,
            segments: media
                .segments
                .iter()
                .map(|s| {
                    (
                        s.sequence,
                        s.uri.clone(),
                        s.duration_ms,
                        s.discontinuity,
                        s.program_date_time_ms,
                    )
                })
                .collect(),
        }
    }

    /// The playlist again.
    pub fn media(&self) -> IngestMedia {
        IngestMedia {
            target_duration_s: self.target_duration_s,
            media_sequence: self.segments.first().map_or(0, |s| s.0),
            discontinuity_sequence: 0,
            segments: self
                .segments
                .iter()
                .map(
                    |(sequence, uri, duration_ms, discontinuity, pdt)| IngestSegment {
                        sequence: *sequence,
                        uri: uri.clone(),
                        duration_ms: *duration_ms,
                        discontinuity: *discontinuity,
                        program_date_time_ms: *pdt,
                    },
                )
                .collect(),
            ended: false,
        }
    }

    /// Whether it lists `file`.
    pub fn lists(&self, file: &str) -> bool {
        self.segments.iter().any(|s| s.1 == file)
    }
}

/// One stored segment PUT.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    /// Its blob key (unique per PUT).
    pub key: String,
    /// When the PUT finished, ms since the Unix epoch (packager clock).
    pub at_ms: i64,
    /// First PTS (90 kHz) when probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pts: Option<u64>,
}

impl Stored for Feed {
    fn to_bytes(&self) -> Result<Vec<u8>, String> {
        serde_json::to_vec(self).map_err(|e| e.to_string())
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }
}

impl Feed {
    /// The stored feed if it belongs to the channel created at
    /// `created_at`, else an empty one and the blob keys of the old
    /// incarnation's uploads, to delete.
    pub fn of_channel(stored: Option<Feed>, created_at: &str) -> (Feed, Vec<String>) {
        match stored {
            Some(f) if f.channel_created_at == created_at => (f, Vec::new()),
            other => (
                Feed {
                    channel_created_at: created_at.to_owned(),
                    ..Feed::default()
                },
                other
                    .map(|f| f.uploads.into_values().map(|u| u.key).collect())
                    .unwrap_or_default(),
            ),
        }
    }

    /// Remembers `upload` as the latest PUT of `file`. Returns the blob keys
    /// no longer referenced: an earlier unappended PUT of the same name, and
    /// the oldest uploads beyond [`MAX_UPLOADS`].
    pub fn record(&mut self, file: &str, upload: Upload) -> Vec<String> {
        let mut orphans: Vec<String> = self
            .uploads
            .insert(file.to_owned(), upload)
            .map(|u| u.key)
            .into_iter()
            .collect();
        while self.uploads.len() > MAX_UPLOADS {
            let Some(oldest) = self
                .uploads
                .iter()
                .min_by_key(|(_, u)| u.at_ms)
                .map(|(f, _)| f.clone())
            else {
                break;
            };
            orphans.extend(self.uploads.remove(&oldest).map(|u| u.key));
        }
        orphans
    }

    /// Forgets `file` if its upload is still the one under `key` (a newer
    /// PUT of the name may have replaced it meanwhile). True when removed.
    pub fn take(&mut self, file: &str, key: &str) -> bool {
        if self.uploads.get(file).is_some_and(|u| u.key == key) {
            self.uploads.remove(file);
            true
        } else {
            false
        }
    }

    /// Drops uploads that finished before `cutoff_ms`; returns their keys.
    pub fn prune_before(&mut self, cutoff_ms: i64) -> Vec<String> {
        let old: Vec<String> = self
            .uploads
            .iter()
            .filter(|(_, u)| u.at_ms < cutoff_ms)
            .map(|(f, _)| f.clone())
            .collect();
        old.iter()
            .filter_map(|f| self.uploads.remove(f).map(|u| u.key))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(key: &str, at_ms: i64) -> Upload {
        Upload {
            key: key.into(),
            at_ms,
            pts: None,
        }
    }

    #[test]
    fn a_re_put_name_orphans_the_unappended_earlier_blob() {
        let mut f = Feed::default();
        assert!(f.record("a.ts", up("k1", 1)).is_empty());
        assert_eq!(f.record("a.ts", up("k2", 2)), vec!["k1".to_owned()]);
        assert!(!f.take("a.ts", "k1"), "k1 was replaced");
        assert!(f.take("a.ts", "k2"));
        assert!(f.uploads.is_empty());
    }

    #[test]
    fn the_oldest_uploads_beyond_the_cap_are_orphaned() {
        let mut f = Feed::default();
        for i in 0..MAX_UPLOADS as i64 {
            assert!(
                f.record(&format!("{i}.ts"), up(&format!("k{i}"), i))
                    .is_empty()
            );
        }
        assert_eq!(
            f.record("new.ts", up("knew", 10_000)),
            vec!["k0".to_owned()]
        );
        assert_eq!(f.uploads.len(), MAX_UPLOADS);
    }

    #[test]
    fn pruning_and_a_recreated_channel_hand_back_blob_keys() {
        let mut f = Feed::default();
        f.record("a.ts", up("ka", 10));
        f.record("b.ts", up("kb", 20));
        assert_eq!(f.prune_before(15), vec!["ka".to_owned()]);
        f.channel_created_at = "t1".into();
        let (same, none) = Feed::of_channel(Some(f.clone()), "t1");
        assert_eq!(same, f);
        assert!(none.is_empty());
        let (fresh, old) = Feed::of_channel(Some(f), "t2");
        assert_eq!(old, vec!["kb".to_owned()]);
        assert!(fresh.uploads.is_empty());
        assert_eq!(fresh.channel_created_at, "t2");
    }
}
