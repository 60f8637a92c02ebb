//! The segmenter, sans-IO: a flow's MPEG-TS in, HLS segments out.
//!
//! It finds the program through the PAT and PMT, picks the stream it cuts
//! on (the first video stream; the first audio stream when there is no
//! video) and cuts **only at random access points** of that stream: a PES
//! whose TS packet carries `random_access_indicator`, or whose access unit
//! is an H.264 IDR / H.265 IRAP / MPEG-2 sequence header (audio: every
//! PES). A segment is closed at the first random access point at least the
//! target duration after its start, so with a GOP that divides the target
//! every segment is exactly the target.
//!
//! Each segment starts with a copy of the latest PAT and PMT (RFC 8216
//! §3.2: a segment must carry them to be decodable on its own), then the
//! packets from the random access point on, unchanged. Its duration is the
//! PTS distance to the next segment's first access unit, its program date
//! time the wall clock when its first packet arrived, carried forward
//! (previous + duration) while the timeline is continuous.
//!
//! Breaks: a DTS/PTS that goes backwards or jumps more than
//! [`MAX_STEP`] ends the segment where it is (its duration from the last
//! timestamp seen) and the next one, from the next random access point,
//! starts a discontinuity with a fresh program date time; a continuity
//! counter error on the cut stream (lost packets) marks the next segment
//! discontinuous. Bytes before the first random access point, TS packets
//! that do not decode, and segments that outgrow [`MAX_SEGMENT_BYTES`] or
//! [`MAX_SEGMENT`] without a random access point are dropped and counted.

use std::collections::BTreeMap;

use bytes::Bytes;
use tributary_ts::{Kind, PACKET_SIZE, Probe, TsPacket};

use super::es::{Access, RapScanner, VideoCoding, aac_codec, avc_codec, pes_header, ticks_after};

/// 90 kHz ticks per millisecond.
const TICKS_PER_MS: u64 = 90;
/// A timestamp step larger than this (10 s) between two access units of the
/// cut stream is a break in the timeline, not a gap in a live stream.
pub const MAX_STEP: u64 = 10 * 90_000;
/// A segment still without a random access point after this (60 s) is
/// dropped: the stream has no usable random access points.
pub const MAX_SEGMENT: u64 = 60 * 90_000;
/// A segment larger than this is dropped (a 20 Mb/s stream makes ~15 MiB
/// in 6 s).
pub const MAX_SEGMENT_BYTES: usize = 48 << 20;
/// How far before the target a random access point may come and still
/// close the segment: timestamp jitter, not a frame (10 ms).
const TOLERANCE: u64 = 900;

/// One segment, ready to push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// PAT, PMT, then the stream from a random access point on.
    pub bytes: Bytes,
    /// From PTS differences, in milliseconds (at least 1).
    pub duration_ms: u32,
    /// PTS of its first access unit on the cut stream, 90 kHz.
    pub pts: u64,
    /// Wall-clock start, milliseconds since the epoch.
    pub program_date_time_ms: i64,
    /// It does not continue the previous segment.
    pub discontinuity: bool,
}

/// What the segmenter has counted; each only grows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SegmenterCounters {
    /// TS packets taken in.
    pub packets: u64,
    /// 188-byte pieces that were not TS packets.
    pub garbage: u64,
    /// Bytes dropped: before the first random access point, or in a segment
    /// that could not be closed.
    pub dropped_bytes: u64,
    /// Segments dropped for want of a random access point.
    pub dropped_segments: u64,
    /// Continuity-counter errors on the cut stream.
    pub cc_breaks: u64,
    /// Timestamp breaks on the cut stream.
    pub timeline_breaks: u64,
    /// Segments produced.
    pub segments: u64,
}

/// The stream segments are cut on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CutStream {
    pid: u16,
    pmt_pid: u16,
    /// `None`: audio, every PES is a random access point.
    video: Option<VideoCoding>,
}

/// The segment being built.
#[derive(Debug, Clone, Copy)]
struct Open {
    start_pts: u64,
    /// Furthest presentation end seen, in ticks after `start_pts`.
    end: u64,
    program_date_time_ms: i64,
    discontinuity: bool,
}

/// The latest PES of the cut stream.
#[derive(Debug)]
struct Pes {
    /// Where its first packet is in `buf`.
    offset: usize,
    pts: Option<u64>,
    scanner: Option<RapScanner>,
    access: Access,
}

/// See the module docs.
#[derive(Debug)]
pub struct Segmenter {
    target: u64,
    probe: Probe,
    psi: PsiCopies,
    cut: Option<CutStream>,
    buf: Vec<u8>,
    open: Option<Open>,
    pes: Option<Pes>,
    last_cc: Option<u8>,
    last_dts: Option<u64>,
    frame: u64,
    /// The next segment starts a discontinuity.
    discontinuity: bool,
    /// The next segment's program date time is taken afresh.
    reanchor: bool,
    next_pdt: Option<i64>,
    video_codec: Option<String>,
    audio_codecs: BTreeMap<u16, String>,
    counters: SegmenterCounters,
}

impl Segmenter {
    /// A segmenter closing segments after `target_ms`. The first segment
    /// starts a discontinuity: whoever reads the segments cannot know what
    /// came before them.
    pub fn new(target_ms: u32) -> Self {
        Self {
            target: u64::from(target_ms.max(1)) * TICKS_PER_MS,
            probe: Probe::new(),
            psi: PsiCopies::default(),
            cut: None,
            buf: Vec::new(),
            open: None,
            pes: None,
            last_cc: None,
            last_dts: None,
            frame: 0,
            discontinuity: true,
            reanchor: true,
            next_pdt: None,
            video_codec: None,
            audio_codecs: BTreeMap::new(),
            counters: SegmenterCounters::default(),
        }
    }

    /// Counts so far.
    pub fn counters(&self) -> SegmenterCounters {
        self.counters
    }

    /// The `CODECS` attribute of the stream's program, when every video and
    /// audio stream in it is one this segmenter can name.
    pub fn codecs(&self) -> Option<String> {
        let cut = self.cut?;
        let program = self
            .probe
            .programs()
            .into_iter()
            .find(|p| p.pmt_pid == cut.pmt_pid)?;
        let mut names = Vec::new();
        for stream in &program.pmt?.streams {
            match stream.kind() {
                Kind::Video if stream.pid == cut.pid => names.push(self.video_codec.clone()?),
                Kind::Audio => names.push(self.audio_codecs.get(&stream.pid)?.clone()),
                Kind::Video => return None,
                _ => {}
            }
        }
        (!names.is_empty()).then(|| names.join(","))
    }

    /// Takes the TS bytes of one datagram (whole 188-byte packets), which
    /// arrived at wall-clock `now_ms`; segments it closes are added to `out`.
    pub fn push(&mut self, now_ms: i64, ts: &[u8], out: &mut Vec<Segment>) {
        for chunk in ts.chunks(PACKET_SIZE) {
            match TsPacket::decode(chunk) {
                Ok(packet) if chunk.len() == PACKET_SIZE => {
                    self.counters.packets += 1;
                    self.packet(now_ms, chunk, &packet, out);
                }
                _ => self.counters.garbage += 1,
            }
        }
    }

    fn packet(&mut self, now_ms: i64, raw: &[u8], packet: &TsPacket<'_>, out: &mut Vec<Segment>) {
        if self.is_psi(packet.pid) {
            self.probe.push(raw);
            self.psi.packet(packet.pid, raw, packet);
            self.choose_stream(out);
        } else if let Some(payload) = packet.payload
            && packet.pusi
            && self.audio_codecs.len() < 8
            && !self.audio_codecs.contains_key(&packet.pid)
            && self.is_aac(packet.pid)
            && let Some(header) = pes_header(payload)
            && let Some(codec) = payload.get(header.payload_offset..).and_then(aac_codec)
        {
            self.audio_codecs.insert(packet.pid, codec);
        }
        match self.cut {
            Some(cut) if cut.pid == packet.pid => self.cut_packet(now_ms, raw, packet, cut, out),
            _ => {
                if self.open.is_some() || self.pes.is_some() {
                    self.buf.extend_from_slice(raw);
                    self.check_size();
                } else {
                    self.counters.dropped_bytes += raw.len() as u64;
                }
            }
        }
    }

    fn is_psi(&self, pid: u16) -> bool {
        pid == 0
            || self
                .probe
                .pat()
                .is_some_and(|pat| pat.programs.iter().any(|&(_, p)| p == pid))
    }

    fn is_aac(&self, pid: u16) -> bool {
        self.probe.programs().iter().any(|p| {
            p.pmt.as_ref().is_some_and(|pmt| {
                pmt.streams
                    .iter()
                    .any(|s| s.pid == pid && matches!(s.stream_type, 0x0f | 0x11))
            })
        })
    }

    /// Re-reads which stream to cut on after a PAT or PMT packet; a change
    /// ends the current segment as a break.
    fn choose_stream(&mut self, out: &mut Vec<Segment>) {
        let mut chosen = None;
        for program in self.probe.programs() {
            let Some(pmt) = program.pmt else { continue };
            let video = pmt
                .streams
                .iter()
                .find_map(|s| VideoCoding::of(s.stream_type).map(|c| (s.pid, Some(c))));
            let audio = pmt
                .streams
                .iter()
                .find(|s| s.kind() == Kind::Audio)
                .map(|s| (s.pid, None));
            if let Some((pid, video)) = video.or(audio) {
                chosen = Some(CutStream {
                    pid,
                    pmt_pid: program.pmt_pid,
                    video,
                });
                break;
            }
        }
        if chosen == self.cut || chosen.is_none() {
            return;
        }
        if self.cut.is_some() {
            self.timeline_break(out);
        }
        self.cut = chosen;
        self.video_codec = None;
        self.last_cc = None;
        self.last_dts = None;
    }

    fn cut_packet(
        &mut self,
        now_ms: i64,
        raw: &[u8],
        packet: &TsPacket<'_>,
        cut: CutStream,
        out: &mut Vec<Segment>,
    ) {
        if packet.payload.is_some() {
            let cc = packet.continuity_counter;
            if let Some(last) = self.last_cc
                && cc != (last + 1) & 0x0f
                && cc != last
                && !packet.discontinuity()
            {
                self.counters.cc_breaks += 1;
                self.discontinuity = true;
            }
            self.last_cc = Some(cc);
        }
        let payload = packet.payload.unwrap_or(&[]);
        if packet.pusi {
            let header = pes_header(payload);
            let timestamp = header.and_then(|h| h.dts.or(h.pts));
            if let (Some(last), Some(t)) = (self.last_dts, timestamp) {
                match ticks_after(last, t) {
                    Some(step) if step <= MAX_STEP => {
                        if step > 0 {
                            self.frame = step;
                        }
                    }
                    _ => self.timeline_break(out),
                }
            }
            if timestamp.is_some() {
                self.last_dts = timestamp;
            }
            if self.open.is_none() {
                // Nothing before an undecided PES start is of use.
                self.counters.dropped_bytes += self.buf.len() as u64;
                self.buf.clear();
            }
            let random_access = packet
                .adaptation
                .and_then(|a| a.first())
                .is_some_and(|flags| flags & 0x40 != 0);
            let mut pes = Pes {
                offset: self.buf.len(),
                pts: header.and_then(|h| h.pts),
                scanner: cut.video.map(RapScanner::new),
                access: if random_access || cut.video.is_none() {
                    Access::Rap
                } else {
                    Access::Unknown
                },
            };
            self.buf.extend_from_slice(raw);
            if pes.access == Access::Unknown
                && let (Some(scanner), Some(h)) = (pes.scanner.as_mut(), header)
            {
                pes.access = scanner.feed(payload.get(h.payload_offset..).unwrap_or(&[]));
            }
            // Keep scanning a RAP flagged by the adaptation field for its SPS.
            if random_access
                && self.video_codec.is_none()
                && let (Some(scanner), Some(h)) = (pes.scanner.as_mut(), header)
            {
                scanner.feed(payload.get(h.payload_offset..).unwrap_or(&[]));
            }
            let access = pes.access;
            self.pes = Some(pes);
            if access != Access::Unknown {
                self.decided(now_ms, out);
            }
        } else {
            self.buf.extend_from_slice(raw);
            if let Some(pes) = self.pes.as_mut()
                && pes.access == Access::Unknown
                && let Some(scanner) = pes.scanner.as_mut()
            {
                pes.access = scanner.feed(payload);
                if pes.access != Access::Unknown {
                    self.decided(now_ms, out);
                }
            }
        }
        self.check_size();
    }

    /// The latest PES's access is now known.
    fn decided(&mut self, now_ms: i64, out: &mut Vec<Segment>) {
        let Some(pes) = self.pes.as_ref() else { return };
        if let Some(sps) = pes.scanner.as_ref().and_then(|s| s.sps)
            && pes.access == Access::Rap
        {
            self.video_codec = Some(avc_codec(sps));
        }
        let (offset, pts, access) = (pes.offset, pes.pts, pes.access);
        match (access, pts, self.open) {
            (Access::Rap, Some(pts), None) => self.open_at(offset, pts, now_ms),
            (Access::Rap, Some(pts), Some(open)) => match ticks_after(open.start_pts, pts) {
                Some(elapsed) if elapsed + TOLERANCE >= self.target => {
                    self.close(offset, elapsed, out);
                    // `close` left the PES at the start of `buf`.
                    self.open_at(0, pts, now_ms);
                }
                _ => self.extend_to(pts),
            },
            (_, Some(pts), Some(_)) => self.extend_to(pts),
            (_, _, None) => {
                // Not a place to start: wait for the next PES start.
            }
            (_, None, Some(_)) => {}
        }
    }

    fn extend_to(&mut self, pts: u64) {
        let frame = self.frame;
        if let Some(open) = self.open.as_mut()
            && let Some(at) = ticks_after(open.start_pts, pts)
        {
            open.end = open.end.max(at + frame);
        }
    }

    /// Starts a segment at `offset` of `buf`, prefixed with the PSI copies.
    fn open_at(&mut self, offset: usize, pts: u64, now_ms: i64) {
        let tail = self.buf.split_off(offset.min(self.buf.len()));
        self.counters.dropped_bytes += self.buf.len() as u64;
        self.buf.clear();
        if let Some(cut) = self.cut {
            self.psi.prefix(cut.pmt_pid, &mut self.buf);
        }
        let psi_len = self.buf.len();
        self.buf.extend_from_slice(&tail);
        if let Some(pes) = self.pes.as_mut() {
            pes.offset = psi_len;
        }
        let program_date_time_ms = match self.next_pdt {
            Some(pdt) if !self.reanchor => pdt,
            _ => now_ms,
        };
        self.open = Some(Open {
            start_pts: pts,
            end: self.frame,
            program_date_time_ms,
            discontinuity: std::mem::take(&mut self.discontinuity),
        });
        self.reanchor = false;
    }

    /// Ends the open segment with the bytes before `offset`, lasting
    /// `duration` ticks.
    fn close(&mut self, offset: usize, duration: u64, out: &mut Vec<Segment>) {
        let Some(open) = self.open.take() else { return };
        let offset = offset.min(self.buf.len());
        let rest = self.buf.split_off(offset);
        let bytes = Bytes::from(std::mem::replace(&mut self.buf, rest));
        if let Some(pes) = self.pes.as_mut() {
            pes.offset = pes.offset.saturating_sub(offset);
        }
        let duration_ms = u32::try_from((duration / TICKS_PER_MS).max(1)).unwrap_or(u32::MAX);
        self.next_pdt = Some(open.program_date_time_ms + i64::from(duration_ms));
        self.counters.segments += 1;
        out.push(Segment {
            bytes,
            duration_ms,
            pts: open.start_pts,
            program_date_time_ms: open.program_date_time_ms,
            discontinuity: open.discontinuity,
        });
    }

    /// The timeline broke before the packet being handled: the open segment
    /// ends with what it has, and the next one starts a discontinuity.
    fn timeline_break(&mut self, out: &mut Vec<Segment>) {
        self.counters.timeline_breaks += 1;
        if let Some(open) = self.open {
            let end = self.buf.len();
            self.close(end, open.end, out);
        }
        self.pes = None;
        self.discontinuity = true;
        self.reanchor = true;
        self.next_pdt = None;
    }

    /// Drops what cannot become a segment.
    fn check_size(&mut self) {
        let too_long = self.open.is_some_and(|o| o.end > MAX_SEGMENT);
        if self.buf.len() > MAX_SEGMENT_BYTES || too_long {
            self.counters.dropped_bytes += self.buf.len() as u64;
            if self.open.take().is_some() {
                self.counters.dropped_segments += 1;
            }
            self.buf.clear();
            self.pes = None;
            self.discontinuity = true;
            self.reanchor = true;
            self.next_pdt = None;
        }
    }
}

/// The latest complete PAT and PMTs as the TS packets that carried them.
#[derive(Debug, Default)]
struct PsiCopies {
    complete: BTreeMap<u16, Vec<u8>>,
    /// Per PID: packets of a section still arriving, and bytes still due.
    partial: BTreeMap<u16, (Vec<u8>, usize)>,
}

/// Largest PSI section (ISO/IEC 13818-1: 1024 for PAT/PMT; 4096 private).
const MAX_SECTION: usize = 4096;

impl PsiCopies {
    fn packet(&mut self, pid: u16, raw: &[u8], packet: &TsPacket<'_>) {
        let Some(payload) = packet.payload else {
            return;
        };
        if packet.pusi {
            self.partial.remove(&pid);
            let pointer = usize::from(payload.first().copied().unwrap_or(0));
            let section = payload.get(1 + pointer..).unwrap_or(&[]);
            let Some(len) = section_len(section) else {
                return;
            };
            if len > MAX_SECTION {
                return;
            }
            if section.len() >= len {
                self.complete.insert(pid, raw.to_vec());
            } else {
                self.partial
                    .insert(pid, (raw.to_vec(), len - section.len()));
            }
        } else if let Some((packets, due)) = self.partial.get_mut(&pid) {
            packets.extend_from_slice(raw);
            if payload.len() >= *due {
                let (packets, _) = self.partial.remove(&pid).unwrap_or_default();
                self.complete.insert(pid, packets);
            } else {
                *due -= payload.len();
            }
        }
    }

    /// Appends the PAT and the PMT on `pmt_pid` to `out`, when known.
    fn prefix(&self, pmt_pid: u16, out: &mut Vec<u8>) {
        for pid in [0, pmt_pid] {
            if let Some(packets) = self.complete.get(&pid) {
                out.extend_from_slice(packets);
            }
        }
    }
}

fn section_len(section: &[u8]) -> Option<usize> {
    match section {
        [_, hi, lo, ..] => Some(3 + usize::from(u16::from_be_bytes([hi & 0x0f, *lo]))),
        _ => None,
    }
}
