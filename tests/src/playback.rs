//! What the packaging tests share when they judge playback: phases that
//! each report without hiding the others, and ffmpeg decoding an endpoint.

use anyhow::{Result, bail, ensure};
use std::future::Future;
use std::process::Command;
use std::time::Duration;

use crate::run_bounded;

/// Frames per second of the test pattern the pushers encode.
pub const FPS: u64 = 25;

/// Runs every phase, collecting failures, so one broken feature does not
/// hide the state of the others.
#[derive(Default)]
pub struct Phases {
    failures: Vec<String>,
    passed: Vec<String>,
}

impl Phases {
    /// Awaits `fut` and records its outcome under `name`.
    pub async fn run<T: std::fmt::Display>(
        &mut self,
        name: &str,
        fut: impl Future<Output = Result<T>>,
    ) {
        self.record(name, fut.await);
    }

    /// Records `result` under `name`.
    pub fn record<T: std::fmt::Display>(&mut self, name: &str, result: Result<T>) {
        match result {
            Ok(v) => {
                eprintln!("phase {name}: ok: {v}");
                self.passed.push(name.to_owned());
            }
            Err(e) => {
                eprintln!("phase {name}: FAILED: {e:#}");
                self.failures.push(format!("{name}: {e:#}"));
            }
        }
    }

    /// Fails with every failed phase, naming the ones that passed.
    pub fn finish(self) -> Result<()> {
        if self.failures.is_empty() {
            return Ok(());
        }
        bail!(
            "{} of {} phases failed (passed: {:?}):\n\n{}",
            self.failures.len(),
            self.failures.len() + self.passed.len(),
            self.passed,
            self.failures.join("\n\n")
        )
    }
}

/// [`run_bounded`] off the async runtime.
pub async fn bounded(cmd: Command, limit: Duration) -> Result<std::process::Output> {
    tokio::task::spawn_blocking(move || run_bounded(cmd, limit)).await?
}

/// ffmpeg plays `url` live (with `input_options` before `-i`, e.g.
/// `-live_start_index 0`) and decodes `seconds` of its first video and
/// audio streams; any line at error level fails, as does decoding less.
pub async fn ffmpeg_decodes(input_options: &[&str], url: &str, seconds: u32) -> Result<String> {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-nostdin", "-v", "error"])
        .args(input_options)
        .args(["-i", url])
        .args(["-map", "0:v", "-map", "0:a"])
        .args(["-t", &(seconds + 1).to_string()])
        .args(["-f", "null", "-", "-progress", "pipe:1"]);
    let out = bounded(cmd, Duration::from_secs(u64::from(seconds) * 3 + 30)).await?;
    let errors = String::from_utf8_lossy(&out.stderr);
    let progress = String::from_utf8_lossy(&out.stdout);
    let last = |key: &str| -> Option<i64> {
        progress
            .lines()
            .filter_map(|l| l.strip_prefix(key)?.trim().parse().ok())
            .next_back()
    };
    let decoded_us = last("out_time_us=").unwrap_or(0);
    let frames = last("frame=").unwrap_or(0);
    ensure!(
        out.status.success() && errors.trim().is_empty(),
        "ffmpeg decoding {url} exited {} and reported:\n{errors}",
        out.status
    );
    ensure!(
        decoded_us >= i64::from(seconds) * 1_000_000
            && frames >= i64::from(seconds) * FPS as i64 * 98 / 100,
        "ffmpeg decoded only {:.2} s ({frames} frames) of {url}, expected {seconds} s",
        decoded_us as f64 / 1e6
    );
    Ok(format!(
        "decoded {:.2} s, {frames} frames of the first video stream, no errors",
        decoded_us as f64 / 1e6
    ))
}
