//! What machine this is and who used its CPU: a description for the report,
//! CPU time of a process tree (a server with its workers) and of the whole
//! machine, from `/proc`.

use anyhow::{Context, Result};
use std::collections::HashMap;
use std::io::Read;
use std::process::{Child, Command, Output};
use std::time::Duration;

/// Linux reports process times in USER_HZ ticks, 100 per second on every
/// architecture the kernel's ABI promises it for.
const TICKS_PER_SECOND: u64 = 100;

/// Facts for the report: CPU, cores, memory, kernel, OS, tool versions.
pub fn describe() -> Vec<(String, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or_else(
            || "unknown".into(),
            |kib| format!("{:.1} GiB", kib as f64 / 1048576.0),
        );
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    vec![
        ("CPU".into(), model),
        ("cores".into(), cores.to_string()),
        ("memory".into(), mem),
        ("kernel".into(), kernel),
        ("OS".into(), os),
        ("rustc".into(), first_line("rustc", &["-V"])),
        ("nginx".into(), first_line("nginx", &["-v"])),
        ("wrk".into(), first_line("wrk", &["-v"])),
        (
            "tributary commit".into(),
            first_line(
                "git",
                &["describe", "--always", "--dirty", "--exclude", "*"],
            ),
        ),
    ]
}

/// The first non-empty line a command prints (stdout or stderr: nginx and
/// wrk print versions to either).
fn first_line(program: &str, args: &[&str]) -> String {
    match Command::new(program).args(args).output() {
        Ok(out) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            text.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("unknown")
                .to_owned()
        }
        Err(_) => format!("{program}: not found"),
    }
}

/// `(parent pid, user+system ticks)` from the text of `/proc/<pid>/stat`.
pub fn parse_stat(stat: &str) -> Option<(u32, u64)> {
    // The command name is in parentheses and may hold spaces or ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((ppid, utime + stime))
}

/// CPU time used so far by `root` and every process below it (threads are
/// counted in their process).
pub fn tree_cpu(root: u32) -> Duration {
    let mut procs: HashMap<u32, (u32, u64)> = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Ok(stat) = std::fs::read_to_string(entry.path().join("stat"))
                && let Some(parsed) = parse_stat(&stat)
            {
                procs.insert(pid, parsed);
            }
        }
    }
    let ticks = tree_ticks(root, &procs);
    Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
}

fn tree_ticks(root: u32, procs: &HashMap<u32, (u32, u64)>) -> u64 {
    let mut total = 0;
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        if let Some((_, ticks)) = procs.get(&pid) {
            total += ticks;
        }
        stack.extend(
            procs
                .iter()
                .filter(|(child, (ppid, _))| *ppid == pid && **child != pid)
                .map(|(child, _)| *child),
        );
    }
    total
}

/// Busy and total CPU time of the whole machine so far (all cores), from
/// the first line of `/proc/stat`.
pub fn machine_cpu() -> (Duration, Duration) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    parse_machine(&stat).unwrap_or_default()
}

/// `(busy, total)` from the text of `/proc/stat`.
pub fn parse_machine(stat: &str) -> Option<(Duration, Duration)> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest is in user).
    // Busy is user+nice+system, the same clocks a process's utime+stime
    // come from, so subtracting the servers' times leaves other processes'
    // (interrupt time, loopback traffic's included, is in neither).
    let total: u64 = v.iter().take(8).sum();
    let busy = v.first()? + v.get(1)? + v.get(2)?;
    let ms = |t: u64| Duration::from_millis(t * 1000 / TICKS_PER_SECOND);
    Some((ms(busy), ms(total)))
}

/// What [`wait_with_cpu`] returns.
#[derive(Debug)]
pub struct Waited {
    /// Exit status and output.
    pub output: Output,
    /// The child's own user+system CPU time.
    pub cpu: Duration,
}

/// Collect a child's output and, before reaping it, its CPU time: once its
/// pipes close it is a zombie whose `/proc/<pid>/stat` still holds its times.
pub fn wait_with_cpu(mut child: Child, pid: u32) -> Result<Waited> {
    let mut stdout = child.stdout.take().context("child stdout not piped")?;
    let mut stderr = child.stderr.take().context("child stderr not piped")?;
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let mut out = Vec::new();
    stdout.read_to_end(&mut out)?;
    let err = err_reader.join().unwrap_or_default();
    // Pipes closed: the child has exited or is about to.
    let mut cpu = Duration::ZERO;
    for _ in 0..100 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat.contains(") Z") {
            cpu = parse_stat(&stat)
                .map(|(_, t)| Duration::from_millis(t * 1000 / TICKS_PER_SECOND))
                .unwrap_or_default();
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = child.wait()?;
    Ok(Waited {
        output: Output {
            status,
            stdout: out,
            stderr: err,
        },
        cpu,
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_command_names_parse() {
        let line = "4242 (tokio rt) worker)) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1 2 3";
        assert_eq!(parse_stat(line), Some((17, 300)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn a_tree_adds_its_descendants_and_nothing_else() {
        let procs: HashMap<u32, (u32, u64)> = [
            (10, (1, 5)),   // nginx master
            (11, (10, 40)), // worker
            (12, (10, 60)), // worker
            (13, (12, 1)),  // grandchild
            (20, (1, 999)), // a neighbour
        ]
        .into_iter()
        .collect();
        assert_eq!(tree_ticks(10, &procs), 106);
        assert_eq!(tree_ticks(99, &procs), 0);
    }

    #[test]
    fn machine_busy_time_is_user_and_system_time() {
        let stat = "cpu  100 0 50 700 50 60 40 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n";
        let (busy, total) = parse_machine(stat).unwrap();
        assert_eq!(busy, Duration::from_millis(1500));
        assert_eq!(total, Duration::from_millis(10_000));
    }

    #[test]
    fn this_process_uses_some_cpu_and_is_described() {
        let me = std::process::id();
        let spin = std::time::Instant::now();
        while spin.elapsed() < Duration::from_millis(30) {
            std::hint::black_box(0);
        }
        assert!(tree_cpu(me) > Duration::ZERO);
        let facts = describe();
        assert!(facts.iter().any(|(k, v)| k == "cores" && v != "0"));
    }
}
