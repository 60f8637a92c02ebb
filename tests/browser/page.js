// The HLS player side: hls.js attached to watch.js's <video>; its events
// go to window.events, a fatal error decides window.result.
'use strict';

versionOf = () => ({ hlsVersion: Hls.version });

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
