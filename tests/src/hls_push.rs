//! ffmpeg as a live HLS encoder: a test pattern in two renditions
//! (640×360 and 320×180 H.264 with AAC, 2 s segments, in real time with
//! `-re`), written the way ffmpeg pushes to MediaPackage — `-f hls
//! -method PUT` with the credentials in the URL — or to a local directory.
//! The process is killed when the [`Pusher`] drops.

use anyhow::{Context, Result, ensure};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use tempfile::TempDir;

use crate::which;

/// Seconds per segment the encoder cuts (a keyframe every 50 frames at 25 fps).
pub const SEGMENT_SECONDS: u32 = 2;
/// The renditions' video sizes, in the order the master playlist lists them.
pub const RENDITIONS: [(u32, u32); 2] = [(640, 360), (320, 180)];

/// A running ffmpeg encoder.
pub struct Pusher {
    child: Option<Child>,
    log: PathBuf,
    _dir: TempDir,
}

impl std::fmt::Debug for Pusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pusher")
            .field("pid", &self.child.as_ref().map(Child::id))
            .finish()
    }
}

impl Pusher {
    /// Push live to an ingest endpoint: `url` is its `Url`
    /// (`http://…/in/v1/<channel>/<ingest>/channel`), and ffmpeg PUTs
    /// `channel.m3u8`, `channel_<k>.m3u8` and `channel_<k>_<n>.ts` next to
    /// it, authenticating as `username`/`password` (in the URL, as ffmpeg
    /// users do; ffmpeg answers Basic or Digest challenges).
    pub fn to_ingest(url: &str, username: &str, password: &str) -> Result<Self> {
        Self::to_ingest_for(url, username, password, None)
    }

    /// Like [`Pusher::to_ingest`], stopping by itself after `seconds` of
    /// media when given.
    pub fn to_ingest_for(
        url: &str,
        username: &str,
        password: &str,
        seconds: Option<u32>,
    ) -> Result<Self> {
        let with_auth = url
            .strip_prefix("http://")
            .map(|rest| {
                format!(
                    "http://{}:{}@{rest}",
                    userinfo_escape(username),
                    userinfo_escape(password)
                )
            })
            .with_context(|| format!("ingest URL {url} is not http://"))?;
        let mut extra = vec!["-method".to_owned(), "PUT".to_owned()];
        if let Some(s) = seconds {
            extra.extend(["-t".to_owned(), s.to_string()]);
        }
        Self::spawn(&with_auth, &extra)
    }

    /// Write live to `dir` (`channel.m3u8` and the rest), playlists
    /// replaced atomically.
    pub fn to_dir(dir: &Path) -> Result<Self> {
        let base = dir.join("channel");
        let base = base.to_str().context("temp dir is not UTF-8")?;
        Self::spawn(base, &["-hls_flags".to_owned(), "+temp_file".to_owned()])
    }

    fn spawn(base: &str, extra: &[String]) -> Result<Self> {
        ensure!(
            which("ffmpeg").is_some(),
            "ffmpeg is not installed: run ./tests/run, which installs it"
        );
        let dir = tempfile::Builder::new()
            .prefix("tributary-pusher-")
            .tempdir()?;
        let log = dir.path().join("ffmpeg.log");
        let mut cmd = Command::new("ffmpeg");
        cmd.args(["-hide_banner", "-loglevel", "warning", "-nostdin"])
            .args(["-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25"])
            .args([
                "-re",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:sample_rate=48000",
            ])
            .args([
                "-filter_complex",
                "[0:v]split=2[hi][lo0];[lo0]scale=320:180[lo]",
            ])
            .args(["-map", "[hi]", "-map", "1:a", "-map", "[lo]", "-map", "1:a"])
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
            ])
            .args(["-g", "50", "-keyint_min", "50", "-sc_threshold", "0"])
            .args(["-b:v:0", "800k", "-b:v:1", "250k"])
            .args(["-c:a", "aac", "-b:a", "64k"])
            .args(["-f", "hls", "-hls_time", &SEGMENT_SECONDS.to_string()])
            .args(["-hls_list_size", "5"])
            .args(["-hls_flags", "program_date_time+delete_segments"])
            .args(extra)
            .args(["-master_pl_name", "channel.m3u8"])
            .args(["-var_stream_map", "v:0,a:0 v:1,a:1"])
            .arg("-hls_segment_filename")
            .arg(format!("{base}_%v_%05d.ts"))
            .arg(format!("{base}_%v.m3u8"));
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log)?)
            .spawn()
            .context("spawn ffmpeg")?;
        Ok(Self {
            child: Some(child),
            log,
            _dir: dir,
        })
    }

    /// Is ffmpeg still running?
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Wait up to `limit` for ffmpeg to stop by itself; its exit status.
    pub async fn wait(&mut self, limit: std::time::Duration) -> Result<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let child = self.child.as_mut().context("ffmpeg is not running")?;
            if let Some(status) = child.try_wait()? {
                self.child = None;
                return Ok(status);
            }
            ensure!(
                std::time::Instant::now() < deadline,
                "ffmpeg did not finish within {limit:?}; its log:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Kill ffmpeg (SIGKILL, as an encoder that dies) and reap it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The last 4 KiB of what ffmpeg printed.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read(&self.log).unwrap_or_default();
        let from = text.len().saturating_sub(4096);
        String::from_utf8_lossy(&text[from..]).into_owned()
    }
}

impl Drop for Pusher {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- ffmpeg pusher log (tail) ---\n{}\n--- end ---",
                self.log_tail()
            );
        }
        self.kill();
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, for the
/// user-info part of a URL or a query value.
pub fn userinfo_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_escaped() {
        assert_eq!(userinfo_escape("ab-9_.~"), "ab-9_.~");
        assert_eq!(userinfo_escape("a:b@c/d%"), "a%3Ab%40c%2Fd%25");
    }
}
