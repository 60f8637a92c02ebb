// The DASH player side (next to page.js, the hls.js one): dash.js attached
// to a muted <video>, every event worth knowing kept in window.events, the
// verdict in window.result. play.mjs drives either page.
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

let player = null;
function finish(ok, why) {
  if (window.result) return;
  window.result = {
    ok,
    why,
    currentTime: video.currentTime,
    dashjsVersion: player ? player.getVersion() : null,
  };
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
} else if (typeof dashjs === 'undefined') {
  finish(false, 'dash.js did not load');
} else if (!dashjs.supportsMediaSource()) {
  finish(false, 'dashjs.supportsMediaSource() is false: no MediaSource in this browser');
} else {
  player = dashjs.MediaPlayer().create();
  const E = dashjs.MediaPlayer.events;
  player.on(E.MANIFEST_LOADED, (e) => {
    const m = e.data || {};
    note('manifest-loaded', { type: m.type, availabilityStartTime: String(m.availabilityStartTime) });
  });
  player.on(E.STREAM_INITIALIZED, () => {
    const reps = (kind) => (player.getRepresentationsByType ? player.getRepresentationsByType(kind) : [])
      .map((r) => `${r.id} ${r.codecs || ''} ${r.width || ''}x${r.height || ''}`);
    note('stream-initialized', {
      video: reps('video'),
      audio: reps('audio'),
      isDynamic: player.isDynamic(),
      dvrWindow: player.getDVRWindowSize ? player.getDVRWindowSize() : null,
    });
  });
  player.on(E.FRAGMENT_LOADING_COMPLETED, (e) => {
    const r = e.request || {};
    note('fragment-loaded', { type: r.mediaType, kind: r.type, index: r.index, startTime: r.startTime, url: r.url });
  });
  player.on(E.PLAYBACK_ERROR, (e) => note('playback-error', { error: String(e.error) }));
  player.on(E.ERROR, (e) => {
    const err = e.error || {};
    note('dash-error', { code: err.code, message: err.message, data: err.data && String(err.data) });
    finish(false, `dash.js error ${err.code}: ${err.message}`);
  });
  player.initialize(video, src, true);
}
