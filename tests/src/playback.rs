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

/// A player page of `tests/browser` in Debian's headless Chromium
/// (playwright-core), the page served from another origin (127.0.0.2) than
/// the endpoint it plays.
pub struct BrowserPlayer {
    chromium: String,
    dir: std::path::PathBuf,
}

impl BrowserPlayer {
    /// Checks that Chromium, node and the npm packages are there (`player`:
    /// the player's script under `node_modules`), so a test fails before it
    /// sets anything up.
    pub fn check(player: &str) -> Result<Self> {
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        ensure!(
            std::path::Path::new(&chromium).is_file(),
            "{chromium} is missing: run ./tests/run, which installs Debian's chromium"
        );
        ensure!(
            crate::which("node").is_some(),
            "node is not installed: run ./tests/run"
        );
        let dir = crate::workspace_root().join("tests/browser");
        ensure!(
            dir.join("node_modules").join(player).is_file()
                && dir.join("node_modules/playwright-core").is_dir(),
            "tests/browser/node_modules lacks {player} or playwright-core: run ./tests/run (it runs `npm ci` there)"
        );
        Ok(Self { chromium, dir })
    }

    /// `page` (`page.html`: hls.js, `dash.html`: dash.js) plays `src`:
    /// `playing`, then currentTime advances 5 s. Gives `play.mjs`'s result;
    /// fails with the player's events and the browser console.
    pub async fn plays(&self, page: &str, src: &str, limit: Duration) -> Result<String> {
        let site = crate::static_http::StaticServer::start([127, 0, 0, 2], &self.dir, None).await?;
        ensure!(
            !src.starts_with(&site.origin()),
            "the page and the endpoint share an origin"
        );
        let url = format!(
            "{}?src={}&seconds=5",
            site.url(page),
            crate::hls_push::userinfo_escape(src)
        );
        let mut cmd = Command::new("node");
        cmd.arg(self.dir.join("play.mjs"))
            .arg(&url)
            .arg("45000")
            .env("CHROMIUM", &self.chromium)
            .current_dir(&self.dir);
        let out = bounded(cmd, limit).await?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        ensure!(
            out.status.success(),
            "{page} did not play {src} from {} ({}):\n{stdout}\n{}",
            site.origin(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value =
            serde_json::from_str(&stdout).map_err(|e| anyhow::anyhow!("play.mjs output: {e}"))?;
        Ok(json["result"].to_string())
    }
}
