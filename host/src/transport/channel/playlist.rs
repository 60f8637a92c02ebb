//! The playlists a channel output pushes, as an encoder writes them for
//! MediaPackage ingest: a master playlist `channel.m3u8` naming one
//! rendition, its rolling media playlist `channel_1.m3u8`, and segments
//! `channel_1_<n>.ts` next to them (the layout of
//! `tributary_mediapackage::url` and of ffmpeg's `-f hls` with a master
//! playlist). Sans-IO: text in, text out.

use std::collections::VecDeque;

use time::OffsetDateTime;
use time::macros::format_description;

/// The master playlist's file name.
pub const MASTER: &str = "channel.m3u8";
/// The media playlist's file name.
pub const MEDIA: &str = "channel_1.m3u8";
/// Segments a media playlist lists: the packager only needs the newest, the
/// rest cover a push it missed.
pub const WINDOW: usize = 8;

/// The file name of segment `sequence`.
pub fn segment_name(sequence: u64) -> String {
    format!("channel_1_{sequence:05}.ts")
}

/// One listed segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The media sequence number.
    pub sequence: u64,
    /// `#EXTINF`, milliseconds.
    pub duration_ms: u32,
    /// `#EXT-X-PROGRAM-DATE-TIME`, epoch milliseconds.
    pub program_date_time_ms: i64,
    /// `#EXT-X-DISCONTINUITY` before it.
    pub discontinuity: bool,
}

/// A live media playlist over the last [`WINDOW`] segments.
#[derive(Debug, Clone)]
pub struct MediaPlaylist {
    entries: VecDeque<Entry>,
    discontinuity_sequence: u64,
    /// `#EXT-X-TARGETDURATION`: never lowered (RFC 8216 §6.2.1 forbids
    /// changing it; raising it is the lesser harm when a GOP outgrows it).
    target_s: u32,
}

impl MediaPlaylist {
    /// An empty playlist announcing `target_s`.
    pub fn new(target_s: u32) -> Self {
        Self {
            entries: VecDeque::new(),
            discontinuity_sequence: 0,
            target_s: target_s.max(1),
        }
    }

    /// Adds the newest segment, dropping the oldest past the window.
    pub fn push(&mut self, entry: Entry) {
        self.target_s = self.target_s.max(entry.duration_ms.div_ceil(1000));
        self.entries.push_back(entry);
        while self.entries.len() > WINDOW {
            // RFC 8216 §4.3.3.3: count each discontinuity tag that leaves.
            if self
                .entries
                .pop_front()
                .is_some_and(|old| old.discontinuity)
            {
                self.discontinuity_sequence += 1;
            }
        }
    }

    /// The playlist text.
    pub fn render(&self) -> String {
        let first = self.entries.front().map_or(0, |e| e.sequence);
        let mut out = format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{}\n#EXT-X-MEDIA-SEQUENCE:{first}\n",
            self.target_s
        );
        if self.discontinuity_sequence > 0 {
            out.push_str(&format!(
                "#EXT-X-DISCONTINUITY-SEQUENCE:{}\n",
                self.discontinuity_sequence
            ));
        }
        for e in &self.entries {
            if e.discontinuity {
                out.push_str("#EXT-X-DISCONTINUITY\n");
            }
            out.push_str(&format!(
                "#EXT-X-PROGRAM-DATE-TIME:{}\n#EXTINF:{}.{:03},\n{}\n",
                date_time(e.program_date_time_ms),
                e.duration_ms / 1000,
                e.duration_ms % 1000,
                segment_name(e.sequence)
            ));
        }
        out
    }
}

/// The master playlist: one rendition of `bandwidth` bits per second.
pub fn master(bandwidth: u64, codecs: Option<&str>) -> String {
    let codecs = codecs.map_or(String::new(), |c| format!(",CODECS=\"{c}\""));
    format!("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH={bandwidth}{codecs}\n{MEDIA}\n")
}

/// RFC 3339 in UTC with milliseconds, as HLS players expect.
fn date_time(ms: i64) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_owned())
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn entry(sequence: u64, discontinuity: bool) -> Entry {
        Entry {
            sequence,
            duration_ms: 2_002,
            program_date_time_ms: 1_700_000_000_000 + sequence as i64 * 2_002,
            discontinuity,
        }
    }

    #[test]
    fn the_media_playlist_lists_the_window_with_dates_and_durations() {
        let mut p = MediaPlaylist::new(2);
        p.push(entry(41, true));
        p.push(entry(42, false));
        assert_eq!(
            p.render(),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:41\n\
             #EXT-X-DISCONTINUITY\n\
             #EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:14:42.082Z\n#EXTINF:2.002,\nchannel_1_00041.ts\n\
             #EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:14:44.084Z\n#EXTINF:2.002,\nchannel_1_00042.ts\n"
        );
    }

    #[test]
    fn discontinuities_leaving_the_window_are_counted() {
        let mut p = MediaPlaylist::new(6);
        p.push(entry(0, true));
        p.push(entry(1, true));
        for n in 2..=(WINDOW as u64 + 1) {
            p.push(entry(n, false));
        }
        let text = p.render();
        assert!(text.contains("#EXT-X-MEDIA-SEQUENCE:2\n"), "{text}");
        assert!(text.contains("#EXT-X-DISCONTINUITY-SEQUENCE:2\n"), "{text}");
        assert!(!text.contains("#EXT-X-DISCONTINUITY\n"), "{text}");
        // The packager's own ingest parser reads it back.
        let parsed = tributary_hls::ingest::parse_media(text.as_bytes()).unwrap();
        assert_eq!(parsed.target_duration_s, 6);
        assert_eq!(
            (parsed.media_sequence, parsed.discontinuity_sequence),
            (2, 2)
        );
        assert_eq!(parsed.segments.len(), WINDOW);
        let first = parsed.segments.first().unwrap();
        assert_eq!((first.sequence, first.duration_ms), (2, 2_002));
        assert_eq!(first.uri, "channel_1_00002.ts");
        assert_eq!(
            first.program_date_time_ms,
            Some(1_700_000_000_000 + 2 * 2_002)
        );
    }

    #[test]
    fn the_master_names_the_media_playlist() {
        assert_eq!(
            master(1_200_000, Some("avc1.64001e,mp4a.40.2")),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=1200000,CODECS=\"avc1.64001e,mp4a.40.2\"\nchannel_1.m3u8\n"
        );
        assert!(!master(5, None).contains("CODECS"));
        let parsed = tributary_hls::ingest::parse_master(master(5, None).as_bytes()).unwrap();
        assert_eq!(parsed.renditions.len(), 1);
    }
}
