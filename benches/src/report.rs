//! `benches/RESULTS.md`: what was measured, on what, under which
//! conditions, with every Tributary figure next to its same-run baselines.

use crate::stats::{Summary, ratio};
use std::fmt::Write;

/// The servers compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Server {
    /// `tributary serve`: origin component + policy plug per request.
    Tributary,
    /// nginx serving the same files from disk (sendfile).
    Nginx,
    /// `tributary-native-origin`: a minimal hyper handler, files in memory.
    Native,
}

impl Server {
    /// Every server, in report order.
    pub const ALL: [Server; 3] = [Server::Tributary, Server::Nginx, Server::Native];

    /// Name in tables.
    pub fn label(self) -> &'static str {
        match self {
            Server::Tributary => "tributary",
            Server::Nginx => "nginx",
            Server::Native => "native hyper",
        }
    }
}

/// How one server fared in one scenario.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Medians over the runs.
    Measured(Summary),
    /// No figure, and why (a failed setup, wrk errors).
    Failed(String),
}

/// One scenario at one concurrency.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    /// Short id (`get-2k`).
    pub id: String,
    /// What the request is.
    pub description: String,
    /// wrk connections.
    pub connections: u32,
    /// Outcome per server.
    pub outcomes: Vec<(Server, Outcome)>,
}

impl ScenarioResult {
    fn summary(&self, server: Server) -> Option<&Summary> {
        self.outcomes.iter().find_map(|(s, o)| match o {
            Outcome::Measured(m) if *s == server => Some(m),
            _ => None,
        })
    }
}

/// Everything the report says.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// When (UTC).
    pub date: String,
    /// The command that regenerates it.
    pub command: String,
    /// Machine facts: (what, value).
    pub machine: Vec<(String, String)>,
    /// How the runs were made: (what, value).
    pub settings: Vec<(String, String)>,
    /// Conditions worth knowing (other load on the machine, pinning).
    pub conditions: Vec<String>,
    /// Results.
    pub scenarios: Vec<ScenarioResult>,
    /// Scenarios with no figure yet: (id, why).
    pub pending: Vec<(String, String)>,
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

fn fmt_rate(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The Markdown text of `report`.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "# Load results\n");
    let _ = writeln!(
        w,
        "Generated {} by `{}`. Every Tributary figure stands beside baselines measured in the same \
         run on the same files: **nginx** serving them from disk and a **native hyper** handler \
         (`tributary-native-origin`) serving them from memory. Medians over the runs; differences \
         under ~20% are noise on these machines. MB/s counts what wrk read, headers included.\n",
        report.date, report.command
    );
    let _ = writeln!(w, "## Machine\n");
    for (k, v) in &report.machine {
        let _ = writeln!(w, "- {k}: {v}");
    }
    let _ = writeln!(w, "\n## Settings\n");
    for (k, v) in &report.settings {
        let _ = writeln!(w, "- {k}: {v}");
    }
    if !report.conditions.is_empty() {
        let _ = writeln!(w, "\n## Conditions\n");
        for c in &report.conditions {
            let _ = writeln!(w, "- {c}");
        }
    }

    let _ = writeln!(w, "\n## Summary: Tributary against its baselines\n");
    let _ = writeln!(
        w,
        "| scenario | connections | tributary req/s | % of nginx | % of native | tributary p99 ms | tributary CPU µs/req |"
    );
    let _ = writeln!(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for s in &report.scenarios {
        let t = s.summary(Server::Tributary);
        let nginx = s.summary(Server::Nginx);
        let native = s.summary(Server::Native);
        let rps = |x: Option<&Summary>| x.map(|m| m.requests_per_second);
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} |",
            s.id,
            s.connections,
            t.map_or_else(|| "failed".to_owned(), |m| fmt_rate(m.requests_per_second)),
            fmt_ratio(rps(t).zip(rps(nginx)).and_then(|(a, b)| ratio(a, b))),
            fmt_ratio(rps(t).zip(rps(native)).and_then(|(a, b)| ratio(a, b))),
            t.map_or_else(|| "–".to_owned(), |m| format!("{:.2}", m.p99_ms)),
            t.map_or_else(
                || "–".to_owned(),
                |m| format!("{:.0}", m.cpu_us_per_request)
            ),
        );
    }

    let _ = writeln!(w, "\n## Per scenario\n");
    for s in &report.scenarios {
        let _ = writeln!(
            w,
            "### {} at {} connections\n\n{}\n",
            s.id, s.connections, s.description
        );
        let _ = writeln!(
            w,
            "| server | req/s | MB/s | p50 ms | p99 ms | CPU µs/req | vs nginx | vs native | errors |"
        );
        let _ = writeln!(
            w,
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        let nginx = s.summary(Server::Nginx).map(|m| m.requests_per_second);
        let native = s.summary(Server::Native).map(|m| m.requests_per_second);
        for (server, outcome) in &s.outcomes {
            match outcome {
                Outcome::Measured(m) => {
                    let r =
                        |b: Option<f64>| fmt_ratio(b.and_then(|b| ratio(m.requests_per_second, b)));
                    let _ = writeln!(
                        w,
                        "| {} | {} | {} | {:.2} | {:.2} | {:.0} | {} | {} | {} |",
                        server.label(),
                        fmt_rate(m.requests_per_second),
                        fmt_rate(m.megabytes_per_second),
                        m.p50_ms,
                        m.p99_ms,
                        m.cpu_us_per_request,
                        r(nginx),
                        r(native),
                        m.errors
                    );
                }
                Outcome::Failed(why) => {
                    let why = why.replace('|', "\\|").replace('\n', " ");
                    let _ = writeln!(w, "| {} | failed: {why} | | | | | | | |", server.label());
                }
            }
        }
        let _ = writeln!(w);
    }

    if !report.pending.is_empty() {
        let _ = writeln!(w, "## Not measured yet\n");
        for (id, why) in &report.pending {
            let _ = writeln!(w, "- `{id}`: {why}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(rps: f64) -> Summary {
        Summary {
            runs: 3,
            requests_per_second: rps,
            megabytes_per_second: rps * 0.002,
            p50_ms: 1.0,
            p99_ms: 4.5,
            cpu_us_per_request: 80.0,
            errors: 0,
        }
    }

    fn report() -> Report {
        Report {
            date: "2026-11-21 14:00 UTC".into(),
            command: "benches/load/run".into(),
            machine: vec![("cores".into(), "2".into())],
            settings: vec![("runs".into(), "3 × 5 s".into())],
            conditions: vec!["measured under load".into()],
            scenarios: vec![ScenarioResult {
                id: "get-2k".into(),
                description: "anonymous GET".into(),
                connections: 64,
                outcomes: vec![
                    (Server::Tributary, Outcome::Measured(summary(20_000.0))),
                    (Server::Nginx, Outcome::Measured(summary(80_000.0))),
                    (Server::Native, Outcome::Failed("port | busy".into())),
                ],
            }],
            pending: vec![("playlist".into(), "needs the packager".into())],
        }
    }

    #[test]
    fn tributary_is_shown_as_a_share_of_each_baseline() {
        let text = render(&report());
        assert!(
            text.contains("| get-2k | 64 | 20000 | 25% | – | 4.50 | 80 |"),
            "{text}"
        );
        assert!(
            text.contains("| nginx | 80000 | 160 | 1.00 | 4.50 | 80 | 100% | – | 0 |"),
            "{text}"
        );
    }

    #[test]
    fn failures_and_pending_scenarios_are_said_not_hidden() {
        let text = render(&report());
        assert!(
            text.contains("| native hyper | failed: port \\| busy |"),
            "{text}"
        );
        assert!(text.contains("- `playlist`: needs the packager"), "{text}");
        assert!(text.contains("- measured under load"), "{text}");
        let mut r = report();
        r.scenarios[0].outcomes[0].1 = Outcome::Failed("wrk errors".into());
        let text = render(&r);
        assert!(
            text.contains("| get-2k | 64 | failed | – | – | – | – |"),
            "{text}"
        );
    }
}
