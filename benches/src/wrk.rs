//! Running wrk and reading its result. wrk prints a human summary; the Lua
//! `done` hook in `benches/load/report.lua` (also loaded by `put.lua`) adds
//! one machine-readable line, `LOADJSON {…}`, which [`parse`] reads.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Prefix of the line the Lua hook prints.
pub const MARKER: &str = "LOADJSON ";

/// One wrk run, as the Lua hook reports it. Latencies in microseconds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Sample {
    /// Completed requests.
    pub requests: u64,
    /// Measured time.
    pub duration_us: u64,
    /// Bytes read (headers included).
    pub bytes: u64,
    /// Socket connect errors.
    pub connect_errors: u64,
    /// Socket read errors.
    pub read_errors: u64,
    /// Socket write errors.
    pub write_errors: u64,
    /// Responses with a status other than 2xx/3xx.
    pub status_errors: u64,
    /// Requests that timed out.
    pub timeouts: u64,
    /// Median latency.
    pub p50_us: u64,
    /// 90th percentile latency.
    pub p90_us: u64,
    /// 99th percentile latency.
    pub p99_us: u64,
    /// Worst latency.
    pub max_us: u64,
}

impl Sample {
    /// Completed requests per second.
    pub fn requests_per_second(&self) -> f64 {
        if self.duration_us == 0 {
            return 0.0;
        }
        self.requests as f64 * 1e6 / self.duration_us as f64
    }

    /// Megabytes (10^6) read per second, headers included.
    pub fn megabytes_per_second(&self) -> f64 {
        if self.duration_us == 0 {
            return 0.0;
        }
        self.bytes as f64 / self.duration_us as f64
    }

    /// Every error wrk counted.
    pub fn errors(&self) -> u64 {
        self.connect_errors
            + self.read_errors
            + self.write_errors
            + self.status_errors
            + self.timeouts
    }
}

/// The sample in wrk's output: the `LOADJSON` line.
pub fn parse(output: &str) -> Result<Sample> {
    let line = output
        .lines()
        .find_map(|l| l.strip_prefix(MARKER))
        .context("wrk printed no LOADJSON line (is the Lua done() hook loaded?)")?;
    serde_json::from_str(line).with_context(|| format!("bad LOADJSON line: {line}"))
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Run<'a> {
    /// Full URL of the first request (wrk takes host and port from it).
    pub url: &'a str,
    /// Open connections.
    pub connections: u32,
    /// wrk threads.
    pub threads: u32,
    /// Length of the run.
    pub duration: Duration,
    /// Lua script (its `done` hook must print [`MARKER`]).
    pub script: &'a Path,
    /// Arguments after `--`, handed to the script's `init`.
    pub script_args: &'a [String],
    /// `taskset -c` CPU list for wrk, if pinned.
    pub cpus: Option<&'a str>,
}

/// What a finished run left: its sample and wrk's own CPU time.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The result.
    pub sample: Sample,
    /// wrk's user+system CPU time.
    pub cpu: Duration,
}

/// Run wrk once and read its result.
pub fn run(run: &Run<'_>) -> Result<Finished> {
    let mut cmd = match run.cpus {
        Some(cpus) => {
            let mut c = Command::new("taskset");
            c.args(["-c", cpus, "wrk"]);
            c
        }
        None => Command::new("wrk"),
    };
    cmd.arg(format!("-t{}", run.threads))
        .arg(format!("-c{}", run.connections))
        .arg(format!("-d{}s", run.duration.as_secs().max(1)))
        .arg("--timeout")
        .arg("10s")
        .arg("-s")
        .arg(run.script)
        .arg(run.url);
    if !run.script_args.is_empty() {
        cmd.arg("--").args(run.script_args);
    }
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start wrk (install it: apt-get install wrk)")?;
    let pid = child.id();
    let out = crate::machine::wait_with_cpu(child, pid)?;
    let stdout = String::from_utf8_lossy(&out.output.stdout);
    if !out.output.status.success() {
        bail!(
            "wrk failed ({}): {}{}",
            out.output.status,
            stdout,
            String::from_utf8_lossy(&out.output.stderr)
        );
    }
    Ok(Finished {
        sample: parse(&stdout)?,
        cpu: out.cpu,
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    const OUTPUT: &str = "Running 5s test @ http://127.0.0.1:1/a\n  2 threads and 64 connections\n\
        LOADJSON {\"requests\":50000,\"duration_us\":5000000,\"bytes\":120000000,\
        \"connect_errors\":0,\"read_errors\":1,\"write_errors\":0,\"status_errors\":2,\
        \"timeouts\":0,\"p50_us\":800,\"p90_us\":1500,\"p99_us\":4200,\"max_us\":9000}\n\
        Requests/sec: 10000.00\n";

    #[test]
    fn the_loadjson_line_is_found_among_wrk_output() {
        let s = parse(OUTPUT).unwrap();
        assert_eq!(s.requests, 50_000);
        assert_eq!(s.p99_us, 4_200);
        assert_eq!(s.errors(), 3);
        assert!((s.requests_per_second() - 10_000.0).abs() < 1e-9);
        assert!((s.megabytes_per_second() - 24.0).abs() < 1e-9);
    }

    #[test]
    fn output_without_the_hook_line_is_an_error() {
        let e = parse("Requests/sec: 10000.00\n").unwrap_err();
        assert!(e.to_string().contains("LOADJSON"), "{e}");
        assert!(parse("LOADJSON {\"requests\":1}").is_err());
    }

    #[test]
    fn a_zero_length_run_divides_by_nothing() {
        let mut s = parse(OUTPUT).unwrap();
        s.duration_us = 0;
        assert_eq!(s.requests_per_second(), 0.0);
        assert_eq!(s.megabytes_per_second(), 0.0);
    }
}
