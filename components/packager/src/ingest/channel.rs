//! The channel-wide ingest state (`state/<channel>`, the contract's
//! [`IngestState`]): which incarnation of the channel it belongs to, the
//! renditions and their numbers, and which ingest endpoint feeds the
//! channel.
//!
//! Redundancy: the active endpoint's new segments are appended; the other's
//! are stored and wait. When the active endpoint has delivered no new
//! segment for more than [`STALL_FACTOR`] × the target duration — judged on
//! the clock of the request that arrives, since components have no timers —
//! the next endpoint to deliver becomes active.

use tributary_hls::ingest::IngestMaster;
use tributary_hls::{MediaKind, Rendition};
use tributary_mediapackage::ingest::{IngestState, StoredKind, StoredRendition};

/// How many target durations of silence make the active endpoint stalled.
pub const STALL_FACTOR: f64 = 1.5;

/// The stored state if it belongs to the channel created at `created_at`;
/// else a fresh state, and the old one (whose indexes and blobs go).
pub fn of_channel(
    stored: Option<IngestState>,
    created_at: &str,
) -> (IngestState, Option<IngestState>) {
    match stored {
        Some(s) if s.channel_created_at == created_at => (s, None),
        old => (
            IngestState {
                channel_created_at: created_at.to_owned(),
                ..IngestState::default()
            },
            old,
        ),
    }
}

/// Takes in a master playlist: renditions already known (by their media
/// playlist name) keep their number and get the new attributes; new ones
/// are numbered after the last. Renditions the master no longer lists keep
/// their numbers too (players may hold URLs with them). True when changed.
pub fn merge_master(state: &mut IngestState, master: &IngestMaster) -> bool {
    let mut changed = false;
    for r in &master.renditions {
        let stored = stored_rendition(r);
        match state.renditions.iter_mut().find(|s| s.name == r.name) {
            Some(existing) if *existing == stored => {}
            Some(existing) => {
                *existing = stored;
                changed = true;
            }
            None => {
                state.renditions.push(stored);
                changed = true;
            }
        }
    }
    changed
}

/// The number of the rendition whose media playlist is `file`. A media
/// playlist that arrives before any master playlist names it becomes a
/// rendition of its own — video, bandwidth unknown (0) — so a stream from
/// an encoder that sends no master still plays; the master, when it comes,
/// fills in its attributes. Returns the number and whether it is new.
pub fn rendition_of(state: &mut IngestState, file: &str) -> (u32, bool) {
    if let Some(i) = state.renditions.iter().position(|r| r.name == file) {
        return (number(i), false);
    }
    state.renditions.push(StoredRendition {
        name: file.to_owned(),
        kind: StoredKind::Video,
        ..StoredRendition::default()
    });
    (number(state.renditions.len() - 1), true)
}

fn number(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

/// What an endpoint delivering new segments is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Its segments are appended.
    Active,
    /// The other endpoint feeds the channel; its segments wait.
    Standby,
}

/// Decides the role of `ingest`, which delivered new segments at `now_ms`
/// (segments of `target_duration_s`), and records the delivery.
pub fn deliver(state: &mut IngestState, ingest: &str, target_duration_s: u32, now_ms: i64) -> Role {
    let stall_ms = (f64::from(target_duration_s.max(1)) * 1000.0 * STALL_FACTOR) as i64;
    let role = match state.active_ingest.as_deref() {
        Some(active) if active != ingest => {
            let last = state
                .last_segment_ms
                .get(active)
                .copied()
                .unwrap_or(i64::MIN);
            if now_ms.saturating_sub(last) > stall_ms {
                Role::Active
            } else {
                Role::Standby
            }
        }
        _ => Role::Active,
    };
    if role == Role::Active {
        state.active_ingest = Some(ingest.to_owned());
    }
    state.last_segment_ms.insert(ingest.to_owned(), now_ms);
    role
}

fn stored_rendition(r: &Rendition) -> StoredRendition {
    StoredRendition {
        name: r.name.clone(),
        kind: match r.kind {
            MediaKind::Audio => StoredKind::Audio,
            _ => StoredKind::Video,
        },
        bandwidth: r.bandwidth,
        average_bandwidth: r.average_bandwidth,
        resolution: r.resolution.map(|res| (res.width, res.height)),
        frame_rate: r.frame_rate,
        codecs: r.codecs.clone(),
        group: r.group.clone(),
        language: r.language.clone(),
        title: r.title.clone(),
        default: r.default,
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use tributary_hls::ingest::parse_master;

    const MASTER: &str = "#EXTM3U\n#EXT-X-VERSION:3\n\
        #EXT-X-STREAM-INF:BANDWIDTH=1100000,RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\"\nchannel_0.m3u8\n\
        #EXT-X-STREAM-INF:BANDWIDTH=550000,RESOLUTION=320x180,CODECS=\"avc1.64000d,mp4a.40.2\"\nchannel_1.m3u8\n";

    #[test]
    fn numbers_stay_once_given_and_a_master_fills_in_early_media_playlists() {
        let mut s = IngestState::default();
        assert_eq!(rendition_of(&mut s, "channel_1.m3u8"), (1, true));
        assert_eq!(s.renditions[0].bandwidth, 0);
        assert!(merge_master(
            &mut s,
            &parse_master(MASTER.as_bytes()).unwrap()
        ));
        assert_eq!(s.renditions.len(), 2);
        assert_eq!(s.renditions[0].name, "channel_1.m3u8");
        assert_eq!(s.renditions[0].bandwidth, 550_000);
        assert_eq!(s.renditions[0].resolution, Some((320, 180)));
        assert_eq!(rendition_of(&mut s, "channel_0.m3u8"), (2, false));
        assert!(!merge_master(
            &mut s,
            &parse_master(MASTER.as_bytes()).unwrap()
        ));
    }

    #[test]
    fn a_recreated_channel_starts_afresh() {
        let old = IngestState {
            channel_created_at: "a".into(),
            active_ingest: Some("x".into()),
            ..IngestState::default()
        };
        let (s, gone) = of_channel(Some(old.clone()), "a");
        assert_eq!((s, gone), (old.clone(), None));
        let (s, gone) = of_channel(Some(old.clone()), "b");
        assert_eq!(s.channel_created_at, "b");
        assert_eq!(s.active_ingest, None);
        assert_eq!(gone, Some(old));
    }

    #[test]
    fn the_standby_takes_over_only_after_one_and_a_half_target_durations() {
        let mut s = IngestState::default();
        assert_eq!(deliver(&mut s, "a", 2, 0), Role::Active);
        assert_eq!(deliver(&mut s, "b", 2, 1_000), Role::Standby);
        assert_eq!(
            deliver(&mut s, "b", 2, 3_000),
            Role::Standby,
            "exactly 1.5 × 2 s"
        );
        assert_eq!(deliver(&mut s, "b", 2, 3_001), Role::Active);
        assert_eq!(s.active_ingest.as_deref(), Some("b"));
        assert_eq!(deliver(&mut s, "a", 2, 3_500), Role::Standby);
        assert_eq!(deliver(&mut s, "b", 2, 5_000), Role::Active);
    }
}
