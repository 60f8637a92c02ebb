//! What a remux of a stored segment said about its tracks, remembered
//! between the requests a warm instance serves. A DASH MPD or a CMAF master
//! playlist names each rendition's codecs, resolution and sample rate from
//! its newest segment, and remuxing that segment for every manifest request
//! (players poll them every few seconds) cost a blob read and a remux per
//! rendition. Blob keys name immutable bytes (every ingest PUT gets a key of
//! its own), so what a key's remux said stays true.

use std::collections::VecDeque;

use tributary_hls as hls;

/// Keys remembered; the oldest goes first (a channel's renditions times a
/// few endpoints' newest segments fit many times over).
pub const ENTRIES: usize = 64;

/// Track information by blob key, the newest [`ENTRIES`].
#[derive(Debug, Default)]
pub struct TrackMemo {
    entries: VecDeque<(String, Vec<hls::TrackInfo>)>,
}

impl TrackMemo {
    /// The tracks remembered for blob `key`.
    pub fn get(&self, key: &str) -> Option<Vec<hls::TrackInfo>> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, tracks)| tracks.clone())
    }

    /// Remember `tracks` for blob `key`, forgetting the oldest beyond
    /// [`ENTRIES`].
    pub fn put(&mut self, key: &str, tracks: Vec<hls::TrackInfo>) {
        if self.entries.iter().any(|(k, _)| k == key) {
            return;
        }
        if self.entries.len() == ENTRIES {
            self.entries.pop_front();
        }
        self.entries.push_back((key.to_owned(), tracks));
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn video(codec: &str) -> Vec<hls::TrackInfo> {
        vec![hls::TrackInfo {
            track: hls::Track::Video,
            codec: codec.into(),
            resolution: None,
            sample_rate: None,
            channels: None,
        }]
    }

    #[test]
    fn a_key_is_remembered_until_it_is_the_oldest_of_too_many() {
        let mut memo = TrackMemo::default();
        memo.put("k0", video("avc1.64001F"));
        assert_eq!(memo.get("k0").unwrap()[0].codec, "avc1.64001F");
        assert!(memo.get("k1").is_none());
        // The first answer for a key stands (its bytes never change).
        memo.put("k0", video("other"));
        assert_eq!(memo.get("k0").unwrap()[0].codec, "avc1.64001F");
        for i in 1..ENTRIES {
            memo.put(&format!("k{i}"), video("avc1.42C01E"));
        }
        assert!(memo.get("k0").is_some());
        memo.put("one more", video("avc1.42C01E"));
        assert!(memo.get("k0").is_none());
        assert!(memo.get("k1").is_some());
        assert!(memo.get("one more").is_some());
    }
}
