//! The in-component side of the remux benchmark (`benches/benches/remux.rs`).
//!
//! A `wasi:cli/run` export: the first call reads one TS segment from stdin
//! and keeps it; every call remuxes it N times (N is the last argument,
//! default 1) with `tributary_fmp4::remux`, as the packager does, and writes
//! the total bytes of init segments and fragments produced, as a decimal line,
//! to stdout — the host checks it against the native remux. A library (not a
//! `main`) so that the host may call `run` again on the same instance and time
//! the guest's remuxes without instantiation.

use std::sync::OnceLock;
use tributary_fmp4::{Options, remux};
use wasip2::cli::{environment, stderr, stdin, stdout};
use wasip2::io::streams::StreamError;

/// The export.
pub struct Bench;

/// The segment, read from stdin by the first `run`.
static SEGMENT: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();

impl wasip2::exports::cli::run::Guest for Bench {
    fn run() -> Result<(), ()> {
        match bench() {
            Ok(total) => {
                write(&stdout::get_stdout(), &format!("{total}\n"));
                Ok(())
            }
            Err(e) => {
                write(&stderr::get_stderr(), &format!("fmp4-bench: {e}\n"));
                Err(())
            }
        }
    }
}

/// Remux the segment N times; the total output length.
fn bench() -> Result<u64, String> {
    let segment = SEGMENT.get_or_init(read_stdin).as_ref()?;
    let times = match environment::get_arguments().last() {
        Some(arg) => arg
            .parse::<u32>()
            .map_err(|e| format!("the last argument is the number of remuxes: {arg:?}: {e}"))?,
        None => 1,
    };
    let mut total = 0u64;
    for _ in 0..times {
        let out = remux(&[segment], &Options::default()).map_err(|e| e.to_string())?;
        for track in &out.tracks {
            total += track.init.len() as u64;
            total += track
                .fragments
                .iter()
                .map(|f| f.bytes.len() as u64)
                .sum::<u64>();
        }
    }
    Ok(total)
}

fn read_stdin() -> Result<Vec<u8>, String> {
    let input = stdin::get_stdin();
    let mut bytes = Vec::new();
    loop {
        match input.blocking_read(1 << 20) {
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(StreamError::Closed) => return Ok(bytes),
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(format!("reading stdin: {}", e.to_debug_string()));
            }
        }
    }
}

fn write(stream: &wasip2::io::streams::OutputStream, text: &str) {
    // Nothing to do if the host closed the stream.
    let _ = stream.blocking_write_and_flush(text.as_bytes());
}

// The export links only in wasm; a native build (cargo build --workspace)
// just type-checks.
#[cfg(target_arch = "wasm32")]
wasip2::cli::command::export!(Bench with_types_in wasip2);
