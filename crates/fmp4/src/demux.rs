//! MPEG-TS → elementary streams, over `mpeg2ts-reader`: PAT/PMT discovery and
//! PES reassembly are the library's; this module only gathers each media
//! stream's PES packets (payload and 33-bit PTS/DTS) of one segment.

use crate::TrackKind;
use crate::error::{Error, Result};
use mpeg2ts_reader::demultiplex::{
    self, DemuxContext, FilterChangeset, FilterRequest, NullPacketFilter, PatPacketFilter,
    PmtPacketFilter,
};
use mpeg2ts_reader::pes::{self, ElementaryStreamConsumer, PesContents, PesHeader, PtsDts};
use mpeg2ts_reader::{StreamType, packet, packet_filter_switch};

/// TS packet size; inputs are plain 188-byte TS (not M2TS' 192).
const PACKET: usize = 188;

/// The elementary stream formats the remuxer carries into MP4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EsKind {
    H264,
    Hevc,
    Adts,
}

impl EsKind {
    fn from_stream_type(t: StreamType) -> Option<Self> {
        match t {
            StreamType::H264 => Some(Self::H264),
            StreamType::H265 => Some(Self::Hevc),
            StreamType::ADTS => Some(Self::Adts),
            _ => None,
        }
    }

    pub(crate) fn is_video(self) -> bool {
        matches!(self, Self::H264 | Self::Hevc)
    }

    fn track_kind(self) -> TrackKind {
        if self.is_video() {
            TrackKind::Video
        } else {
            TrackKind::Audio
        }
    }
}

/// One PES packet: its timestamps (33-bit, 90 kHz) and where its payload
/// lies in [`Es::data`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pes {
    pub pts: Option<u64>,
    pub dts: Option<u64>,
    pub start: usize,
    pub end: usize,
}

/// One elementary stream of one segment: the PES packets in arrival order,
/// their payloads back to back in `data`.
#[derive(Debug)]
pub(crate) struct Es {
    pub kind: EsKind,
    pub pid: u16,
    pub data: Vec<u8>,
    pub pes: Vec<Pes>,
    /// A PES packet whose header was seen and whose end was not yet.
    open: Option<Pes>,
}

impl Es {
    fn close(&mut self) {
        if let Some(mut p) = self.open.take() {
            p.end = self.data.len();
            self.pes.push(p);
        }
    }
}

packet_filter_switch! {
    Filter<Ctx> {
        Pes: pes::PesPacketFilter<Ctx, Consumer>,
        Pat: PatPacketFilter<Ctx>,
        Pmt: PmtPacketFilter<Ctx>,
        Null: NullPacketFilter<Ctx>,
    }
}

/// The demultiplexer's context: the library's change set plus our streams,
/// which the per-PID consumers fill (consumers live inside the demultiplexer,
/// so the data they gather has to live here).
pub struct Ctx {
    changeset: FilterChangeset<Filter>,
    streams: Vec<Es>,
    /// Keep only streams of this kind (`None`: all).
    only: Option<TrackKind>,
    /// The segment's size: each stream's buffer is reserved once from it,
    /// rather than doubling (and copying) its way up to a few megabytes.
    segment_len: usize,
}

impl DemuxContext for Ctx {
    type F = Filter;

    fn filter_changeset(&mut self) -> &mut FilterChangeset<Filter> {
        &mut self.changeset
    }

    fn construct(&mut self, req: FilterRequest<'_, '_>) -> Filter {
        match req {
            FilterRequest::ByPid(packet::Pid::PAT) => Filter::Pat(PatPacketFilter::default()),
            FilterRequest::ByPid(_) | FilterRequest::Nit { .. } => {
                Filter::Null(NullPacketFilter::default())
            }
            FilterRequest::Pmt {
                pid,
                program_number,
            } => Filter::Pmt(PmtPacketFilter::new(pid, program_number)),
            FilterRequest::ByStream {
                stream_type,
                stream_info,
                ..
            } => {
                let Some(kind) = EsKind::from_stream_type(stream_type) else {
                    return Filter::Null(NullPacketFilter::default());
                };
                if self.only.is_some_and(|only| only != kind.track_kind()) {
                    return Filter::Null(NullPacketFilter::default());
                }
                let pid = u16::from(stream_info.elementary_pid());
                // A repeated PMT announces the same PID again; keep one buffer.
                let index = match self.streams.iter().position(|s| s.pid == pid) {
                    Some(i) => i,
                    None => {
                        // Video is most of a segment; audio a small part.
                        let reserve = if kind.is_video() {
                            self.segment_len
                        } else {
                            self.segment_len / 8
                        };
                        self.streams.push(Es {
                            kind,
                            pid,
                            data: Vec::with_capacity(reserve),
                            pes: Vec::new(),
                            open: None,
                        });
                        self.streams.len() - 1
                    }
                };
                Filter::Pes(pes::PesPacketFilter::new(Consumer { index }))
            }
        }
    }
}

/// Appends one PID's PES packets to `Ctx::streams[index]`.
pub struct Consumer {
    index: usize,
}

impl ElementaryStreamConsumer<Ctx> for Consumer {
    fn start_stream(&mut self, _ctx: &mut Ctx) {}

    fn begin_packet(&mut self, ctx: &mut Ctx, header: PesHeader<'_>) {
        let Some(es) = ctx.streams.get_mut(self.index) else {
            return;
        };
        es.close();
        let (pts, dts, payload) = match header.contents() {
            PesContents::Parsed(Some(parsed)) => {
                let (pts, dts) = match parsed.pts_dts() {
                    Ok(PtsDts::PtsOnly(Ok(pts))) => (Some(pts.value()), None),
                    Ok(PtsDts::Both {
                        pts: Ok(pts),
                        dts: Ok(dts),
                    }) => (Some(pts.value()), Some(dts.value())),
                    _ => (None, None),
                };
                (pts, dts, parsed.payload())
            }
            PesContents::Parsed(None) => (None, None, &[][..]),
            PesContents::Payload(payload) => (None, None, payload),
        };
        let start = es.data.len();
        es.data.extend_from_slice(payload);
        es.open = Some(Pes {
            pts,
            dts,
            start,
            end: start,
        });
    }

    fn continue_packet(&mut self, ctx: &mut Ctx, data: &[u8]) {
        if let Some(es) = ctx.streams.get_mut(self.index)
            && es.open.is_some()
        {
            es.data.extend_from_slice(data);
        }
    }

    fn end_packet(&mut self, ctx: &mut Ctx) {
        if let Some(es) = ctx.streams.get_mut(self.index) {
            es.close();
        }
    }

    fn continuity_error(&mut self, _ctx: &mut Ctx) {
        // The library drops the broken PES packet; the samples around it
        // still remux (a gap in the fragment, as a player would see it).
    }
}

/// Demultiplexes one segment into its H.264/HEVC/ADTS streams, in PMT order.
/// `segment` is the index for error messages.
/// With `only`, streams of the other kind are skipped.
pub(crate) fn demux(segment: usize, ts: &[u8], only: Option<TrackKind>) -> Result<Vec<Es>> {
    check_packets(segment, ts)?;
    let mut ctx = Ctx {
        changeset: FilterChangeset::default(),
        streams: Vec::new(),
        only,
        segment_len: ts.len(),
    };
    let mut demux = demultiplex::Demultiplex::new(&mut ctx);
    demux.push(&mut ctx, ts);
    // The last PES of a stream (video's has no length) ends with the segment.
    for es in &mut ctx.streams {
        es.close();
    }
    Ok(ctx.streams)
}

/// The library stops quietly at the first packet that has lost sync; a
/// segment must be whole packets, each with its sync byte, or it is refused.
fn check_packets(segment: usize, ts: &[u8]) -> Result<()> {
    let fail = |reason| Err(Error::NotTransportStream { segment, reason });
    if ts.is_empty() {
        return fail("empty");
    }
    if !ts.len().is_multiple_of(PACKET) {
        return fail("length is not a multiple of 188 bytes (truncated?)");
    }
    if ts.chunks_exact(PACKET).any(|p| p[0] != 0x47) {
        return fail("a packet lacks the 0x47 sync byte");
    }
    Ok(())
}
