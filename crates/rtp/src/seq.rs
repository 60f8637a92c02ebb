//! Sequence-number arithmetic in the 16-bit circle (RFC 3550 §A.1).

/// How far `b` is ahead of `a`, the shorter way round the 16-bit circle:
/// positive when `b` comes after `a`, negative when before, in
/// `-32768..=32767`. Exactly half a circle apart counts as behind (`-32768`).
pub fn seq_distance(a: u16, b: u16) -> i32 {
    // The wrapping difference reinterpreted as signed is the shorter arc.
    i32::from(b.wrapping_sub(a).cast_signed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_numbers_are_zero_apart() {
        assert_eq!(seq_distance(10, 10), 0);
    }

    #[test]
    fn a_later_number_is_positive_and_an_earlier_one_negative() {
        assert_eq!(seq_distance(10, 15), 5);
        assert_eq!(seq_distance(15, 10), -5);
    }

    #[test]
    fn distance_runs_across_the_wrap_from_65535_to_0() {
        assert_eq!(seq_distance(65535, 0), 1);
        assert_eq!(seq_distance(65530, 4), 10);
        assert_eq!(seq_distance(4, 65530), -10);
    }

    #[test]
    fn half_a_circle_is_the_extreme_of_the_range() {
        assert_eq!(seq_distance(0, 32767), 32767);
        assert_eq!(seq_distance(0, 32768), -32768);
    }
}
