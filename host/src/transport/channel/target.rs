//! How long the segments pushed into a channel are.
//!
//! The packager builds an endpoint's segments of `SegmentDurationSeconds`
//! by combining whole input segments, so the input duration must divide
//! every endpoint's: the largest whole number of seconds up to
//! [`MAX_TARGET_S`] that divides them all. Up to 6 s because that is
//! MediaPackage's default and longer input segments only add latency; with
//! no endpoint yet, [`DEFAULT_TARGET_S`], which divides every even duration
//! (the common ones: 2, 4, 6, 10).

/// Longest input segment, seconds.
pub const MAX_TARGET_S: u32 = 6;
/// With no endpoint to fit.
pub const DEFAULT_TARGET_S: u32 = 2;

/// The target, in seconds, for endpoints cutting `durations` seconds.
pub fn target_seconds(durations: &[u32]) -> u32 {
    let durations: Vec<u32> = durations.iter().copied().filter(|&d| d > 0).collect();
    if durations.is_empty() {
        return DEFAULT_TARGET_S;
    }
    (1..=MAX_TARGET_S)
        .rev()
        .find(|t| durations.iter().all(|d| d % t == 0))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_divides_every_endpoint_duration() {
        assert_eq!(target_seconds(&[]), 2);
        assert_eq!(target_seconds(&[6]), 6);
        assert_eq!(target_seconds(&[6, 4]), 2);
        assert_eq!(target_seconds(&[12, 30]), 6);
        assert_eq!(target_seconds(&[5]), 5);
        assert_eq!(target_seconds(&[10, 15]), 5);
        assert_eq!(target_seconds(&[7]), 1);
        assert_eq!(target_seconds(&[0]), 2, "a zero is no endpoint");
    }
}
