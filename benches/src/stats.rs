//! From repeated runs to one figure per measure: medians, because one slow
//! run on a shared 2-core machine says more about the neighbours than about
//! the server.

use crate::wrk::Sample;
use std::time::Duration;

/// One run of one server: wrk's sample and the server's CPU time during it.
#[derive(Debug, Clone)]
pub struct Measured {
    /// What wrk saw.
    pub sample: Sample,
    /// User+system CPU time of the server's processes during the run.
    pub server_cpu: Duration,
}

/// Medians over the runs of one server in one scenario. Each measure is
/// its own median (the p99 reported is the median of the runs' p99s).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Runs the medians are taken over.
    pub runs: usize,
    /// Requests per second.
    pub requests_per_second: f64,
    /// MB/s read by wrk, headers included.
    pub megabytes_per_second: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Server CPU time per request, µs: the cost measure that other load on
    /// the machine disturbs least.
    pub cpu_us_per_request: f64,
    /// Errors counted by wrk over all runs (non-2xx/3xx, socket errors,
    /// timeouts).
    pub errors: u64,
}

/// The median of `values` (mean of the middle two for an even count);
/// `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
}

/// Medians of `runs`; `None` when there are none.
pub fn summarize(runs: &[Measured]) -> Option<Summary> {
    let of = |f: &dyn Fn(&Measured) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    Some(Summary {
        runs: runs.len(),
        requests_per_second: of(&|m| m.sample.requests_per_second())?,
        megabytes_per_second: of(&|m| m.sample.megabytes_per_second())?,
        p50_ms: of(&|m| m.sample.p50_us as f64 / 1000.0)?,
        p99_ms: of(&|m| m.sample.p99_us as f64 / 1000.0)?,
        cpu_us_per_request: of(&|m| {
            if m.sample.requests == 0 {
                f64::NAN
            } else {
                m.server_cpu.as_secs_f64() * 1e6 / m.sample.requests as f64
            }
        })
        .unwrap_or(f64::NAN),
        errors: runs.iter().map(|m| m.sample.errors()).sum(),
    })
}

/// `value / baseline`, when both are positive.
pub fn ratio(value: f64, baseline: f64) -> Option<f64> {
    (value.is_finite() && baseline.is_finite() && value > 0.0 && baseline > 0.0)
        .then(|| value / baseline)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn run(requests: u64, p99_us: u64, cpu_ms: u64) -> Measured {
        Measured {
            sample: Sample {
                requests,
                duration_us: 1_000_000,
                bytes: requests * 1000,
                connect_errors: 0,
                read_errors: 0,
                write_errors: 0,
                status_errors: 1,
                timeouts: 0,
                p50_us: 500,
                p90_us: 900,
                p99_us,
                max_us: 10_000,
            },
            server_cpu: Duration::from_millis(cpu_ms),
        }
    }

    #[test]
    fn medians_ignore_one_outlier_run() {
        let s = summarize(&[
            run(10_000, 3_000, 500),
            run(2_000, 90_000, 400),
            run(11_000, 2_000, 550),
        ])
        .unwrap();
        assert_eq!(s.runs, 3);
        assert_eq!(s.requests_per_second, 10_000.0);
        assert_eq!(s.megabytes_per_second, 10.0);
        assert_eq!(s.p99_ms, 3.0);
        assert_eq!(s.p50_ms, 0.5);
        // 500 ms / 10 000, 400 ms / 2 000, 550 ms / 11 000 → 50, 200, 50 µs.
        assert_eq!(s.cpu_us_per_request, 50.0);
        assert_eq!(s.errors, 3);
    }

    #[test]
    fn an_even_count_takes_the_middle_pair_and_nothing_gives_none() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::NAN]), None);
        assert!(summarize(&[]).is_none());
    }

    #[test]
    fn ratios_need_two_positive_figures() {
        assert_eq!(ratio(50.0, 100.0), Some(0.5));
        assert_eq!(ratio(50.0, 0.0), None);
        assert_eq!(ratio(0.0, 10.0), None);
        assert_eq!(ratio(f64::NAN, 10.0), None);
    }
}
