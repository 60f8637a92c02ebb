//! Native tests of the whole ingest sequence over an in-memory backend and
//! a simulated clock: encoders PUT segments and playlists as ffmpeg does.

mod memory;
mod redundancy;
mod sequence;
