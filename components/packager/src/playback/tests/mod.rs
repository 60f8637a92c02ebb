//! Playback end to end in native code: [`serve`](super::serve::serve) over a
//! fake store that logs its calls, and a plug that runs the same
//! `tributary-hls` code the manifest component exports.

mod fixtures;
mod fmp4;
mod native;
mod playlists;
mod refusals;
mod segments;
