// The player side: hls.js attached to a muted <video>, every event worth
// knowing kept in window.events, the verdict in window.result.
'use strict';

const params = new URLSearchParams(location.search);
const src = params.get('src');
const need = Number(params.get('seconds') || 5);
const video = document.getElementById('video');
const started = performance.now();
window.events = [];
window.result = null;

function note(kind, detail) {
  window.events.push({ ms: Math.round(performance.now() - started), kind, detail });
}

function finish(ok, why) {
  if (window.result) return;
  window.result = { ok, why, currentTime: video.currentTime, hlsVersion: Hls.version };
  note('result', why);
}

let playingAt = null;
video.addEventListener('playing', () => {
  note('playing', { currentTime: video.currentTime });
  if (playingAt === null) playingAt = video.currentTime;
});
video.addEventListener('timeupdate', () => {
  if (playingAt !== null && video.currentTime - playingAt >= need) {
    finish(true, `playing, currentTime advanced from ${playingAt.toFixed(2)} to ${video.currentTime.toFixed(2)} s`);
  }
});
for (const kind of ['waiting', 'stalled', 'ended']) {
  video.addEventListener(kind, () => note(kind, { currentTime: video.currentTime }));
}
video.addEventListener('error', () => {
  const e = video.error;
  note('video-error', { code: e && e.code, message: e && e.message });
  finish(false, `<video> error ${e && e.code}: ${e && e.message}`);
});

if (!src) {
  finish(false, 'no ?src= given');
} else if (!Hls.isSupported()) {
  finish(false, 'Hls.isSupported() is false: no MediaSource or no H.264/AAC in this browser');
} else {
  const hls = new Hls();
  hls.on(Hls.Events.MANIFEST_PARSED, (_, d) => {
    note('manifest-parsed', { levels: d.levels.map((l) => `${l.width}x${l.height}@${l.bitrate}`) });
    video.play().catch((e) => note('play-rejected', String(e)));
  });
  hls.on(Hls.Events.LEVEL_LOADED, (_, d) => {
    const details = d.details;
    note('level-loaded', {
      level: d.level,
      live: details.live,
      startSN: details.startSN,
      endSN: details.endSN,
      targetduration: details.targetduration,
    });
  });
  hls.on(Hls.Events.FRAG_LOADED, (_, d) => note('frag-loaded', { sn: d.frag.sn, level: d.frag.level }));
  hls.on(Hls.Events.ERROR, (_, d) => {
    note('hls-error', {
      type: d.type,
      details: d.details,
      fatal: d.fatal,
      url: d.url || (d.frag && d.frag.url) || (d.context && d.context.url),
      response: d.response,
      reason: d.reason,
      error: d.error && String(d.error),
    });
    if (d.fatal) finish(false, `fatal hls.js error ${d.type}/${d.details}`);
  });
  hls.loadSource(src);
  hls.attachMedia(video);
}
