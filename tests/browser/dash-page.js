// The DASH player side (next to page.js, the hls.js one): dash.js attached
// to watch.js's <video>; its events go to window.events, an error decides
// window.result.
'use strict';

let player = null;
versionOf = () => ({ dashjsVersion: player ? player.getVersion() : null });

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
