//! The stream probe: counts sync and continuity errors per PID and finds
//! programs through the PAT and PMTs.

use std::collections::BTreeMap;

use crate::packet::{NULL_PID, PACKET_SIZE, TsPacket};
use crate::psi::{Pat, Pmt, Section, section_len};

/// The PAT's PID.
const PAT_PID: u16 = 0;
/// A section is at most 4096 bytes; anything longer is garbage.
const MAX_SECTION: usize = 4096;

/// What the probe has counted for one PID.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PidStats {
    /// Packets seen.
    pub packets: u64,
    /// Continuity-counter jumps.
    pub cc_errors: u64,
    /// Packets with the transport error indicator set.
    pub transport_errors: u64,
    last_cc: Option<u8>,
    duplicate_seen: bool,
}

/// Totals over the stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// Valid TS packets.
    pub packets: u64,
    /// 188-byte units not starting with 0x47, and trailing fragments.
    pub sync_errors: u64,
    /// Continuity-counter errors over all PIDs.
    pub cc_errors: u64,
    /// PSI sections with a bad CRC or malformed contents.
    pub section_errors: u64,
}

/// A program as found in the PAT, with its PMT once that has been seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The program number.
    pub number: u16,
    /// The PID of its PMT.
    pub pmt_pid: u16,
    /// Its PMT, once seen.
    pub pmt: Option<Pmt>,
}

/// The MPEG-TS probe. Feed it datagram payloads (whole TS packets, usually
/// seven) with [`Probe::push`]; read [`Probe::counters`], [`Probe::pid`] and
/// [`Probe::programs`] at any time.
///
/// Continuity counting follows ISO/IEC 13818-1 §2.4.3.3: only packets with a
/// payload advance the counter; one repeat of a packet (same counter) is
/// allowed; the discontinuity indicator and the null PID are not errors.
#[derive(Debug, Default)]
pub struct Probe {
    counters: Counters,
    pids: BTreeMap<u16, PidStats>,
    pat: Option<Pat>,
    pmts: BTreeMap<u16, Pmt>,
    /// Partial sections per PSI PID.
    assembling: BTreeMap<u16, Vec<u8>>,
}

impl Probe {
    /// An empty probe.
    pub fn new() -> Self {
        Self::default()
    }

    /// Consumes one datagram payload of whole TS packets.
    pub fn push(&mut self, datagram: &[u8]) {
        for chunk in datagram.chunks(PACKET_SIZE) {
            match TsPacket::decode(chunk) {
                Ok(packet) => self.packet(&packet),
                // A wrong sync byte, a trailing fragment, or an adaptation
                // length past the packet: all mean the framing is off.
                Err(_) => self.counters.sync_errors += 1,
            }
        }
    }

    /// Totals so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Counts for one PID, if it has been seen.
    pub fn pid(&self, pid: u16) -> Option<PidStats> {
        self.pids.get(&pid).copied()
    }

    /// The PIDs seen, ascending.
    pub fn pids(&self) -> impl Iterator<Item = u16> + '_ {
        self.pids.keys().copied()
    }

    /// The latest PAT, if one has been seen.
    pub fn pat(&self) -> Option<&Pat> {
        self.pat.as_ref()
    }

    /// The programs of the latest PAT, each with its PMT once seen.
    pub fn programs(&self) -> Vec<Program> {
        self.pat
            .iter()
            .flat_map(|pat| pat.programs.iter())
            .map(|&(number, pmt_pid)| Program {
                number,
                pmt_pid,
                pmt: self
                    .pmts
                    .get(&pmt_pid)
                    .filter(|pmt| pmt.program_number == number)
                    .cloned(),
            })
            .collect()
    }

    fn packet(&mut self, packet: &TsPacket<'_>) {
        self.counters.packets += 1;
        let stats = self.pids.entry(packet.pid).or_default();
        stats.packets += 1;
        if packet.transport_error {
            stats.transport_errors += 1;
        }
        if packet.payload.is_some() && packet.pid != NULL_PID {
            let cc = packet.continuity_counter;
            match stats.last_cc {
                Some(_) if packet.discontinuity() => {}
                Some(last) if last == cc && !stats.duplicate_seen => {
                    stats.duplicate_seen = true;
                    // A repeated packet carries nothing new.
                    return;
                }
                Some(last) if (last + 1) & 0x0f != cc => {
                    stats.cc_errors += 1;
                    self.counters.cc_errors += 1;
                }
                _ => {}
            }
            stats.last_cc = Some(cc);
            stats.duplicate_seen = false;
        }
        if let Some(payload) = packet.payload
            && self.is_psi(packet.pid)
        {
            self.section_bytes(packet.pid, packet.pusi, payload);
        }
    }

    fn is_psi(&self, pid: u16) -> bool {
        pid == PAT_PID
            || self
                .pat
                .as_ref()
                .is_some_and(|pat| pat.programs.iter().any(|&(_, p)| p == pid))
    }

    fn section_bytes(&mut self, pid: u16, pusi: bool, payload: &[u8]) {
        let buffer = self.assembling.entry(pid).or_default();
        let mut complete = Vec::new();
        if pusi {
            let pointer = usize::from(payload.first().copied().unwrap_or(0));
            let tail = payload.get(1..).unwrap_or(&[]);
            if !buffer.is_empty() {
                // The bytes before the pointer finish the previous section.
                buffer.extend_from_slice(tail.get(..pointer).unwrap_or(tail));
                take_sections(buffer, &mut complete);
                buffer.clear();
            }
            buffer.extend_from_slice(tail.get(pointer..).unwrap_or(&[]));
        } else if !buffer.is_empty() {
            buffer.extend_from_slice(payload);
        }
        take_sections(buffer, &mut complete);
        if buffer.len() > MAX_SECTION {
            buffer.clear();
            self.counters.section_errors += 1;
        }
        for section in complete {
            self.section(&section);
        }
    }

    fn section(&mut self, bytes: &[u8]) {
        let parsed = Section::decode(bytes).and_then(|section| match section.table_id {
            0x00 => Pat::from_section(&section).map(|pat| self.pat = Some(pat)),
            0x02 => Pmt::from_section(&section).map(|pmt| {
                if let Some(&(_, pid)) = self
                    .pat
                    .iter()
                    .flat_map(|p| p.programs.iter())
                    .find(|(n, _)| *n == pmt.program_number)
                {
                    self.pmts.insert(pid, pmt);
                }
            }),
            // Other tables on these PIDs are allowed and ignored.
            _ => Ok(()),
        });
        if parsed.is_err() {
            self.counters.section_errors += 1;
        }
    }
}

/// Moves the whole sections at the start of `buffer` to `complete`, leaving
/// a partial one; stuffing (0xFF) ends the sections in a payload.
fn take_sections(buffer: &mut Vec<u8>, complete: &mut Vec<Vec<u8>>) {
    let mut at = 0;
    loop {
        let rest = buffer.get(at..).unwrap_or(&[]);
        if rest.first().is_none_or(|&b| b == 0xff) {
            buffer.clear();
            return;
        }
        match section_len(rest) {
            Some(len) if rest.len() >= len => {
                complete.push(rest.get(..len).unwrap_or(&[]).to_vec());
                at += len;
            }
            _ => {
                buffer.drain(..at.min(buffer.len()));
                return;
            }
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;
    use crate::psi::tests::{pat, pmt};

    /// One TS packet: header fields, an optional adaptation field, payload
    /// padded with 0xFF.
    fn ts(
        pid: u16,
        pusi: bool,
        cc: u8,
        adaptation: Option<&[u8]>,
        payload: Option<&[u8]>,
    ) -> Vec<u8> {
        let control = u8::from(adaptation.is_some()) << 5 | u8::from(payload.is_some()) << 4;
        let mut p = vec![
            0x47,
            u8::from(pusi) << 6 | (pid >> 8) as u8,
            pid as u8,
            control | (cc & 0x0f),
        ];
        if let Some(field) = adaptation {
            p.push(u8::try_from(field.len()).unwrap());
            p.extend_from_slice(field);
        }
        if let Some(data) = payload {
            p.extend_from_slice(data);
        }
        p.resize(PACKET_SIZE, 0xff);
        p
    }

    /// A section in one packet, after a zero pointer field.
    fn psi_packet(pid: u16, cc: u8, section: &[u8]) -> Vec<u8> {
        let mut payload = vec![0];
        payload.extend_from_slice(section);
        ts(pid, true, cc, None, Some(&payload))
    }

    fn media(pid: u16, ccs: impl IntoIterator<Item = u8>) -> Vec<u8> {
        ccs.into_iter()
            .flat_map(|cc| ts(pid, false, cc, None, Some(&[0; 4])))
            .collect()
    }

    #[test]
    fn pat_and_pmt_give_programs_with_their_streams() {
        let mut probe = Probe::new();
        let mut datagram = psi_packet(0, 0, &pat(&[(1, 0x1000)]));
        datagram.extend(psi_packet(
            0x1000,
            0,
            &pmt(1, 0x100, &[(0x1b, 0x100), (0x0f, 0x101)]),
        ));
        probe.push(&datagram);
        let programs = probe.programs();
        assert_eq!(programs.len(), 1);
        let program = programs.first().unwrap();
        assert_eq!((program.number, program.pmt_pid), (1, 0x1000));
        let pmt = program.pmt.as_ref().unwrap();
        assert_eq!(pmt.pcr_pid, 0x100);
        let codecs: Vec<_> = pmt
            .streams
            .iter()
            .map(|s| (s.pid, s.stream_type, s.codec()))
            .collect();
        assert_eq!(
            codecs,
            [(0x100, 0x1b, Some("H264")), (0x101, 0x0f, Some("AAC"))]
        );
        assert_eq!(probe.counters().section_errors, 0);
    }

    #[test]
    fn a_pmt_before_its_pat_is_not_read_until_the_pat_arrives() {
        let mut probe = Probe::new();
        let pmt_packet = psi_packet(0x1000, 0, &pmt(1, 0x100, &[(0x24, 0x100)]));
        probe.push(&pmt_packet);
        assert!(probe.programs().is_empty());
        probe.push(&psi_packet(0, 0, &pat(&[(1, 0x1000)])));
        assert_eq!(probe.programs().first().unwrap().pmt, None);
        probe.push(&psi_packet(0x1000, 1, &pmt(1, 0x100, &[(0x24, 0x100)])));
        let program = probe.programs().into_iter().next().unwrap();
        assert_eq!(
            program.pmt.unwrap().streams.first().unwrap().codec(),
            Some("H265")
        );
    }

    #[test]
    fn a_section_split_over_two_packets_is_reassembled() {
        let streams: Vec<(u8, u16)> = (0..40).map(|i| (0x06, 0x200 + i)).collect();
        let section = pmt(1, 0x200, &streams);
        assert!(section.len() > 183, "needs two packets");
        let (first, second) = section.split_at(183);
        let mut payload = vec![0];
        payload.extend_from_slice(first);
        let mut probe = Probe::new();
        probe.push(&psi_packet(0, 0, &pat(&[(1, 0x30)])));
        probe.push(&ts(0x30, true, 0, None, Some(&payload)));
        probe.push(&ts(0x30, false, 1, None, Some(second)));
        let pmt = probe.programs().into_iter().next().unwrap().pmt.unwrap();
        assert_eq!(pmt.streams.len(), 40);
    }

    #[test]
    fn a_pointer_field_finishes_the_previous_section_before_the_next_starts() {
        let programs: Vec<(u16, u16)> = (1..=50).map(|n| (n, 0x30 + n)).collect();
        let pat_v0 = pat(&programs);
        // A section that does not end in a packet fills it to the last byte.
        let (head, tail) = pat_v0.split_at(183);
        let pat_v1 = pat(&[(2, 0x40)]);
        let mut probe = Probe::new();
        let mut first = vec![0];
        first.extend_from_slice(head);
        probe.push(&ts(0, true, 0, None, Some(&first)));
        assert!(probe.pat().is_none());
        assert_eq!(first.len(), 184);
        let mut second = vec![u8::try_from(tail.len()).unwrap()];
        second.extend_from_slice(tail);
        second.extend_from_slice(&pat_v1);
        probe.push(&ts(0, true, 1, None, Some(&second)));
        assert_eq!(probe.pat().unwrap().programs, [(2, 0x40)]);
        assert_eq!(probe.counters().section_errors, 0);
    }

    #[test]
    fn a_corrupt_section_is_counted_and_ignored() {
        let mut section = pat(&[(1, 0x30)]);
        if let Some(b) = section.last_mut() {
            *b ^= 0xff;
        }
        let mut probe = Probe::new();
        probe.push(&psi_packet(0, 0, &section));
        assert!(probe.pat().is_none());
        assert_eq!(probe.counters().section_errors, 1);
    }

    #[test]
    fn continuous_counters_wrapping_at_15_are_not_errors() {
        let mut probe = Probe::new();
        probe.push(&media(0x100, (0..40).map(|i| i % 16)));
        assert_eq!(probe.pid(0x100).unwrap().packets, 40);
        assert_eq!(probe.counters().cc_errors, 0);
    }

    #[test]
    fn a_counter_jump_is_an_error_on_that_pid_only() {
        let mut probe = Probe::new();
        probe.push(&media(0x100, [0, 1, 3, 4]));
        probe.push(&media(0x101, [7, 8, 9]));
        assert_eq!(probe.pid(0x100).unwrap().cc_errors, 1);
        assert_eq!(probe.pid(0x101).unwrap().cc_errors, 0);
        assert_eq!(probe.counters().cc_errors, 1);
    }

    #[test]
    fn one_duplicate_is_allowed_and_a_second_is_an_error() {
        let mut probe = Probe::new();
        probe.push(&media(0x100, [0, 1, 1, 2]));
        assert_eq!(probe.counters().cc_errors, 0);
        probe.push(&media(0x100, [3, 3, 3, 4]));
        assert_eq!(probe.counters().cc_errors, 1);
    }

    #[test]
    fn adaptation_only_packets_do_not_advance_the_counter() {
        let mut probe = Probe::new();
        let mut datagram = media(0x100, [5]);
        datagram.extend(ts(0x100, false, 5, Some(&[0x10]), None)); // PCR-only, same CC
        datagram.extend(ts(0x100, false, 9, Some(&[0x10]), None)); // any CC
        datagram.extend(media(0x100, [6]));
        probe.push(&datagram);
        assert_eq!(probe.counters().cc_errors, 0);
        assert_eq!(probe.pid(0x100).unwrap().packets, 4);
    }

    #[test]
    fn the_discontinuity_indicator_and_the_null_pid_are_not_errors() {
        let mut probe = Probe::new();
        let mut datagram = media(0x100, [0, 1]);
        datagram.extend(ts(0x100, false, 9, Some(&[0x80]), Some(&[0])));
        datagram.extend(media(0x100, [10]));
        datagram.extend(media(NULL_PID, [0, 0, 7, 3]));
        probe.push(&datagram);
        assert_eq!(probe.counters().cc_errors, 0);
    }

    #[test]
    fn lost_sync_and_trailing_fragments_are_sync_errors() {
        let mut probe = Probe::new();
        let mut datagram = media(0x100, [0]);
        let mut bad = media(0x100, [1]);
        if let Some(b) = bad.first_mut() {
            *b = 0x46;
        }
        datagram.extend(bad);
        datagram.extend(media(0x100, [1]));
        datagram.extend([0x47, 0x01]);
        probe.push(&datagram);
        let c = probe.counters();
        assert_eq!((c.packets, c.sync_errors, c.cc_errors), (2, 2, 0));
    }

    #[test]
    fn transport_error_indicators_are_counted_per_pid() {
        let mut packet = media(0x100, [0]);
        if let Some(b) = packet.get_mut(1) {
            *b |= 0x80;
        }
        let mut probe = Probe::new();
        probe.push(&packet);
        assert_eq!(probe.pid(0x100).unwrap().transport_errors, 1);
        assert_eq!(probe.pids().collect::<Vec<_>>(), [0x100]);
    }

    #[test]
    fn random_datagrams_never_panic_the_probe() {
        let mut state = 0xdead_beef_cafe_f00d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut probe = Probe::new();
        probe.push(&psi_packet(0, 0, &pat(&[(1, 0x20), (2, 0x21)])));
        for _ in 0..2000 {
            let len = usize::try_from(next() % 1400).unwrap();
            let mut datagram: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
            // Keep most packets in sync and on PSI PIDs so the section code runs.
            for (i, chunk) in datagram.chunks_mut(PACKET_SIZE).enumerate() {
                if let [sync, b1, b2, ..] = chunk
                    && next() % 8 != 0
                {
                    *sync = 0x47;
                    *b1 &= 0xe0;
                    *b2 = [0x00, 0x20, 0x21][i % 3];
                }
            }
            probe.push(&datagram);
        }
        assert!(probe.counters().packets > 0);
    }
}
