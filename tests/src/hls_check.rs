//! An independent HLS checker: reads what an origin serves the way a strict
//! player would, with m3u8-rs (not our renderer), and fails with the
//! playlists it saw when a rule is broken.
//!
//! The rules live in a sans-IO core — [`MediaTrack::observe`] takes a media
//! playlist's bytes and the time it was fetched, [`check_segment`] and
//! [`check_playlist_response`] take a response — and [`check_live`] is the
//! thin driver that fetches a master playlist and then each media playlist
//! over and over for a while:
//!
//! - the media sequence never goes back, and neither does the live edge;
//!   no sequence number is skipped between two fetches close enough that it
//!   must have been listed; the edge advances at least every `max_stall`;
//! - a sequence number always names the same segment (URI, duration,
//!   discontinuity, program date time);
//! - every `EXTINF`, rounded, is at most `EXT-X-TARGETDURATION`;
//! - the window's length is at most `PlaylistWindowSeconds` plus one target
//!   duration, and once segments start leaving it, at least that minus one;
//! - with program date times on: the first segment has one, tags are at most
//!   an interval (plus a segment) apart, each is the previous one plus the
//!   durations between (± tolerance) unless a discontinuity intervenes, and
//!   every tag parses as RFC 3339, and date-times only ever increase;
//! - `EXT-X-DISCONTINUITY-SEQUENCE` grows by exactly the discontinuities
//!   that left the window;
//! - every segment answers 200 `video/MP2T` with `Cache-Control`, and is
//!   whole MPEG-TS packets (0x47 every 188 bytes) with a video PTS that
//!   follows on from the previous segment's (± tolerance) unless a
//!   discontinuity intervenes; playlists answer 200 with an HLS content
//!   type and `Cache-Control`.
//!
//! ```no_run
//! # async fn demo(master: &str) -> anyhow::Result<()> {
//! use tributary_tests::hls_check::{Expect, check_live};
//! let expect = Expect { window_seconds: Some(30.0), program_date_time: true, ..Expect::default() };
//! let report = check_live(&tributary_tests::http_client()?, master, &expect,
//!                         std::time::Duration::from_secs(20)).await?;
//! println!("{report}");
//! # Ok(()) }
//! ```

use anyhow::{Context, Result, anyhow, bail, ensure};
use m3u8_rs::Playlist;
use reqwest::Url;
use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

/// Bytes in an MPEG-TS packet.
const TS_PACKET: usize = 188;

/// What a live endpoint promises; the checker holds it to that.
#[derive(Debug, Clone)]
pub struct Expect {
    /// `PlaylistWindowSeconds`, when the window is to be checked.
    pub window_seconds: Option<f64>,
    /// `EXT-X-PROGRAM-DATE-TIME` is on (`ProgramDateTimeIntervalSeconds` > 0).
    pub program_date_time: bool,
    /// `ProgramDateTimeIntervalSeconds`: the longest run of media between
    /// two tags is this plus one segment. `None`: not checked.
    pub pdt_interval_seconds: Option<f64>,
    /// How far a program date time may be from the previous one plus the
    /// durations between them.
    pub pdt_tolerance: Duration,
    /// How far a segment's first video PTS may be from the previous
    /// segment's plus its `EXTINF`, when no discontinuity lies between.
    pub pts_tolerance: Duration,
    /// The longest the live edge may stand still; `None`: three target
    /// durations.
    pub max_stall: Option<Duration>,
    /// The number of variants the master playlist must list, if known.
    pub variants: Option<usize>,
    /// Fetch and check every segment (the default).
    pub fetch_segments: bool,
}

impl Default for Expect {
    fn default() -> Self {
        Self {
            window_seconds: None,
            program_date_time: false,
            pdt_interval_seconds: None,
            pdt_tolerance: Duration::from_millis(100),
            pts_tolerance: Duration::from_millis(100),
            max_stall: None,
            variants: None,
            fetch_segments: true,
        }
    }
}

// ---------------------------------------------------------------------------
// Parsed playlists (m3u8-rs types stay in this module)
// ---------------------------------------------------------------------------

/// One variant of a master playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// `URI` as written.
    pub uri: String,
    /// `BANDWIDTH`.
    pub bandwidth: u64,
    /// `RESOLUTION`, width and height.
    pub resolution: Option<(u64, u64)>,
    /// `CODECS`.
    pub codecs: Option<String>,
}

/// One segment of a media playlist, with its sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Media sequence number.
    pub sequence: u64,
    /// URI as written.
    pub uri: String,
    /// `EXTINF` seconds.
    pub duration: f64,
    /// `EXT-X-PROGRAM-DATE-TIME`, ms since the epoch.
    pub program_date_time_ms: Option<i64>,
    /// Preceded by `EXT-X-DISCONTINUITY`.
    pub discontinuity: bool,
}

impl Segment {
    /// The segment's end on the wall clock, when it has a program date time.
    pub fn end_ms(&self) -> Option<i64> {
        self.program_date_time_ms
            .map(|start| start + (self.duration * 1000.0).round() as i64)
    }
}

/// A media playlist as a player sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaPlaylist {
    /// `EXT-X-TARGETDURATION`.
    pub target_duration: u64,
    /// `EXT-X-MEDIA-SEQUENCE`.
    pub media_sequence: u64,
    /// `EXT-X-DISCONTINUITY-SEQUENCE`.
    pub discontinuity_sequence: u64,
    /// `EXT-X-ENDLIST`.
    pub end_list: bool,
    /// `EXT-X-PLAYLIST-TYPE`, as written (`EVENT`, `VOD`).
    pub playlist_type: Option<String>,
    /// The segments, oldest first.
    pub segments: Vec<Segment>,
}

impl MediaPlaylist {
    /// The sum of the segments' durations.
    pub fn total_seconds(&self) -> f64 {
        self.segments.iter().map(|s| s.duration).sum()
    }

    /// The newest segment's sequence number.
    pub fn last_sequence(&self) -> Option<u64> {
        self.segments.last().map(|s| s.sequence)
    }
}

/// Parses a master playlist; an error (quoting it) for a media playlist or
/// anything m3u8-rs cannot read.
pub fn parse_master(text: &[u8]) -> Result<Vec<Variant>> {
    match m3u8_rs::parse_playlist_res(text) {
        Ok(Playlist::MasterPlaylist(m)) => Ok(m
            .variants
            .into_iter()
            .filter(|v| !v.is_i_frame)
            .map(|v| Variant {
                uri: v.uri,
                bandwidth: v.bandwidth,
                resolution: v.resolution.map(|r| (r.width, r.height)),
                codecs: v.codecs,
            })
            .collect()),
        Ok(Playlist::MediaPlaylist(_)) => bail!(
            "expected a master playlist, got a media playlist:\n{}",
            quote(text)
        ),
        Err(e) => bail!(
            "m3u8-rs cannot parse the master playlist ({e:?}):\n{}",
            quote(text)
        ),
    }
}

/// Parses a media playlist; an error (quoting it) for a master playlist,
/// anything m3u8-rs cannot read, or a program date time it could not read
/// (m3u8-rs would silently keep such a line as an unknown tag).
pub fn parse_media(text: &[u8]) -> Result<MediaPlaylist> {
    let m = match m3u8_rs::parse_playlist_res(text) {
        Ok(Playlist::MediaPlaylist(m)) => m,
        Ok(Playlist::MasterPlaylist(_)) => bail!(
            "expected a media playlist, got a master playlist:\n{}",
            quote(text)
        ),
        Err(e) => bail!(
            "m3u8-rs cannot parse the media playlist ({e:?}):\n{}",
            quote(text)
        ),
    };
    let written = String::from_utf8_lossy(text)
        .lines()
        .filter(|l| l.trim_start().starts_with("#EXT-X-PROGRAM-DATE-TIME:"))
        .count();
    let parsed = m
        .segments
        .iter()
        .filter(|s| s.program_date_time.is_some())
        .count();
    ensure!(
        written == parsed,
        "{} of {written} EXT-X-PROGRAM-DATE-TIME tags are not RFC 3339 date-times:\n{}",
        written - parsed.min(written),
        quote(text)
    );
    let segments = m
        .segments
        .iter()
        .enumerate()
        .map(|(i, s)| Segment {
            sequence: m.media_sequence + i as u64,
            uri: s.uri.clone(),
            duration: f64::from(s.duration),
            program_date_time_ms: s.program_date_time.map(|t| t.timestamp_millis()),
            discontinuity: s.discontinuity,
        })
        .collect();
    Ok(MediaPlaylist {
        target_duration: m.target_duration,
        media_sequence: m.media_sequence,
        discontinuity_sequence: m.discontinuity_sequence,
        end_list: m.end_list,
        playlist_type: m.playlist_type.map(|t| t.to_string()),
        segments,
    })
}

/// Rules that hold within one media playlist, whatever came before.
pub fn check_media(p: &MediaPlaylist, expect: &Expect) -> Result<()> {
    ensure!(!p.segments.is_empty(), "the playlist lists no segment");
    ensure!(p.target_duration > 0, "EXT-X-TARGETDURATION is 0");
    for s in &p.segments {
        ensure!(
            s.duration > 0.0,
            "segment {} ({}) has EXTINF {}",
            s.sequence,
            s.uri,
            s.duration
        );
        ensure!(
            s.duration.round() as u64 <= p.target_duration,
            "segment {} ({}) has EXTINF {:.3} which rounds above EXT-X-TARGETDURATION {}",
            s.sequence,
            s.uri,
            s.duration,
            p.target_duration
        );
    }
    // Date-times first: a clock standing still also distorts the window.
    if expect.program_date_time {
        check_program_date_times(p, expect)?;
    }
    let target = p.target_duration as f64;
    if let Some(window) = expect.window_seconds {
        let total = p.total_seconds();
        ensure!(
            total <= window + target,
            "the window holds {total:.3} s of segments, more than PlaylistWindowSeconds {window} + one target duration {target}"
        );
    }
    Ok(())
}

fn check_program_date_times(p: &MediaPlaylist, expect: &Expect) -> Result<()> {
    let first = &p.segments[0];
    ensure!(
        first.program_date_time_ms.is_some(),
        "program date time is on but the first segment ({}) has no EXT-X-PROGRAM-DATE-TIME",
        first.sequence
    );
    let tolerance = expect.pdt_tolerance.as_millis() as f64;
    let target = p.target_duration as f64;
    // The last tagged segment, its date-time, and the media from its start.
    let mut last: Option<(u64, i64, f64)> = None;
    for s in &p.segments {
        if let Some(pdt) = s.program_date_time_ms
            && let Some((tagged, before, since)) = last
        {
            // One live channel's clock never stands still or runs back,
            // discontinuity or not.
            ensure!(
                pdt > before,
                "segment {}'s EXT-X-PROGRAM-DATE-TIME {} is not after segment {tagged}'s {}: the program's clock stands still or runs back",
                s.sequence,
                iso(pdt),
                iso(before)
            );
            if !s.discontinuity {
                let want = before as f64 + since * 1000.0;
                ensure!(
                    (pdt as f64 - want).abs() <= tolerance,
                    "segment {}'s EXT-X-PROGRAM-DATE-TIME is {:.0} ms off: segment {tagged} says {} and {since:.3} s of media follow it, so {} is expected, not {} (tolerance {tolerance} ms)",
                    s.sequence,
                    pdt as f64 - want,
                    iso(before),
                    iso(want.round() as i64),
                    iso(pdt),
                );
            }
            if let Some(interval) = expect.pdt_interval_seconds {
                ensure!(
                    since <= interval + target,
                    "{since:.3} s of media between the EXT-X-PROGRAM-DATE-TIME of segments {tagged} and {}: more than the interval {interval} s plus a segment",
                    s.sequence
                );
            }
        }
        if s.discontinuity && expect.pdt_interval_seconds.is_some() {
            ensure!(
                s.program_date_time_ms.is_some(),
                "segment {} starts a discontinuity without an EXT-X-PROGRAM-DATE-TIME",
                s.sequence
            );
        }
        if let Some(pdt) = s.program_date_time_ms {
            last = Some((s.sequence, pdt, 0.0));
        }
        if let Some((_, _, since)) = &mut last {
            *since += s.duration;
        }
    }
    if let (Some(interval), Some((tagged, _, since))) = (expect.pdt_interval_seconds, last) {
        // The tail after the last tag is at most an interval and a segment
        // long, plus the segment that will carry the next tag.
        ensure!(
            since <= interval + 2.0 * target,
            "{since:.3} s of media after the last EXT-X-PROGRAM-DATE-TIME (segment {tagged}), interval {interval} s"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// One media playlist over time
// ---------------------------------------------------------------------------

/// One fetch, kept for the next comparison and for failure messages.
#[derive(Debug, Clone)]
struct Fetch {
    at: Duration,
    playlist: MediaPlaylist,
    text: String,
}

/// A media playlist fetched again and again: the rules across fetches.
#[derive(Debug)]
pub struct MediaTrack {
    name: String,
    expect: Expect,
    previous: Option<Fetch>,
    /// Every segment seen, by sequence number.
    known: BTreeMap<u64, Segment>,
    /// The live edge at the first fetch.
    first_edge: Option<u64>,
    /// When the live edge last moved (or the first fetch).
    edge_moved_at: Option<Duration>,
    /// Segments have left the window: it must be full now.
    full: bool,
    /// The first video PTS of every segment fetched, by sequence number.
    pts: BTreeMap<u64, u64>,
    fetches: u32,
}

/// What one track saw, for the report.
#[derive(Debug, Clone)]
pub struct TrackSummary {
    /// The track's name (its URL).
    pub name: String,
    /// Playlist fetches.
    pub fetches: u32,
    /// Lowest and highest sequence seen.
    pub sequences: Option<(u64, u64)>,
    /// Distinct segments seen.
    pub segments_seen: usize,
    /// Media seconds covered by the distinct segments seen.
    pub media_seconds: f64,
    /// The live edge (newest sequence) at the first and the last fetch.
    pub edges: Option<(u64, u64)>,
    /// Segments fetched and checked.
    pub segments_checked: usize,
}

impl MediaTrack {
    /// A track named `name` (its URL, for messages).
    pub fn new(name: impl Into<String>, expect: Expect) -> Self {
        Self {
            name: name.into(),
            expect,
            previous: None,
            known: BTreeMap::new(),
            first_edge: None,
            edge_moved_at: None,
            full: false,
            pts: BTreeMap::new(),
            fetches: 0,
        }
    }

    /// Checks a fetch of the playlist made at `at` (since the check began)
    /// against every rule and every earlier fetch; returns the segments not
    /// seen before. The error names the rule and quotes the playlists.
    pub fn observe(&mut self, at: Duration, body: &[u8]) -> Result<Vec<Segment>> {
        self.fetches += 1;
        let text = String::from_utf8_lossy(body).into_owned();
        let fetch_no = self.fetches;
        let playlist = parse_media(body)
            .and_then(|p| check_media(&p, &self.expect).map(|()| p))
            .with_context(|| self.failure(fetch_no, at, &text, false))?;
        self.compare(at, &playlist)
            .with_context(|| self.failure(fetch_no, at, &text, true))?;
        let mut new = Vec::new();
        for s in &playlist.segments {
            if let std::collections::btree_map::Entry::Vacant(e) = self.known.entry(s.sequence) {
                e.insert(s.clone());
                new.push(s.clone());
            }
        }
        self.previous = Some(Fetch { at, playlist, text });
        Ok(new)
    }

    /// Checks a fetched segment's timing: its first video PTS follows on
    /// from the previous segment's unless it starts a discontinuity.
    pub fn observe_segment(&mut self, s: &Segment, body: &[u8]) -> Result<()> {
        let pts = crate::hls_ts::first_video_pts(body).with_context(|| {
            format!(
                "{}: segment {} ({}) has no video PES with a PTS",
                self.name, s.sequence, s.uri
            )
        })?;
        self.pts.insert(s.sequence, pts);
        let Some(before) = s.sequence.checked_sub(1) else {
            return Ok(());
        };
        if let (Some(&was), Some(prev), false) = (
            self.pts.get(&before),
            self.known.get(&before),
            s.discontinuity,
        ) {
            let hz = crate::hls_ts::PTS_HZ as f64;
            let want = prev.duration * hz;
            let got = crate::hls_ts::pts_delta(was, pts) as f64;
            ensure!(
                (got - want).abs() <= self.expect.pts_tolerance.as_secs_f64() * hz,
                "{}: segment {} ({}) starts {:.3} s of PTS after segment {} ({}), whose EXTINF is {:.3} s, and no EXT-X-DISCONTINUITY lies between (PTS {was} then {pts})",
                self.name,
                s.sequence,
                s.uri,
                got / hz,
                before,
                prev.uri,
                prev.duration
            );
        }
        Ok(())
    }

    /// Fails if the live edge has not moved for longer than allowed at `at`.
    pub fn check_stall(&self, at: Duration) -> Result<()> {
        let (Some(moved), Some(prev)) = (self.edge_moved_at, &self.previous) else {
            return Ok(());
        };
        let limit = self.max_stall(prev.playlist.target_duration);
        ensure!(
            at.saturating_sub(moved) <= limit,
            "{}: the live edge has stood at sequence {:?} for {:.1} s (since t={:.1} s), longer than {limit:?}; the last playlist (t={:.1} s):\n{}",
            self.name,
            prev.playlist.last_sequence(),
            (at - moved).as_secs_f64(),
            moved.as_secs_f64(),
            prev.at.as_secs_f64(),
            indent(&prev.text)
        );
        Ok(())
    }

    /// What this track saw.
    pub fn summary(&self, segments_checked: usize) -> TrackSummary {
        let first = self.known.keys().next().copied();
        let last = self.known.keys().next_back().copied();
        TrackSummary {
            name: self.name.clone(),
            fetches: self.fetches,
            sequences: first.zip(last),
            segments_seen: self.known.len(),
            media_seconds: self.known.values().map(|s| s.duration).sum(),
            edges: self.first_edge.zip(
                self.previous
                    .as_ref()
                    .and_then(|p| p.playlist.last_sequence()),
            ),
            segments_checked,
        }
    }

    fn max_stall(&self, target: u64) -> Duration {
        self.expect
            .max_stall
            .unwrap_or(Duration::from_secs(3 * target.max(1)))
    }

    fn compare(&mut self, at: Duration, now: &MediaPlaylist) -> Result<()> {
        let Some(prev) = &self.previous else {
            self.edge_moved_at = Some(at);
            self.first_edge = now.last_sequence();
            return Ok(());
        };
        let before = &prev.playlist;
        ensure!(
            now.media_sequence >= before.media_sequence,
            "EXT-X-MEDIA-SEQUENCE went back from {} to {}",
            before.media_sequence,
            now.media_sequence
        );
        let (was_edge, edge) = (
            before.last_sequence().unwrap_or(0),
            now.last_sequence().unwrap_or(0),
        );
        ensure!(
            edge >= was_edge,
            "the live edge went back from sequence {was_edge} to {edge}"
        );
        // Between two fetches closer together than the window minus a
        // segment, every sequence number must have been listed in one of them.
        let gap = at.saturating_sub(prev.at).as_secs_f64();
        let window = before.total_seconds();
        if gap + before.target_duration as f64 <= window {
            ensure!(
                now.media_sequence <= was_edge + 1,
                "sequence numbers {}..{} were never listed: the previous fetch ({gap:.1} s before) ended at {was_edge}, this one starts at {}",
                was_edge + 1,
                now.media_sequence - 1,
                now.media_sequence
            );
        }
        // Discontinuities that left the window raise the discontinuity sequence.
        if now.media_sequence <= was_edge + 1 {
            let left = before
                .segments
                .iter()
                .filter(|s| s.sequence < now.media_sequence && s.discontinuity)
                .count() as u64;
            ensure!(
                now.discontinuity_sequence == before.discontinuity_sequence + left,
                "EXT-X-DISCONTINUITY-SEQUENCE is {}, expected {} ({} before, and {left} discontinuities left the window)",
                now.discontinuity_sequence,
                before.discontinuity_sequence + left,
                before.discontinuity_sequence
            );
        } else {
            ensure!(
                now.discontinuity_sequence >= before.discontinuity_sequence,
                "EXT-X-DISCONTINUITY-SEQUENCE went back from {} to {}",
                before.discontinuity_sequence,
                now.discontinuity_sequence
            );
        }
        for s in &now.segments {
            if let Some(was) = self.known.get(&s.sequence) {
                same_segment(was, s)?;
            }
        }
        if now.media_sequence > before.media_sequence {
            self.full = true;
        }
        if self.full
            && let Some(window) = self.expect.window_seconds
        {
            let total = now.total_seconds();
            let target = now.target_duration as f64;
            ensure!(
                total >= window - target,
                "segments have been leaving the window, yet it holds only {total:.3} s: less than PlaylistWindowSeconds {window} - one target duration {target}"
            );
        }
        if edge > was_edge {
            self.edge_moved_at = Some(at);
        }
        Ok(())
    }

    fn failure(&self, fetch_no: u32, at: Duration, text: &str, with_previous: bool) -> String {
        let mut msg = format!(
            "{}: fetch #{fetch_no} at t={:.1} s breaks a rule; it read:\n{}",
            self.name,
            at.as_secs_f64(),
            indent(text)
        );
        if with_previous && let Some(prev) = &self.previous {
            msg.push_str(&format!(
                "\nthe fetch before (t={:.1} s) read:\n{}",
                prev.at.as_secs_f64(),
                indent(&prev.text)
            ));
        }
        msg
    }
}

fn same_segment(was: &Segment, now: &Segment) -> Result<()> {
    let seq = now.sequence;
    ensure!(
        was.uri == now.uri,
        "sequence {seq} was {} and is now {}",
        was.uri,
        now.uri
    );
    ensure!(
        (was.duration - now.duration).abs() < 0.0015,
        "sequence {seq} ({}) lasted {:.3} s and now lasts {:.3} s",
        now.uri,
        was.duration,
        now.duration
    );
    ensure!(
        was.discontinuity == now.discontinuity,
        "sequence {seq} ({}) {} a discontinuity before and {} now",
        now.uri,
        if was.discontinuity {
            "started"
        } else {
            "did not start"
        },
        if now.discontinuity {
            "does"
        } else {
            "does not"
        }
    );
    if let (Some(a), Some(b)) = (was.program_date_time_ms, now.program_date_time_ms) {
        ensure!(
            (a - b).abs() <= 1,
            "sequence {seq} ({}) had EXT-X-PROGRAM-DATE-TIME {} and now has {}",
            now.uri,
            iso(a),
            iso(b)
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

/// A playlist response: 200, an HLS content type, `Cache-Control`.
pub fn check_playlist_response(url: &str, status: u16, headers: &http::HeaderMap) -> Result<()> {
    ensure!(status == 200, "GET {url} answered {status}");
    let ct = header(headers, "content-type");
    ensure!(
        ct.as_deref().is_some_and(|t| {
            let t = t.to_ascii_lowercase();
            t.starts_with("application/vnd.apple.mpegurl") || t.starts_with("application/x-mpegurl")
        }),
        "GET {url}: Content-Type {ct:?} is not an HLS playlist type"
    );
    ensure!(
        header(headers, "cache-control").is_some(),
        "GET {url}: no Cache-Control header"
    );
    Ok(())
}

/// A segment response: 200, `video/MP2T`, `Cache-Control`, whole TS
/// packets each starting with the sync byte.
pub fn check_segment(url: &str, status: u16, headers: &http::HeaderMap, body: &[u8]) -> Result<()> {
    ensure!(
        status == 200,
        "GET {url} answered {status}: {}",
        String::from_utf8_lossy(&body[..body.len().min(300)]).trim()
    );
    let ct = header(headers, "content-type");
    ensure!(
        ct.as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("video/mp2t")),
        "GET {url}: Content-Type {ct:?}, expected video/MP2T"
    );
    ensure!(
        header(headers, "cache-control").is_some(),
        "GET {url}: no Cache-Control header"
    );
    ensure!(!body.is_empty(), "GET {url}: empty segment");
    ensure!(
        body.len().is_multiple_of(TS_PACKET),
        "GET {url}: {} bytes is not a whole number of 188-byte TS packets",
        body.len()
    );
    if let Some(bad) = body.chunks(TS_PACKET).position(|p| p[0] != 0x47) {
        bail!(
            "GET {url}: TS packet {bad} (byte {}) starts with {:#04x}, not the sync byte 0x47",
            bad * TS_PACKET,
            body[bad * TS_PACKET]
        );
    }
    Ok(())
}

fn header(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

// ---------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------

/// What a live check saw.
#[derive(Debug, Clone)]
pub struct Report {
    /// The master playlist's variants.
    pub variants: Vec<Variant>,
    /// One summary per variant, in master order.
    pub tracks: Vec<TrackSummary>,
    /// How long it ran.
    pub elapsed: Duration,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} variants checked for {:.1} s",
            self.variants.len(),
            self.elapsed.as_secs_f64()
        )?;
        for t in &self.tracks {
            writeln!(
                f,
                "  {}: {} fetches, sequences {:?}, live edge {:?}, {} segments ({:.1} s of media), {} segments fetched",
                t.name,
                t.fetches,
                t.sequences,
                t.edges,
                t.segments_seen,
                t.media_seconds,
                t.segments_checked
            )?;
        }
        Ok(())
    }
}

/// GETs `url`; the status, headers and body.
pub async fn get(client: &reqwest::Client, url: &str) -> Result<(u16, http::HeaderMap, Vec<u8>)> {
    let resp = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .bytes()
        .await
        .with_context(|| format!("GET {url}: reading the body"))?;
    Ok((status, headers, body.to_vec()))
}

/// Fetches and checks a master playlist: its variants and their absolute URLs.
pub async fn fetch_master(
    client: &reqwest::Client,
    master_url: &str,
) -> Result<Vec<(Variant, Url)>> {
    let base = Url::parse(master_url).with_context(|| format!("master URL {master_url}"))?;
    let (status, headers, body) = get(client, master_url).await?;
    check_playlist_response(master_url, status, &headers)
        .with_context(|| format!("the master playlist; its body:\n{}", quote(&body)))?;
    let variants = parse_master(&body)?;
    ensure!(
        !variants.is_empty(),
        "{master_url} lists no variant:\n{}",
        quote(&body)
    );
    variants
        .into_iter()
        .map(|v| {
            let url = base
                .join(&v.uri)
                .with_context(|| format!("variant URI {:?} in {master_url}", v.uri))?;
            Ok((v, url))
        })
        .collect()
}

/// Fetches and parses one media playlist, checking the response and the
/// rules that hold within it.
pub async fn fetch_media(
    client: &reqwest::Client,
    url: &str,
    expect: &Expect,
) -> Result<MediaPlaylist> {
    let (status, headers, body) = get(client, url).await?;
    check_playlist_response(url, status, &headers)
        .with_context(|| format!("its body:\n{}", quote(&body)))?;
    let p = parse_media(&body)?;
    check_media(&p, expect).with_context(|| format!("GET {url}:\n{}", quote(&body)))?;
    Ok(p)
}

/// Plays the live stream at `master_url` for `duration` as a strict player
/// would: every media playlist polled about twice a target duration, every
/// new segment fetched, every rule above checked.
pub async fn check_live(
    client: &reqwest::Client,
    master_url: &str,
    expect: &Expect,
    duration: Duration,
) -> Result<Report> {
    let started = Instant::now();
    let master = fetch_master(client, master_url).await?;
    if let Some(n) = expect.variants {
        ensure!(
            master.len() == n,
            "{master_url} lists {} variants, expected {n}: {:?}",
            master.len(),
            master.iter().map(|(v, _)| &v.uri).collect::<Vec<_>>()
        );
    }
    let mut tracks: Vec<(Url, MediaTrack, usize)> = master
        .iter()
        .map(|(_, url)| {
            (
                url.clone(),
                MediaTrack::new(url.as_str(), expect.clone()),
                0,
            )
        })
        .collect();
    let mut poll = Duration::from_millis(500);
    loop {
        for (url, track, checked) in &mut tracks {
            let at = started.elapsed();
            let (status, headers, body) = get(client, url.as_str()).await?;
            check_playlist_response(url.as_str(), status, &headers).with_context(|| {
                format!("at t={:.1} s; body:\n{}", at.as_secs_f64(), quote(&body))
            })?;
            let new = track.observe(at, &body)?;
            if let Some(prev) = &track.previous {
                // Poll at about half a target duration, at most every 2 s.
                poll =
                    Duration::from_millis((prev.playlist.target_duration * 500).clamp(250, 2000));
            }
            if expect.fetch_segments {
                for s in new {
                    let seg_url = url
                        .join(&s.uri)
                        .with_context(|| format!("segment URI {:?} in {url}", s.uri))?;
                    let (status, headers, body) = get(client, seg_url.as_str()).await?;
                    check_segment(seg_url.as_str(), status, &headers, &body).with_context(
                        || {
                            let listed = track.previous.as_ref().map(|p| indent(&p.text));
                            format!(
                                "segment {} of {url}, listed at t={:.1} s in:\n{}",
                                s.sequence,
                                at.as_secs_f64(),
                                listed.unwrap_or_default()
                            )
                        },
                    )?;
                    track.observe_segment(&s, &body)?;
                    *checked += 1;
                }
            }
            track.check_stall(started.elapsed())?;
        }
        if started.elapsed() >= duration {
            break;
        }
        tokio::time::sleep(poll).await;
    }
    // The master playlist does not change under a player.
    let again = fetch_master(client, master_url).await?;
    ensure!(
        again
            .iter()
            .map(|(v, _)| v)
            .eq(master.iter().map(|(v, _)| v)),
        "{master_url} changed while playing: {:?} then {:?}",
        master.iter().map(|(v, _)| v).collect::<Vec<_>>(),
        again.iter().map(|(v, _)| v).collect::<Vec<_>>()
    );
    let summaries: Vec<TrackSummary> = tracks
        .iter()
        .map(|(_, t, checked)| t.summary(*checked))
        .collect();
    for s in &summaries {
        let (first, last) = s
            .sequences
            .ok_or_else(|| anyhow!("{}: no segment seen", s.name))?;
        ensure!(
            last > first,
            "{}: the live edge never moved in {duration:?} (sequences {first}..={last})",
            s.name
        );
    }
    Ok(Report {
        variants: master.into_iter().map(|(v, _)| v).collect(),
        tracks: summaries,
        elapsed: started.elapsed(),
    })
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

/// `ms` since the epoch as RFC 3339 UTC with milliseconds.
pub fn iso(ms: i64) -> String {
    let t = time::OffsetDateTime::UNIX_EPOCH + time::Duration::milliseconds(ms);
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&f).unwrap_or_else(|_| format!("{ms} ms"))
}

fn quote(body: &[u8]) -> String {
    indent(&String::from_utf8_lossy(&body[..body.len().min(16 * 1024)]))
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000;

    /// A live playlist of `count` 2 s segments from `first`, with a program
    /// date time on every segment.
    fn live(first: u64, count: u64) -> String {
        let mut s = format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:{first}\n"
        );
        for n in first..first + count {
            s.push_str(&format!(
                "#EXT-X-PROGRAM-DATE-TIME:{}\n#EXTINF:2.000,\nindex_1_{n}.ts\n",
                iso(T0 + n as i64 * 2000)
            ));
        }
        s
    }

    fn expect() -> Expect {
        Expect {
            window_seconds: Some(10.0),
            program_date_time: true,
            pdt_interval_seconds: Some(2.0),
            ..Expect::default()
        }
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn err(e: anyhow::Error) -> String {
        format!("{e:#}")
    }

    #[test]
    fn a_sliding_live_window_passes() {
        let mut t = MediaTrack::new("live", expect());
        let new = t.observe(secs(0), live(0, 3).as_bytes()).unwrap();
        assert_eq!(new.len(), 3);
        t.observe(secs(2), live(0, 4).as_bytes()).unwrap();
        t.observe(secs(4), live(0, 5).as_bytes()).unwrap();
        let new = t.observe(secs(6), live(1, 5).as_bytes()).unwrap();
        assert_eq!(new.iter().map(|s| s.sequence).collect::<Vec<_>>(), [5]);
        t.observe(secs(7), live(1, 5).as_bytes()).unwrap();
        t.check_stall(secs(8)).unwrap();
        let s = t.summary(0);
        assert_eq!(
            (s.fetches, s.sequences, s.segments_seen),
            (5, Some((0, 5)), 6)
        );
    }

    #[test]
    fn a_media_sequence_going_back_fails() {
        let mut t = MediaTrack::new("live", expect());
        t.observe(secs(0), live(3, 5).as_bytes()).unwrap();
        let e = err(t.observe(secs(2), live(2, 5).as_bytes()).unwrap_err());
        assert!(
            e.contains("EXT-X-MEDIA-SEQUENCE went back from 3 to 2"),
            "{e}"
        );
        assert!(e.contains("the fetch before"), "{e}");
    }

    #[test]
    fn a_live_edge_going_back_fails() {
        let mut t = MediaTrack::new("live", expect());
        t.observe(secs(0), live(0, 5).as_bytes()).unwrap();
        let e = err(t.observe(secs(2), live(0, 4).as_bytes()).unwrap_err());
        assert!(
            e.contains("live edge went back from sequence 4 to 3"),
            "{e}"
        );
    }

    #[test]
    fn skipped_sequence_numbers_fail() {
        let mut t = MediaTrack::new("live", expect());
        t.observe(secs(0), live(0, 5).as_bytes()).unwrap();
        let e = err(t.observe(secs(2), live(7, 5).as_bytes()).unwrap_err());
        assert!(e.contains("sequence numbers 5..6 were never listed"), "{e}");
    }

    #[test]
    fn a_renamed_segment_fails() {
        let mut t = MediaTrack::new("live", expect());
        t.observe(secs(0), live(0, 3).as_bytes()).unwrap();
        let changed = live(0, 4).replace("index_1_2.ts", "other.ts");
        let e = err(t.observe(secs(2), changed.as_bytes()).unwrap_err());
        assert!(
            e.contains("sequence 2 was index_1_2.ts and is now other.ts"),
            "{e}"
        );
    }

    #[test]
    fn an_extinf_above_the_target_duration_fails() {
        let p = live(0, 3).replace("#EXTINF:2.000,\nindex_1_1.ts", "#EXTINF:2.6,\nindex_1_1.ts");
        let e = err(MediaTrack::new("x", Expect::default())
            .observe(secs(0), p.as_bytes())
            .unwrap_err());
        assert!(
            e.contains("EXTINF 2.600 which rounds above EXT-X-TARGETDURATION 2"),
            "{e}"
        );
    }

    #[test]
    fn a_window_too_long_or_too_short_fails() {
        let e = err(MediaTrack::new("x", expect())
            .observe(secs(0), live(0, 7).as_bytes())
            .unwrap_err());
        assert!(
            e.contains("holds 14.000 s of segments, more than PlaylistWindowSeconds 10"),
            "{e}"
        );
        let mut t = MediaTrack::new("x", expect());
        t.observe(secs(0), live(0, 5).as_bytes()).unwrap();
        let e = err(t.observe(secs(2), live(2, 3).as_bytes()).unwrap_err());
        assert!(e.contains("holds only 6.000 s"), "{e}");
    }

    #[test]
    fn a_program_date_time_jump_fails() {
        let p = live(0, 4)
            .replace(&iso(T0 + 6000), &iso(T0 + 6500))
            .replace(&iso(T0 + 4000), &iso(T0 + 4500));
        let e = err(MediaTrack::new("x", expect())
            .observe(secs(0), p.as_bytes())
            .unwrap_err());
        assert!(
            e.contains("segment 2's EXT-X-PROGRAM-DATE-TIME is 500 ms off"),
            "{e}"
        );
        // The same jump after a discontinuity is allowed.
        let p = p.replace(
            &format!("#EXT-X-PROGRAM-DATE-TIME:{}", iso(T0 + 4500)),
            &format!(
                "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:{}",
                iso(T0 + 4500)
            ),
        );
        MediaTrack::new("x", expect())
            .observe(secs(0), p.as_bytes())
            .unwrap();
    }

    #[test]
    fn a_program_date_time_standing_still_fails_even_after_a_discontinuity() {
        let p = live(0, 3).replace(
            &format!("#EXT-X-PROGRAM-DATE-TIME:{}", iso(T0 + 4000)),
            &format!(
                "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:{}",
                iso(T0 + 2000)
            ),
        );
        let e = err(MediaTrack::new("x", expect())
            .observe(secs(0), p.as_bytes())
            .unwrap_err());
        assert!(e.contains("segment 2's EXT-X-PROGRAM-DATE-TIME 2023-11-14T22:13:22.000Z is not after segment 1's"), "{e}");
    }

    #[test]
    fn missing_or_unparseable_program_date_times_fail() {
        let p = live(0, 3).replace(&format!("#EXT-X-PROGRAM-DATE-TIME:{}\n", iso(T0)), "");
        let e = err(MediaTrack::new("x", expect())
            .observe(secs(0), p.as_bytes())
            .unwrap_err());
        assert!(
            e.contains("the first segment (0) has no EXT-X-PROGRAM-DATE-TIME"),
            "{e}"
        );
        // ffmpeg's `+0000` is not RFC 3339.
        let p = live(0, 3).replace(&iso(T0 + 2000), "2023-11-14T22:13:22.000+0000");
        let e = err(MediaTrack::new("x", expect())
            .observe(secs(0), p.as_bytes())
            .unwrap_err());
        assert!(
            e.contains("1 of 3 EXT-X-PROGRAM-DATE-TIME tags are not RFC 3339"),
            "{e}"
        );
        // Tags further apart than the interval.
        let p = live(0, 5)
            .replace(
                &format!("#EXT-X-PROGRAM-DATE-TIME:{}\n", iso(T0 + 2000)),
                "",
            )
            .replace(
                &format!("#EXT-X-PROGRAM-DATE-TIME:{}\n", iso(T0 + 4000)),
                "",
            );
        let e = err(MediaTrack::new("x", expect())
            .observe(secs(0), p.as_bytes())
            .unwrap_err());
        assert!(
            e.contains("6.000 s of media between the EXT-X-PROGRAM-DATE-TIME of segments 0 and 3"),
            "{e}"
        );
    }

    #[test]
    fn the_discontinuity_sequence_must_count_what_left() {
        let with_disc = |first: u64, count: u64, dseq: u64| {
            live(first, count)
                .replace(
                    "#EXT-X-MEDIA-SEQUENCE",
                    &format!("#EXT-X-DISCONTINUITY-SEQUENCE:{dseq}\n#EXT-X-MEDIA-SEQUENCE"),
                )
                .replace(
                    &format!("#EXT-X-PROGRAM-DATE-TIME:{}", iso(T0 + 2000)),
                    &format!(
                        "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:{}",
                        iso(T0 + 2000)
                    ),
                )
        };
        let mut t = MediaTrack::new("x", expect());
        t.observe(secs(0), with_disc(0, 5, 0).as_bytes()).unwrap();
        t.observe(secs(2), with_disc(1, 5, 0).as_bytes()).unwrap();
        // Segment 1 (the discontinuity) leaves: the sequence must become 1.
        let e = err(t
            .observe(secs(4), with_disc(2, 5, 0).as_bytes())
            .unwrap_err());
        assert!(
            e.contains("EXT-X-DISCONTINUITY-SEQUENCE is 0, expected 1"),
            "{e}"
        );
        let mut t = MediaTrack::new("x", expect());
        t.observe(secs(0), with_disc(0, 5, 0).as_bytes()).unwrap();
        t.observe(secs(2), with_disc(1, 5, 0).as_bytes()).unwrap();
        t.observe(secs(4), with_disc(2, 5, 1).as_bytes()).unwrap();
    }

    #[test]
    fn a_pts_jump_without_a_discontinuity_fails() {
        use crate::hls_ts::packet;
        let mut t = MediaTrack::new("live", expect());
        let segs = t.observe(secs(0), live(0, 3).as_bytes()).unwrap();
        t.observe_segment(&segs[0], &packet(900_000, 0)).unwrap();
        t.observe_segment(&segs[1], &packet(1_080_000, 3)).unwrap();
        let e = err(t
            .observe_segment(&segs[2], &packet(1_100_000, 0))
            .unwrap_err());
        assert!(
            e.contains("segment 2 (index_1_2.ts) starts 0.222 s of PTS after segment 1"),
            "{e}"
        );
        let e = err(t.observe_segment(&segs[2], &[0x47; 188]).unwrap_err());
        assert!(e.contains("no video PES"), "{e}");
    }

    #[test]
    fn a_stalled_live_edge_fails() {
        let mut t = MediaTrack::new("live", expect());
        t.observe(secs(0), live(0, 5).as_bytes()).unwrap();
        t.observe(secs(5), live(0, 5).as_bytes()).unwrap();
        t.check_stall(secs(6)).unwrap();
        let e = err(t.check_stall(secs(7)).unwrap_err());
        assert!(
            e.contains("the live edge has stood at sequence Some(4) for 7.0 s"),
            "{e}"
        );
    }

    #[test]
    fn master_playlists_are_told_from_media_playlists() {
        let master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\"\nindex_1.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x180\nindex_2.m3u8?x=1\n";
        let v = parse_master(master.as_bytes()).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].bandwidth, v[0].resolution),
            (900_000, Some((640, 360)))
        );
        assert_eq!(v[1].uri, "index_2.m3u8?x=1");
        assert!(
            err(parse_master(live(0, 1).as_bytes()).unwrap_err()).contains("got a media playlist")
        );
        assert!(err(parse_media(master.as_bytes()).unwrap_err()).contains("got a master playlist"));
        assert!(err(parse_media(b"<html>no</html>").unwrap_err()).contains("cannot parse"));
    }

    #[test]
    fn segments_must_be_whole_ts_packets_with_cache_headers() {
        let mut h = http::HeaderMap::new();
        h.insert("content-type", http::HeaderValue::from_static("video/MP2T"));
        h.insert(
            "cache-control",
            http::HeaderValue::from_static("max-age=86400"),
        );
        let mut ts = vec![0u8; 188 * 3];
        for p in ts.chunks_mut(188) {
            p[0] = 0x47;
        }
        check_segment("s", 200, &h, &ts).unwrap();
        assert!(
            err(check_segment("s", 200, &h, &ts[..500]).unwrap_err())
                .contains("not a whole number")
        );
        let mut bad = ts.clone();
        bad[376] = 0;
        assert!(
            err(check_segment("s", 200, &h, &bad).unwrap_err()).contains("TS packet 2 (byte 376)")
        );
        assert!(err(check_segment("s", 404, &h, &ts).unwrap_err()).contains("answered 404"));
        let mut no_cache = h.clone();
        no_cache.remove("cache-control");
        assert!(
            err(check_segment("s", 200, &no_cache, &ts).unwrap_err()).contains("no Cache-Control")
        );
        let mut html = h.clone();
        html.insert("content-type", http::HeaderValue::from_static("text/html"));
        assert!(
            err(check_segment("s", 200, &html, &ts).unwrap_err()).contains("expected video/MP2T")
        );
        assert!(
            err(check_playlist_response("p", 200, &h).unwrap_err())
                .contains("not an HLS playlist type")
        );
    }

    /// ffmpeg's own live output, served as files: the checker passes it,
    /// and fails the same stream with one corrupted segment or with a stale
    /// playlist served after a newer one.
    #[tokio::test]
    async fn ffmpeg_live_output_passes_and_tampered_copies_fail() {
        use crate::static_http::{StaticServer, Tamper};
        use std::sync::Arc;
        let dir = tempfile::tempdir().unwrap();
        let mut ffmpeg = crate::hls_push::Pusher::to_dir(dir.path()).unwrap();
        // ffmpeg writes `+0000` offsets, which RFC 3339 (and so m3u8-rs and
        // the checker) refuse; an origin serving them must write `Z`.
        let fix = |path: &str, b: Vec<u8>| {
            if path.ends_with(".m3u8") {
                String::from_utf8_lossy(&b)
                    .replace("+0000", "Z")
                    .into_bytes()
            } else {
                b
            }
        };
        let faithful: Tamper = Arc::new(fix);
        let corrupt: Tamper = Arc::new(move |path: &str, b: Vec<u8>| {
            let mut b = fix(path, b);
            if path.ends_with("_00003.ts") && b.len() > 188 * 6 {
                b[188 * 5] = 0x00;
            }
            b
        });
        // Serves the first media playlist again right after the first one
        // that moved on: a stale cache in front of the origin.
        let state = Arc::new(std::sync::Mutex::new((0u32, Vec::new())));
        let back: Tamper = Arc::new(move |path: &str, b: Vec<u8>| {
            let b = fix(path, b);
            if !path.ends_with("channel_0.m3u8") {
                return b;
            }
            let mut state = state.lock().unwrap();
            match state.0 {
                0 => {
                    *state = (1, b.clone());
                    b
                }
                1 if b != state.1 => {
                    state.0 = 2;
                    b
                }
                2 => {
                    state.0 = 3;
                    state.1.clone()
                }
                _ => b,
            }
        });
        let mut servers = Vec::new();
        for tamper in [faithful, corrupt, back] {
            servers.push(
                StaticServer::start([127, 0, 0, 1], dir.path(), Some(tamper))
                    .await
                    .unwrap(),
            );
        }
        // ffmpeg writes the master playlist once every variant has a segment.
        let client = crate::http_client().unwrap();
        let master = servers[0].url("channel.m3u8");
        let deadline = Instant::now() + Duration::from_secs(30);
        while get(&client, &master).await.unwrap().0 != 200 {
            assert!(ffmpeg.is_running(), "ffmpeg exited:\n{}", ffmpeg.log_tail());
            assert!(
                Instant::now() < deadline,
                "no master playlist from ffmpeg:\n{}",
                ffmpeg.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let expect = Expect {
            window_seconds: Some(10.0),
            program_date_time: true,
            pdt_interval_seconds: Some(2.0),
            variants: Some(2),
            ..Expect::default()
        };
        let run = Duration::from_secs(9);
        let corrupt_master = servers[1].url("channel.m3u8");
        let stale_master = servers[2].url("channel.m3u8");
        let (good, corrupted, stepped_back) = tokio::join!(
            check_live(&client, &master, &expect, run),
            check_live(&client, &corrupt_master, &expect, run),
            check_live(&client, &stale_master, &expect, run),
        );
        let report = good.unwrap_or_else(|e| panic!("{e:#}\nffmpeg:\n{}", ffmpeg.log_tail()));
        assert_eq!(report.variants[1].resolution, Some((320, 180)));
        for t in &report.tracks {
            let (first, last) = t.sequences.unwrap();
            assert!(last >= first + 3, "{report}");
            assert_eq!(t.segments_checked, t.segments_seen, "{report}");
        }
        let e = err(corrupted.unwrap_err());
        assert!(e.contains("TS packet 5 (byte 940)"), "{e}");
        let e = err(stepped_back.unwrap_err());
        assert!(e.contains("the live edge went back"), "{e}");
    }
}
