//! Chromium's Media Source Extensions — the parser dash.js, Shaka and hls.js
//! feed — accepts the init segment and fragments: one buffered range with no
//! gap from the first PTS to the end, and the video plays.

#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

mod common;

use base64::Engine;
use std::process::Command;
use tributary_fmp4::{Options, Track, remux};

/// Appends `track`'s init and fragments to a SourceBuffer in headless
/// Chromium; returns what the page reports.
fn mse(track: &Track, play: bool) -> String {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let frags: Vec<String> = track
        .fragments
        .iter()
        .map(|f| format!("'{}'", b64(&f.bytes)))
        .collect();
    let kind = if track.resolution.is_some() {
        "video"
    } else {
        "audio"
    };
    let html = format!(
        r#"<html><body><pre id=out>pending</pre><script>
const init = '{init}', frags = [{frags}], mime = '{kind}/mp4; codecs="{codec}"', play = {play};
const out = document.getElementById('out');
const bytes = s => Uint8Array.from(atob(s), c => c.charCodeAt(0));
const ms = new MediaSource(), v = document.createElement('video');
v.muted = true; document.body.appendChild(v); v.src = URL.createObjectURL(ms);
ms.addEventListener('sourceopen', async () => {{
  const log = [];
  try {{
    log.push('supported ' + MediaSource.isTypeSupported(mime));
    const sb = ms.addSourceBuffer(mime);
    const append = d => new Promise((ok, ko) => {{
      sb.addEventListener('updateend', ok, {{once: true}});
      sb.addEventListener('error', () => ko('append error'), {{once: true}});
      sb.appendBuffer(d);
    }});
    for (const d of [init, ...frags]) await append(bytes(d));
    for (let i = 0; i < sb.buffered.length; i++)
      log.push('buffered ' + sb.buffered.start(i).toFixed(3) + ' ' + sb.buffered.end(i).toFixed(3));
    if (play) {{
      v.currentTime = sb.buffered.start(0) + 0.1;
      const from = v.currentTime;
      await v.play();
      // Wait for the video to play 2.5 s, not for a fixed 3 s: under
      // --virtual-time-budget timers run ahead of real-time decoding. The
      // limit (in virtual time) comes from the budget in the URL's hash.
      const limit = Number(location.hash.slice(1)) - 5000;
      const waited = performance.now();
      while (v.currentTime - from < 2.5 && performance.now() - waited < limit)
        await new Promise(r => setTimeout(r, 100));
      log.push('played ' + (v.currentTime - from).toFixed(3));
    }}
  }} catch (e) {{ log.push('error ' + e + ' ' + (v.error ? v.error.message : '')); }}
  out.textContent = 'done\n' + log.join('\n') + '\nend';
}});
</script></body></html>"#,
        init = b64(&track.init),
        frags = frags.join(","),
        codec = track.codec,
    );
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("mse.html");
    std::fs::write(&page, html).unwrap();
    // `--dump-dom` dumps when the virtual-time budget runs out; MSE appends
    // and decoding run in real time, so on a loaded machine the budget can
    // run out first and the page still says "pending" (seen once in a
    // clean-clone CI run). That says nothing about the fragments: try again
    // with a larger budget; whatever the page reports is checked as before.
    // The page waits for playback itself (see its play step), within the
    // budget it is told in the URL's hash.
    let mut dom = String::new();
    for budget in [20_000, 60_000, 180_000] {
        let out = Command::new("timeout")
            .arg("240")
            .arg("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--mute-audio",
            ])
            .arg("--autoplay-policy=no-user-gesture-required")
            .arg(format!("--virtual-time-budget={budget}"))
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join(format!("profile-{budget}")).display()
            ))
            .arg("--dump-dom")
            .arg(format!("file://{}#{budget}", page.display()))
            .output()
            .expect("chromium must be installed (tests/run installs Debian's)");
        dom = String::from_utf8_lossy(&out.stdout).into_owned();
        if dom.contains("done\n") {
            break;
        }
    }
    let start = dom
        .find("done\n")
        .unwrap_or_else(|| panic!("the page did not finish: {}", &dom[..dom.len().min(300)]));
    let end = dom[start..].find("\nend").unwrap() + start;
    dom[start + 5..end].to_owned()
}

fn ranges(report: &str) -> Vec<(f64, f64)> {
    report
        .lines()
        .filter_map(|l| l.strip_prefix("buffered "))
        .map(|l| {
            let mut it = l.split(' ').map(|x| x.parse::<f64>().unwrap());
            (it.next().unwrap(), it.next().unwrap())
        })
        .collect()
}

#[test]
fn chromium_buffers_each_track_without_a_gap_and_plays_the_video() {
    let f = common::h264_aac();
    let out = remux(&f.refs(), &Options::default()).unwrap();
    for track in &out.tracks {
        let video = track.resolution.is_some();
        let report = mse(track, video);
        assert!(
            report.contains("supported true"),
            "{}: {report}",
            track.codec
        );
        assert!(!report.contains("error"), "{}: {report}", track.codec);
        let r = ranges(&report);
        assert_eq!(r.len(), 1, "{}: one range, no gaps: {report}", track.codec);
        let scale = f64::from(track.timescale);
        let first = &track.fragments[0];
        let last = track.fragments.last().unwrap();
        let start = first.earliest_presentation_time as f64 / scale;
        let end = (last.base_media_decode_time + last.duration) as f64 / scale;
        assert!(
            (r[0].0 - start).abs() < 0.03,
            "{}: starts at {} not {start}",
            track.codec,
            r[0].0
        );
        assert!(
            (r[0].1 - end).abs() < 0.1,
            "{}: ends at {} not {end}",
            track.codec,
            r[0].1
        );
        if video {
            let played: f64 = report
                .lines()
                .find_map(|l| l.strip_prefix("played "))
                .unwrap()
                .parse()
                .unwrap();
            assert!(played > 2.0, "played only {played} s: {report}");
        }
    }
}
