//! Just enough MPEG-TS (ISO/IEC 13818-1) to read a segment's timing, written
//! here from the standard so the checker does not trust our own `ts` crate:
//! the first video PES's presentation time stamp.

/// Bytes in a TS packet.
pub const PACKET: usize = 188;

/// PTS ticks per second.
pub const PTS_HZ: u64 = 90_000;

/// The PTS (90 kHz) of the first video PES (stream id 0xE0–0xEF) that
/// starts in `ts`; `None` when there is none.
pub fn first_video_pts(ts: &[u8]) -> Option<u64> {
    ts.chunks_exact(PACKET).find_map(|p| {
        if p[0] != 0x47 || p[1] & 0x40 == 0 {
            return None; // not synced, or no payload unit starts here
        }
        let adaptation = (p[3] >> 4) & 0b11;
        if adaptation & 0b01 == 0 {
            return None; // no payload
        }
        let start = if adaptation & 0b10 != 0 {
            5 + usize::from(p[4])
        } else {
            4
        };
        pes_pts(p.get(start..)?)
    })
}

/// The PTS of a PES header at the start of `pes`, for a video stream.
fn pes_pts(pes: &[u8]) -> Option<u64> {
    if pes.len() < 14 || pes[..3] != [0, 0, 1] || !(0xE0..=0xEF).contains(&pes[3]) {
        return None;
    }
    if pes[7] >> 6 < 0b10 {
        return None; // PTS_DTS_flags: no PTS
    }
    let b = &pes[9..14];
    Some(
        (u64::from(b[0] >> 1) & 0b111) << 30
            | u64::from(b[1]) << 22
            | u64::from(b[2] >> 1) << 15
            | u64::from(b[3]) << 7
            | u64::from(b[4] >> 1),
    )
}

/// `b − a` in PTS ticks, across the 33-bit wrap.
pub fn pts_delta(a: u64, b: u64) -> i64 {
    const WRAP: i64 = 1 << 33;
    let d = (b as i64 - a as i64).rem_euclid(WRAP);
    if d >= WRAP / 2 { d - WRAP } else { d }
}

/// One TS packet on PID 0x100 starting a video PES with `pts`, behind an
/// adaptation field of `stuffing` bytes (for tests).
#[cfg(test)]
pub(crate) fn packet(pts: u64, stuffing: u8) -> Vec<u8> {
    let mut p = vec![0x47, 0x41, 0x00, 0x30, stuffing];
    p.resize(5 + usize::from(stuffing), 0xff);
    if stuffing > 0 {
        p[5] = 0x00; // adaptation flags
    }
    p.extend_from_slice(&[0, 0, 1, 0xE0, 0, 0, 0x80, 0x80, 5]);
    p.push(0x21 | (((pts >> 30) as u8 & 0b111) << 1));
    p.push((pts >> 22) as u8);
    p.push((((pts >> 15) as u8) << 1) | 1);
    p.push((pts >> 7) as u8);
    p.push(((pts as u8) << 1) | 1);
    p.resize(PACKET, 0xff);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_video_pts_is_read_past_adaptation_fields() {
        let pts = (1 << 32) + 123_456_789;
        let mut ts = vec![0x47, 0x01, 0x00, 0x10];
        ts.resize(PACKET, 0); // a packet without a payload unit start
        ts.extend(packet(pts, 7));
        ts.extend(packet(5, 0));
        assert_eq!(first_video_pts(&ts), Some(pts));
        assert_eq!(first_video_pts(&ts[..PACKET]), None);
    }

    #[test]
    fn deltas_cross_the_wrap() {
        assert_eq!(pts_delta(100, 280_100), 280_000);
        assert_eq!(pts_delta((1 << 33) - 10, 20), 30);
        assert_eq!(pts_delta(20, (1 << 33) - 10), -30);
    }
}
