// What both player pages share (page.js: hls.js, dash-page.js: dash.js,
// each loaded after this): ?src= and ?seconds=, a muted <video>, every event
// worth knowing kept in window.events, and the verdict in window.result once
// `playing` has fired and currentTime has advanced ?seconds= (default 5), or
// the <video> failed. play.mjs drives either page.
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

// The page names its player's version in the verdict.
let versionOf = () => ({});

function finish(ok, why) {
  if (window.result) return;
  window.result = { ok, why, currentTime: video.currentTime, ...versionOf() };
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
