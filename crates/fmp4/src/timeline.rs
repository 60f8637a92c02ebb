//! MPEG-TS timestamps are 33-bit counters of a 90 kHz clock that wrap every
//! 26.5 hours; MP4 decode times are 64-bit. This extends each timestamp to
//! the 64-bit value nearest the one before it, so the wrap carries.

/// One period of the 33-bit PTS/DTS counter.
pub const WRAP: u64 = 1 << 33;

/// Extends the 33-bit `ts` to the 64-bit value nearest `reference`.
pub fn extend(ts: u64, reference: u64) -> u64 {
    let ts = ts & (WRAP - 1);
    let candidate = (reference & !(WRAP - 1)) | ts;
    let half = WRAP / 2;
    if candidate.saturating_add(half) < reference {
        // (Saturates only for references within one period of u64::MAX.)
        candidate.saturating_add(WRAP)
    } else if candidate > reference.saturating_add(half) && candidate >= WRAP {
        candidate - WRAP
    } else {
        candidate
    }
}

/// A stream's running position on the extended timeline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unwrapper {
    last: u64,
}

impl Unwrapper {
    pub(crate) fn new(reference: u64) -> Self {
        Self { last: reference }
    }

    /// Extends `ts` next to the previous timestamp and moves on to it.
    pub(crate) fn extend(&mut self, ts: u64) -> u64 {
        self.last = extend(ts, self.last);
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_near_the_reference_stay_in_its_period() {
        assert_eq!(extend(1000, 0), 1000);
        assert_eq!(extend(1000, 5 * WRAP + 900), 5 * WRAP + 1000);
        assert_eq!(extend(900, 5 * WRAP + 1000), 5 * WRAP + 900);
    }

    #[test]
    fn the_wrap_carries_forward_and_back() {
        // Just after the counter wrapped: the next period.
        assert_eq!(extend(10, WRAP - 3000), WRAP + 10);
        // A B-frame's PTS just before a wrap the DTS already crossed.
        assert_eq!(extend(WRAP - 3000, WRAP + 10), WRAP - 3000);
        // Nothing before zero.
        assert_eq!(extend(WRAP - 3000, 10), WRAP - 3000);
    }

    #[test]
    fn extreme_references_do_not_overflow() {
        assert!(extend(5, u64::MAX) > u64::MAX - WRAP);
        assert_eq!(extend(WRAP - 1, 0), WRAP - 1);
        assert_eq!(extend(u64::MAX, 0), WRAP - 1);
    }

    #[test]
    fn an_unwrapper_carries_across_several_wraps() {
        let mut u = Unwrapper::new(0);
        let mut t = 0u64;
        for _ in 0..10_000 {
            t += WRAP / 5000;
            assert_eq!(u.extend(t % WRAP), t);
        }
        assert!(t > WRAP);
    }
}
