//! The load harness: Tributary, nginx and a native hyper handler serve the
//! same bytes; wrk loads each in turn, runs interleaved so drifting load on
//! the machine hits all three alike; medians and ratios go to
//! `benches/RESULTS.md`.
//!
//! Run it through `benches/load/run`, which installs wrk and nginx and builds
//! everything first. `tributary-load --help` lists the knobs.

use anyhow::{Context, Result, bail};
use clap::Parser;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tributary_benches::report::{Outcome, Report, ScenarioResult, Server};
use tributary_benches::stats::{Measured, summarize};
use tributary_benches::{fixtures, live, machine, servers, wrk};
use tributary_tests::{Keys, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY, workspace_root};

#[derive(Parser, Debug)]
#[command(
    about = "Load Tributary beside nginx and a native hyper handler; write benches/RESULTS.md"
)]
struct Args {
    /// Seconds per measured run.
    #[arg(long, default_value_t = 5)]
    duration: u64,
    /// Seconds of warm-up load before a server's first run in a scenario.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Measured runs per server and scenario (medians are reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// wrk connection counts, each a scenario of its own.
    #[arg(long, value_delimiter = ',', default_values_t = [64, 8])]
    connections: Vec<u32>,
    /// wrk threads.
    #[arg(long, default_value_t = 2)]
    threads: u32,
    /// Pin the servers to CPU 0 and wrk to CPU 1 (`taskset`). Off by
    /// default: see benches/README.md.
    #[arg(long)]
    pin: bool,
    /// Only these scenarios (ids, comma-separated).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Where the report goes (relative to the workspace).
    #[arg(long, default_value = "benches/RESULTS.md")]
    out: PathBuf,
    /// A line to add under "Conditions" (repeatable).
    #[arg(long)]
    note: Vec<String>,
}

/// What one scenario requests.
struct Scenario {
    id: &'static str,
    description: &'static str,
    /// Path and query, the same for every server.
    path: String,
    /// The body a GET must return (checked once per server before loading).
    expect: Option<Vec<u8>>,
    /// Arguments for load.lua (uploads: the list of paths, the body size).
    script_args: Vec<String>,
}

/// Uploads rotate over this many presigned URLs (distinct objects).
const UPLOAD_OBJECTS: usize = 2000;

fn main() -> Result<()> {
    let args = Args::parse();
    let workspace = workspace_root();
    // The live playlist fixture (ffmpeg, 1800 ingest PUTs: ~10–20 s) only when
    // a playlist scenario runs.
    let wants_live = args.only.is_empty() || args.only.iter().any(|o| o.starts_with("playlist-"));
    let tools: &[&str] = if wants_live {
        &["wrk", "nginx", "ffmpeg"]
    } else {
        &["wrk", "nginx"]
    };
    for &tool in tools {
        if tributary_tests::which(tool).is_none() {
            bail!("{tool} is not installed: run benches/load/run, which installs it");
        }
    }
    let script = workspace.join("benches/load/load.lua");
    let dir = tempfile::Builder::new()
        .prefix("tributary-load-")
        .tempdir()?;
    let www = dir.path().join("www");
    let objects = fixtures::Objects::new();
    fixtures::write_files(&www, &objects)?;

    let (server_cpus, wrk_cpus) = if args.pin {
        (Some("0"), Some("1"))
    } else {
        (None, None)
    };
    let keys = Keys::new(ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY);
    let rt = tokio::runtime::Runtime::new()?;
    let data_dir = dir.path().join("tributary-data");
    std::fs::create_dir_all(&data_dir)?;
    let tributary = servers::tributary(
        &workspace,
        &data_dir,
        (ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY),
        server_cpus,
    )?;
    rt.block_on(fixtures::load_into_tributary(
        &tributary.base_url(),
        &keys,
        &objects,
    ))?;
    let playlists = if wants_live {
        eprintln!(
            "== live playlist fixture: cutting and ingesting {} segments",
            live::SEGMENTS
        );
        let p = rt
            .block_on(live::ingest(
                &tributary.base_url(),
                &keys,
                &dir.path().join("live"),
            ))
            .with_context(|| format!("live playlist fixture\n{}", tributary.log_tail()))?;
        live::write_files(&www, &p)?;
        Some(p)
    } else {
        None
    };
    let nginx = servers::nginx(&www, &dir.path().join("nginx"), server_cpus)?;
    let native = servers::native(&workspace, &www, &dir.path().join("native"), server_cpus)?;
    let mut running = [
        (Server::Tributary, tributary),
        (Server::Nginx, nginx),
        (Server::Native, native),
    ];

    let scenarios = scenarios(
        &running[0].1.base_url(),
        &keys,
        &objects,
        playlists.as_ref(),
        dir.path(),
    )?;
    if let Some(unknown) = args
        .only
        .iter()
        .find(|o| !scenarios.iter().any(|s| s.id == o.as_str()))
    {
        bail!(
            "--only {unknown}: no such scenario (there are {})",
            scenarios
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut report = Report {
        date: now_utc(),
        command: "benches/load/run".into(),
        machine: machine::describe(),
        settings: settings(&args),
        conditions: args.note.clone(),
        scenarios: Vec::new(),
        pending: Vec::new(),
    };
    if args.pin {
        report.conditions.push(
            "Pinned: every server on CPU 0, wrk on CPU 1 (`taskset`): each side has one core."
                .into(),
        );
    } else {
        report.conditions.push(
            "Not pinned: servers and wrk share both cores, as in the issue's reference figures."
                .into(),
        );
    }

    let client = reqwest::Client::builder().no_proxy().build()?;
    let mut other_busy = Duration::ZERO;
    let mut machine_total = Duration::ZERO;
    for scenario in scenarios
        .iter()
        .filter(|s| args.only.is_empty() || args.only.iter().any(|o| o == s.id))
    {
        for &connections in &args.connections {
            eprintln!("== {} at {connections} connections", scenario.id);
            let mut failed: Vec<(Server, String)> = Vec::new();
            for (server, process) in &mut running {
                let base = process.base_url();
                let checked = rt.block_on(check(&client, &base, scenario, &objects));
                let warmed = checked.and_then(|()| {
                    wrk::run(&wrk::Run {
                        url: &format!("{base}{}", scenario.path),
                        connections,
                        threads: args.threads,
                        duration: Duration::from_secs(args.warmup),
                        script: &script,
                        script_args: &scenario.script_args,
                        cpus: wrk_cpus,
                    })
                });
                if let Err(e) = warmed {
                    let why = format!("{e:#}");
                    eprintln!("   {}: {why}\n{}", server.label(), process.log_tail());
                    failed.push((*server, why));
                }
            }
            let mut runs: Vec<(Server, Vec<Measured>)> =
                Server::ALL.iter().map(|s| (*s, Vec::new())).collect();
            for run in 0..args.runs {
                for (server, process) in &mut running {
                    if failed.iter().any(|(s, _)| s == server) {
                        continue;
                    }
                    if !process.alive() {
                        failed.push((*server, format!("the server died:\n{}", process.log_tail())));
                        continue;
                    }
                    let url = format!("{}{}", process.base_url(), scenario.path);
                    let cpu_before = machine::tree_cpu(process.pid());
                    let (busy_before, total_before) = machine::machine_cpu();
                    let finished = wrk::run(&wrk::Run {
                        url: &url,
                        connections,
                        threads: args.threads,
                        duration: Duration::from_secs(args.duration),
                        script: &script,
                        script_args: &scenario.script_args,
                        cpus: wrk_cpus,
                    });
                    let server_cpu = machine::tree_cpu(process.pid()).saturating_sub(cpu_before);
                    let (busy_after, total_after) = machine::machine_cpu();
                    match finished {
                        Ok(f) => {
                            other_busy += busy_after
                                .saturating_sub(busy_before)
                                .saturating_sub(server_cpu)
                                .saturating_sub(f.cpu);
                            machine_total += total_after.saturating_sub(total_before);
                            eprintln!(
                                "   run {}: {:<12} {:>9.0} req/s  p99 {:>7.2} ms  {:>5.0} µs CPU/req  errors {}",
                                run + 1,
                                server.label(),
                                f.sample.requests_per_second(),
                                f.sample.p99_us as f64 / 1000.0,
                                server_cpu.as_secs_f64() * 1e6 / f.sample.requests.max(1) as f64,
                                f.sample.errors(),
                            );
                            if let Some((_, v)) = runs.iter_mut().find(|(s, _)| s == server) {
                                v.push(Measured {
                                    sample: f.sample,
                                    server_cpu,
                                });
                            }
                        }
                        Err(e) => failed.push((*server, format!("{e:#}"))),
                    }
                }
            }
            let outcomes = Server::ALL
                .iter()
                .map(|server| {
                    if let Some((_, why)) = failed.iter().find(|(s, _)| s == server) {
                        return (*server, Outcome::Failed(why.clone()));
                    }
                    let measured = runs
                        .iter()
                        .find(|(s, _)| s == server)
                        .map(|(_, v)| v.as_slice())
                        .unwrap_or_default();
                    let requests: u64 = measured.iter().map(|m| m.sample.requests).sum();
                    let outcome = match summarize(measured) {
                        None => Outcome::Failed("no run finished".into()),
                        // A server answering errors fast is not fast.
                        Some(s) if s.errors * 100 > requests => Outcome::Failed(format!(
                            "{} errors in {requests} requests (non-2xx/3xx or socket errors)",
                            s.errors
                        )),
                        Some(s) => Outcome::Measured(s),
                    };
                    (*server, outcome)
                })
                .collect();
            report.scenarios.push(ScenarioResult {
                id: scenario.id.into(),
                description: scenario.description.into(),
                connections,
                outcomes,
            });
        }
    }

    if machine_total > Duration::ZERO {
        let share = other_busy.as_secs_f64() / machine_total.as_secs_f64();
        report.conditions.push(if share > 0.05 {
            format!(
                "**Measured under load**: other processes used {:.0}% of the machine's CPU time during \
                 the runs (servers and wrk excluded). Absolute figures are lower than on a quiet \
                 machine; the same-run ratios are the figures to read.",
                share * 100.0
            )
        } else {
            format!(
                "Quiet machine: other processes used {:.0}% of its CPU time during the runs.",
                share * 100.0
            )
        });
    }
    let out = workspace.join(&args.out);
    std::fs::write(&out, tributary_benches::report::render(&report))
        .with_context(|| format!("write {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

fn scenarios(
    tributary: &str,
    keys: &Keys,
    objects: &fixtures::Objects,
    playlists: Option<&live::Playlists>,
    dir: &Path,
) -> Result<Vec<Scenario>> {
    use fixtures::{LARGE, PRIVATE, PUBLIC, SMALL, SMALL_LEN, object_path};
    let uploads = dir.join("uploads.txt");
    let mut list = fixtures::upload_urls(tributary, keys, UPLOAD_OBJECTS)?.join("\n");
    list.push('\n');
    std::fs::write(&uploads, list)?;
    let mut all = vec![
        Scenario {
            id: "get-2k",
            description: "Anonymous GET of a 2 KiB object in a container whose policy allows public \
                          reads (origin component + policy plug per request).",
            path: object_path(PUBLIC, SMALL),
            expect: Some(objects.small.clone()),
            script_args: Vec::new(),
        },
        Scenario {
            id: "get-1m",
            description: "Anonymous GET of a 1 MiB object, same container.",
            path: object_path(PUBLIC, LARGE),
            expect: Some(objects.large.clone()),
            script_args: Vec::new(),
        },
        Scenario {
            id: "get-2k-presigned",
            description: "GET of a 2 KiB object in a private container through a presigned URL \
                          (SigV4 query signature verified per request; the baselines ignore the query).",
            path: fixtures::presigned(tributary, keys, "GET", &object_path(PRIVATE, SMALL))?,
            expect: Some(objects.small.clone()),
            script_args: Vec::new(),
        },
        Scenario {
            id: "put-2k-presigned",
            description: "PUT of a 2 KiB body through presigned URLs, rotating over 2000 objects. \
                          Tributary and the native handler write a temp file, fsync, rename and \
                          fsync the folder; nginx (DAV module) renames its temp file without fsync.",
            path: fixtures::presigned(
                tributary,
                keys,
                "PUT",
                &object_path(PRIVATE, &format!("{}/object-00000.bin", fixtures::UPLOADS)),
            )?,
            expect: None,
            script_args: vec![
                uploads.display().to_string(),
                SMALL_LEN.to_string(),
                "PUT".into(),
            ],
        },
    ];
    all.extend(playlists.map_or_else(Vec::new, live_playlist_scenarios));
    Ok(all)
}

/// Live media playlist GETs: HLS media playlists over an index of 1800
/// two-second segments (one hour, see [`live`]), rendered per request by
/// the packager component and the manifest plug; nginx and the native
/// handler serve the bytes Tributary rendered after ingest, from a file at
/// the same path.
fn live_playlist_scenarios(playlists: &live::Playlists) -> Vec<Scenario> {
    vec![
        Scenario {
            id: "playlist-1800",
            description: "Live HLS media playlist listing 1800 segments (an hour of 2 s TS segments \
                          ingested through the channel's ingest endpoint; origin endpoint with a \
                          3600 s window, `EXT-X-PROGRAM-DATE-TIME` every 60 s), rendered per \
                          request by the packager component and the manifest plug from the stored \
                          index. No ingest runs during the load and the endpoint has no time delay, \
                          so the window (anchored at the newest segment, not the clock) does not \
                          move: every server is checked to answer the bytes Tributary rendered \
                          after ingest, which nginx and the native handler serve from a file.",
            path: live::media_playlist_path(live::HOUR_ENDPOINT),
            expect: Some(playlists.hour.clone()),
            script_args: Vec::new(),
        },
        Scenario {
            id: "playlist-60s",
            description: "The same 1800-segment index through an endpoint with a 60 s window: \
                          the newest 30 segments listed (reading and windowing the hour-long \
                          index, a short answer). Baselines and check as for playlist-1800.",
            path: live::media_playlist_path(live::MINUTE_ENDPOINT),
            expect: Some(playlists.minute.clone()),
            script_args: Vec::new(),
        },
    ]
}

/// One request per server before loading it: a GET must return exactly the
/// scenario's bytes, an upload must succeed.
async fn check(
    client: &reqwest::Client,
    base: &str,
    scenario: &Scenario,
    objects: &fixtures::Objects,
) -> Result<()> {
    let url = format!("{base}{}", scenario.path);
    let resp = match &scenario.expect {
        Some(_) => client.get(&url).send().await?,
        None => {
            client
                .put(&url)
                .header("content-type", "application/octet-stream")
                .body(objects.small.clone())
                .send()
                .await?
        }
    };
    let status = resp.status();
    let body = resp.bytes().await?;
    if !status.is_success() {
        bail!(
            "check request answered {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        );
    }
    if let Some(expected) = &scenario.expect
        && body.as_ref() != expected.as_slice()
    {
        bail!(
            "check GET returned {} bytes that differ from the {} expected",
            body.len(),
            expected.len()
        );
    }
    Ok(())
}

fn settings(args: &Args) -> Vec<(String, String)> {
    vec![
        (
            "load".into(),
            format!(
                "wrk -t{} at {} connections; {} s warm-up per server and scenario, then {} runs of {} s \
                 per server, interleaved (tributary, nginx, native, tributary, …)",
                args.threads,
                args.connections
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(" and "),
                args.warmup,
                args.runs,
                args.duration
            ),
        ),
        (
            "tributary".into(),
            "`tributary serve` with its defaults (embedded SQLite state, filesystem blobs in a temp \
             dir, the workspace's spin.toml: origin composed with the policy plug, packager with \
             the manifest plug)"
                .into(),
        ),
        (
            "nginx".into(),
            "one worker per core, sendfile, no access log, keep-alive without a request cap, files \
             from a temp dir (page cache)"
                .into(),
        ),
        (
            "native hyper".into(),
            "`tributary-native-origin`: tokio multi-thread + hyper HTTP/1.1, files held in memory"
                .into(),
        ),
        (
            "CPU µs/req".into(),
            "server processes' user+system CPU time during a run divided by its requests (from \
             /proc; 10 ms ticks)"
                .into(),
        ),
    ]
}

fn now_utc() -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::now_utc()
        .format(format)
        .unwrap_or_else(|_| "unknown date".into())
}
