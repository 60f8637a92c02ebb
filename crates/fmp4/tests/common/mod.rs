//! Fixtures made by ffmpeg (a real encoder and TS muxer) and the readers that
//! check our output independently: the `mp4` crate and ffprobe/ffmpeg.

#![allow(dead_code, reason = "each test binary uses a part")]
#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// TS segments of one rendition, in memory (fixtures are shared statics,
/// which never drop, so they keep no files).
pub struct Fixture {
    pub segments: Vec<Vec<u8>>,
}

impl Fixture {
    pub fn refs(&self) -> Vec<&[u8]> {
        self.segments.iter().map(Vec::as_slice).collect()
    }

    /// All segments back to back, as one TS file in `dir`.
    pub fn joined(&self, dir: &Path) -> PathBuf {
        let path = dir.join("all.ts");
        std::fs::write(&path, self.segments.concat()).unwrap();
        path
    }
}

/// Runs ffmpeg with `args` and returns its stderr; fails the test on a
/// non-zero exit.
pub fn ffmpeg(args: &[&str]) -> String {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg must be installed for these tests");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "ffmpeg {args:?} failed: {stderr}");
    stderr
}

pub fn ffprobe(args: &[&str]) -> String {
    let out = Command::new("ffprobe")
        .args(["-v", "error"])
        .args(args)
        .output()
        .expect("ffprobe must be installed for these tests");
    assert!(
        out.status.success(),
        "ffprobe {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Encodes `seconds` of test pattern and tone with B-frames and cuts the TS
/// into 2-second segments (a 50-frame GOP at 25 fps: one IDR per segment).
fn make(video: &[&str], audio: bool, seconds: u32, extra: &[&str]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir.path().join("seg%03d.ts");
    let t = seconds.to_string();
    let mut args = vec![
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=25",
    ];
    if audio {
        args.extend(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]);
    }
    args.extend(["-t", &t]);
    args.extend(video);
    args.extend([
        "-g",
        "50",
        "-keyint_min",
        "50",
        "-sc_threshold",
        "0",
        "-bf",
        "2",
    ]);
    if audio {
        args.extend(["-c:a", "aac", "-b:a", "64k"]);
    }
    args.extend(extra);
    args.extend([
        "-f",
        "segment",
        "-segment_time",
        "2",
        "-segment_format",
        "mpegts",
        pattern.to_str().unwrap(),
    ]);
    ffmpeg(&args);
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ts"))
        .collect();
    names.sort();
    let segments = names.iter().map(|p| std::fs::read(p).unwrap()).collect();
    Fixture { segments }
}

/// 8 s of H.264 High (B-frames) + AAC-LC 44.1 kHz: four 2-second segments.
pub fn h264_aac() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| make(&["-c:v", "libx264", "-preset", "veryfast"], true, 8, &[]))
}

/// The same, with timestamps starting 2 s before the 33-bit counter wraps.
pub fn h264_aac_wrapping() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    // 2^33 / 90000 = 95443.717 s.
    F.get_or_init(|| {
        make(
            &["-c:v", "libx264", "-preset", "veryfast"],
            true,
            8,
            &["-output_ts_offset", "95441.5"],
        )
    })
}

/// 6 s of HEVC Main (B-frames), video only.
pub fn hevc() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        make(
            &[
                "-c:v",
                "libx265",
                "-preset",
                "ultrafast",
                "-x265-params",
                "log-level=error:bframes=2",
            ],
            false,
            6,
            &[],
        )
    })
}

/// Frames ffprobe decodes from `path` in stream `select` (`v:0`, `a:0`).
pub fn frame_count(path: &Path, select: &str) -> u64 {
    ffprobe(&[
        "-count_frames",
        "-select_streams",
        select,
        "-show_entries",
        "stream=nb_read_frames",
        "-of",
        "csv=p=0",
        path.to_str().unwrap(),
    ])
    .lines()
    .next()
    .unwrap()
    .parse()
    .unwrap()
}

/// Parses init + fragments with the `mp4` crate (independent of mp4-atom).
pub fn parse(bytes: &[u8]) -> mp4::Mp4Reader<std::io::Cursor<&[u8]>> {
    mp4::Mp4Reader::read_header(std::io::Cursor::new(bytes), bytes.len() as u64).unwrap()
}
