//! Just enough of the elementary streams inside MPEG-TS to segment them:
//! PES timestamps (ISO/IEC 13818-1 §2.4.3.7), whether an access unit is a
//! random access point (H.264 IDR, H.265 IRAP, MPEG-2 sequence header), and
//! the `CODECS` strings of a master playlist (RFC 6381: `avc1.PPCCLL`,
//! `mp4a.40.N`). Pure functions over bytes; nothing here panics on garbage.

/// 2^33: PES timestamps wrap here.
pub const PTS_WRAP: u64 = 1 << 33;

/// The PTS and DTS of a PES packet whose header starts `payload` (the
/// payload of the TS packet with the payload-unit-start flag). `None` when
/// `payload` is not a PES header; a timestamp the header does not carry is
/// `None`. Also returns the offset of the PES payload (the elementary
/// stream bytes) within `payload`.
pub fn pes_header(payload: &[u8]) -> Option<PesHeader> {
    let [0, 0, 1, stream_id, _, _, rest @ ..] = payload else {
        return None;
    };
    // Streams without the optional header (padding, private_stream_2, ...).
    if matches!(
        stream_id,
        0xbc | 0xbe | 0xbf | 0xf0 | 0xf1 | 0xff | 0xf2 | 0xf8
    ) {
        return Some(PesHeader {
            pts: None,
            dts: None,
            payload_offset: 6,
        });
    }
    let [flags1, flags2, header_len, fields @ ..] = rest else {
        return None;
    };
    if flags1 & 0xc0 != 0x80 {
        return None;
    }
    let pts = (flags2 & 0x80 != 0)
        .then(|| fields.get(..5).and_then(timestamp))
        .flatten();
    let dts = (flags2 & 0xc0 == 0xc0)
        .then(|| fields.get(5..10).and_then(timestamp))
        .flatten();
    Some(PesHeader {
        pts,
        dts,
        payload_offset: 9 + usize::from(*header_len),
    })
}

/// What [`pes_header`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PesHeader {
    /// Presentation time stamp, 90 kHz.
    pub pts: Option<u64>,
    /// Decoding time stamp, 90 kHz (absent: equal to the PTS).
    pub dts: Option<u64>,
    /// Where the elementary stream bytes begin.
    pub payload_offset: usize,
}

fn timestamp(b: &[u8]) -> Option<u64> {
    let [b0, b1, b2, b3, b4] = *b else {
        return None;
    };
    Some(
        (u64::from(b0 >> 1) & 0x07) << 30
            | u64::from(b1) << 22
            | u64::from(b2 >> 1) << 15
            | u64::from(b3) << 7
            | u64::from(b4 >> 1),
    )
}

/// `later - earlier` on the 33-bit clock: `Some` when `later` is ahead by
/// less than half the wrap, `None` when it is behind.
pub fn ticks_after(earlier: u64, later: u64) -> Option<u64> {
    let d = later.wrapping_sub(earlier) & (PTS_WRAP - 1);
    (d < PTS_WRAP / 2).then_some(d)
}

/// The video coding whose access units [`RapScanner`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoCoding {
    /// H.264 / AVC (stream_type 0x1b).
    Avc,
    /// H.265 / HEVC (stream_type 0x24).
    Hevc,
    /// MPEG-1/2 video (stream_type 0x01, 0x02).
    Mpeg2,
}

impl VideoCoding {
    /// The coding of a PMT stream_type, when it is one of these.
    pub fn of(stream_type: u8) -> Option<Self> {
        match stream_type {
            0x1b => Some(Self::Avc),
            0x24 => Some(Self::Hevc),
            0x01 | 0x02 => Some(Self::Mpeg2),
            _ => None,
        }
    }
}

/// Whether an access unit starts a random access point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A decoder can start here.
    Rap,
    /// It cannot.
    NotRap,
    /// Not known yet: more bytes of the PES are needed.
    Unknown,
}

/// How many bytes of one PES are scanned before giving up: parameter sets
/// and SEI precede the first slice, and x264's first SEI alone is ~700 bytes.
const SCAN_LIMIT: usize = 64 * 1024;

/// Reads the start codes of one PES payload, fed in pieces as TS packets
/// arrive, until it knows whether the access unit is a random access point.
/// Also keeps the first H.264 SPS it sees (for `CODECS`).
#[derive(Debug, Clone)]
pub struct RapScanner {
    coding: VideoCoding,
    /// The last 3 bytes of the previous piece, so start codes split across
    /// TS packets are found.
    carry: Vec<u8>,
    scanned: usize,
    decided: Access,
    /// The H.264 SPS bytes after the NAL header, up to 3 (profile,
    /// constraints, level), once seen.
    pub sps: Option<[u8; 3]>,
}

impl RapScanner {
    /// A scanner for a new PES of `coding`.
    pub fn new(coding: VideoCoding) -> Self {
        Self {
            coding,
            carry: Vec::new(),
            scanned: 0,
            decided: Access::Unknown,
            sps: None,
        }
    }

    /// What is known so far.
    #[cfg_attr(not(test), expect(dead_code, reason = "read by tests"))]
    pub fn access(&self) -> Access {
        self.decided
    }

    /// Scans the next bytes of the PES payload.
    pub fn feed(&mut self, bytes: &[u8]) -> Access {
        if self.decided != Access::Unknown {
            return self.decided;
        }
        let mut buf = std::mem::take(&mut self.carry);
        buf.extend_from_slice(bytes);
        self.scanned += bytes.len();
        let mut i = 0;
        while i + 3 <= buf.len() {
            let Some(window) = buf.get(i..i + 3) else {
                break;
            };
            if window == [0, 0, 1] {
                let header = buf.get(i + 3..(i + 6).min(buf.len())).unwrap_or(&[]);
                if header.is_empty() {
                    // The NAL header is in the next piece.
                    self.carry = vec![0, 0, 1];
                    return self.decided;
                }
                if let Some(access) = self.nal(header, buf.get(i + 3..).unwrap_or(&[])) {
                    self.decided = access;
                    return access;
                }
                i += 3;
            } else {
                i += 1;
            }
        }
        let keep = buf.len().min(2);
        self.carry = buf.get(buf.len() - keep..).unwrap_or(&[]).to_vec();
        if self.scanned > SCAN_LIMIT {
            self.decided = Access::NotRap;
        }
        self.decided
    }

    /// The decision a NAL unit (or MPEG-2 start code) starting with
    /// `header` brings, if any; `body` is the unit from its header on.
    fn nal(&mut self, header: &[u8], body: &[u8]) -> Option<Access> {
        let first = *header.first()?;
        match self.coding {
            VideoCoding::Avc => match first & 0x1f {
                5 => Some(Access::Rap),
                1..=4 => Some(Access::NotRap),
                7 => {
                    if self.sps.is_none()
                        && let Some(&[p, c, l]) = body.get(1..4)
                    {
                        self.sps = Some([p, c, l]);
                    }
                    None
                }
                _ => None,
            },
            VideoCoding::Hevc => match (first >> 1) & 0x3f {
                16..=21 => Some(Access::Rap),
                0..=9 => Some(Access::NotRap),
                _ => None,
            },
            VideoCoding::Mpeg2 => match first {
                // sequence_header_code: a decoder can start here.
                0xb3 => Some(Access::Rap),
                // picture_start_code before any sequence header.
                0x00 => Some(Access::NotRap),
                _ => None,
            },
        }
    }
}

/// `avc1.PPCCLL` from the three SPS bytes after the NAL header.
pub fn avc_codec(sps: [u8; 3]) -> String {
    let [p, c, l] = sps;
    format!("avc1.{p:02x}{c:02x}{l:02x}")
}

/// `mp4a.40.N` from the ADTS header at the start of an AAC PES payload.
pub fn aac_codec(es: &[u8]) -> Option<String> {
    let [0xff, b1, b2, ..] = *es else {
        return None;
    };
    if b1 & 0xf6 != 0xf0 {
        return None;
    }
    let object_type = (b2 >> 6) + 1;
    Some(format!("mp4a.40.{object_type}"))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn pes(pts: u64, dts: Option<u64>) -> Vec<u8> {
        let ts = |marker: u8, t: u64| {
            vec![
                marker << 4 | ((t >> 29) as u8 & 0x0e) | 1,
                (t >> 22) as u8,
                ((t >> 14) as u8 & 0xfe) | 1,
                (t >> 7) as u8,
                ((t << 1) as u8) | 1,
            ]
        };
        let mut p = vec![0, 0, 1, 0xe0, 0, 0, 0x80];
        match dts {
            Some(d) => {
                p.extend_from_slice(&[0xc0, 10]);
                p.extend(ts(3, pts));
                p.extend(ts(1, d));
            }
            None => {
                p.extend_from_slice(&[0x80, 5]);
                p.extend(ts(2, pts));
            }
        }
        p
    }

    #[test]
    fn pes_timestamps_decode_with_and_without_dts() {
        let big = PTS_WRAP - 7;
        let h = pes_header(&pes(big, None)).unwrap();
        assert_eq!((h.pts, h.dts, h.payload_offset), (Some(big), None, 14));
        let h = pes_header(&pes(183_000, Some(180_000))).unwrap();
        assert_eq!(
            (h.pts, h.dts, h.payload_offset),
            (Some(183_000), Some(180_000), 19)
        );
        assert_eq!(pes_header(&[0, 0, 2, 0xe0, 0, 0, 0x80, 0x80, 5]), None);
        assert_eq!(pes_header(&[0, 0, 1]), None);
        let cut = pes(90_000, None);
        let h = pes_header(cut.get(..10).unwrap()).unwrap();
        assert_eq!(h.pts, None, "a cut header has no timestamp");
    }

    #[test]
    fn ticks_wrap_on_the_33_bit_clock() {
        assert_eq!(ticks_after(PTS_WRAP - 10, 5), Some(15));
        assert_eq!(ticks_after(100, 50), None);
        assert_eq!(ticks_after(0, 90_000), Some(90_000));
    }

    #[test]
    fn an_idr_behind_parameter_sets_split_across_pieces_is_a_rap() {
        let mut s = RapScanner::new(VideoCoding::Avc);
        // AUD, SPS (High, level 3.0), PPS, SEI, then the IDR slice header
        // split across two pieces in the middle of its start code.
        let mut a = vec![
            0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1e, 0xac,
        ];
        a.extend_from_slice(&[0, 0, 1, 0x68, 0xee, 0, 0, 1, 0x06, 5, 0xff, 0xff, 0]);
        assert_eq!(s.feed(&a), Access::Unknown);
        assert_eq!(s.feed(&[0, 1]), Access::Unknown);
        assert_eq!(s.feed(&[0x65, 0x88]), Access::Rap);
        assert_eq!(s.sps.map(avc_codec).as_deref(), Some("avc1.64001e"));
    }

    #[test]
    fn a_non_idr_slice_is_not_a_rap_and_hevc_irap_is() {
        let mut s = RapScanner::new(VideoCoding::Avc);
        assert_eq!(
            s.feed(&[0, 0, 1, 0x09, 0x10, 0, 0, 1, 0x41, 0x9a]),
            Access::NotRap
        );
        let mut h = RapScanner::new(VideoCoding::Hevc);
        // AUD (35), VPS (32), then IDR_W_RADL (19).
        assert_eq!(
            h.feed(&[
                0, 0, 1, 0x46, 1, 0x50, 0, 0, 1, 0x40, 1, 0xc, 0, 0, 1, 0x26, 1
            ]),
            Access::Rap
        );
        let mut m = RapScanner::new(VideoCoding::Mpeg2);
        assert_eq!(m.feed(&[0, 0, 1, 0x00, 0x12]), Access::NotRap);
    }

    #[test]
    fn garbage_never_decides_a_rap() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..200 {
            let mut s = RapScanner::new(VideoCoding::Avc);
            for _ in 0..40 {
                let piece: Vec<u8> = (0..184)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        // No zero bytes: no start code can form.
                        (state as u8) | 1
                    })
                    .collect();
                assert_ne!(s.feed(&piece), Access::Rap);
            }
        }
        let mut s = RapScanner::new(VideoCoding::Avc);
        let zeros = vec![0u8; SCAN_LIMIT + 10];
        assert_eq!(s.feed(&zeros), Access::NotRap, "gives up after the limit");
    }

    #[test]
    fn aac_object_type_comes_from_adts() {
        assert_eq!(
            aac_codec(&[0xff, 0xf1, 0x50, 0x80]).as_deref(),
            Some("mp4a.40.2")
        );
        assert_eq!(
            aac_codec(&[0xff, 0xf9, 0x10, 0x80]).as_deref(),
            Some("mp4a.40.1")
        );
        assert_eq!(aac_codec(&[0xfe, 0xf1, 0x50]), None);
    }
}
