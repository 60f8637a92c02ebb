//! The first presentation time of a TS segment, read from the head of its
//! bytes: the redundancy rules compare it across segments to tell whether
//! two timelines line up.

/// How many bytes of a segment to read for [`first_pts`].
pub const PROBE_BYTES: u64 = 188 * 256;

const PACKET: usize = 188;

/// The PTS (90 kHz) of the first video PES in `head`, else of the first
/// audio PES; `None` when neither starts in these bytes or they are not TS.
pub fn first_pts(head: &[u8]) -> Option<u64> {
    let mut audio = None;
    for packet in head.chunks_exact(PACKET) {
        if packet[0] != 0x47 {
            return None;
        }
        let unit_start = packet[1] & 0x40 != 0;
        let control = (packet[3] >> 4) & 0x3;
        if !unit_start || control & 0x1 == 0 {
            continue;
        }
        let start = if control == 0x3 {
            5 + usize::from(packet[4])
        } else {
            4
        };
        let Some(pes) = packet.get(start..) else {
            continue;
        };
        let Some((stream_id, pts)) = pes_pts(pes) else {
            continue;
        };
        match stream_id {
            0xE0..=0xEF => return Some(pts),
            0xC0..=0xDF | 0xBD if audio.is_none() => audio = Some(pts),
            _ => {}
        }
    }
    audio
}

fn pes_pts(pes: &[u8]) -> Option<(u8, u64)> {
    if pes.len() < 14 || pes[..3] != [0, 0, 1] {
        return None;
    }
    let stream_id = pes[3];
    if pes[7] & 0x80 == 0 {
        return None;
    }
    let p = &pes[9..14];
    let pts = (u64::from(p[0] >> 1) & 0x7) << 30
        | u64::from(p[1]) << 22
        | u64::from(p[2] >> 1) << 15
        | u64::from(p[3]) << 7
        | u64::from(p[4] >> 1);
    Some((stream_id, pts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pes_packet(pid: u16, stream_id: u8, pts: u64) -> Vec<u8> {
        let mut p = vec![0x47, 0x40 | (pid >> 8) as u8, pid as u8, 0x10];
        p.extend_from_slice(&[0, 0, 1, stream_id, 0, 0, 0x80, 0x80, 5]);
        p.push(0x21 | ((pts >> 29) as u8 & 0x0e));
        p.push((pts >> 22) as u8);
        p.push(0x01 | ((pts >> 14) as u8 & 0xfe));
        p.push((pts >> 7) as u8);
        p.push(0x01 | ((pts << 1) as u8 & 0xfe));
        p.resize(PACKET, 0xff);
        p
    }

    #[test]
    fn video_pts_wins_over_an_earlier_audio_pts() {
        let mut ts = pes_packet(0x101, 0xC0, 8_589_934_000);
        ts.extend(pes_packet(0x100, 0xE0, 126_000));
        assert_eq!(first_pts(&ts), Some(126_000));
        assert_eq!(first_pts(&ts[..PACKET]), Some(8_589_934_000));
    }

    #[test]
    fn non_ts_bytes_have_no_pts() {
        assert_eq!(first_pts(b"#EXTM3U\n"), None);
        assert_eq!(first_pts(&[0u8; 376]), None);
        let mut null = vec![0x47, 0x1f, 0xff, 0x10];
        null.resize(PACKET, 0xff);
        assert_eq!(first_pts(&null), None);
    }
}
