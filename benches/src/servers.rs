//! The three servers under load, each a child process on 127.0.0.1 that is
//! stopped (by its own pid) when dropped: `tributary serve`, nginx with a
//! generated configuration, and `tributary-native-origin`.

use anyhow::{Context, Result, bail};
use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server.
#[derive(Debug)]
pub struct Running {
    /// Which.
    pub name: &'static str,
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Running {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The process whose tree's CPU time is the server's.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines of the server's log, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // SIGTERM first: nginx's master then stops its workers (a SIGKILLed
        // master would leave them behind).
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `program args…`, under `taskset -c cpus` when pinned.
fn command(program: &Path, cpus: Option<&str>) -> Command {
    match cpus {
        Some(cpus) => {
            let mut c = Command::new("taskset");
            c.args(["-c", cpus]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for_port(child: &mut Child, addr: SocketAddr, log: &Path) -> Result<()> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!(
                "exited ({status}) before accepting connections:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if Instant::now() > deadline {
            bail!("no connection accepted on {addr} within {READY_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `tributary serve` on a free port with `data_dir`, the workspace manifest
/// and the given root key; ready once it prints its listening line.
pub fn tributary(
    workspace: &Path,
    data_dir: &Path,
    root: (&str, &str),
    cpus: Option<&str>,
) -> Result<Running> {
    let binary = workspace.join("target/release/tributary");
    let log = data_dir.with_extension("log");
    let stdout = data_dir.with_extension("stdout");
    let mut cmd = command(&binary, cpus);
    cmd.arg("serve")
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .arg("--manifest")
        .arg(workspace.join("spin.toml"))
        .args([
            "--root-access-key-id",
            root.0,
            "--root-secret-access-key",
            root.1,
        ]);
    for (k, _) in std::env::vars() {
        if k.starts_with("TRIBUTARY_") && k != "TRIBUTARY_LOG" {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .current_dir(workspace)
        .stdin(Stdio::null())
        .stdout(File::create(&stdout)?)
        .stderr(File::create(&log)?)
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let deadline = Instant::now() + READY_TIMEOUT;
    let addr = loop {
        let out = std::fs::read_to_string(&stdout).unwrap_or_default();
        if let Some(addr) = out.lines().find_map(|l| {
            l.strip_prefix("tributary listening on http://")?
                .split_whitespace()
                .next()?
                .parse::<SocketAddr>()
                .ok()
        }) {
            break addr;
        }
        if let Some(status) = child.try_wait()? {
            bail!(
                "tributary exited ({status}) before it was ready:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("tributary printed no listening line within {READY_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    Ok(Running {
        name: "tributary",
        child,
        addr,
        log,
    })
}

/// The nginx configuration: static files from `root` with sendfile, PUT
/// through the DAV module, no access log, keep-alive without a request cap
/// (so the baseline is not slowed by reconnects that wrk would not make
/// against the others).
pub fn nginx_config(root: &Path, dir: &Path, port: u16, workers: usize) -> String {
    let d = dir.display();
    format!(
        "daemon off;\n\
         master_process on;\n\
         user root;\n\
         worker_processes {workers};\n\
         pid {d}/nginx.pid;\n\
         error_log {d}/error.log warn;\n\
         events {{ worker_connections 4096; }}\n\
         http {{\n\
         \x20 access_log off;\n\
         \x20 sendfile on;\n\
         \x20 tcp_nopush on;\n\
         \x20 tcp_nodelay on;\n\
         \x20 keepalive_requests 100000000;\n\
         \x20 keepalive_timeout 300s;\n\
         \x20 client_body_temp_path {d}/body;\n\
         \x20 client_max_body_size 30m;\n\
         \x20 client_body_buffer_size 64k;\n\
         \x20 types {{ application/vnd.apple.mpegurl m3u8; }}\n\
         \x20 default_type application/octet-stream;\n\
         \x20 server {{\n\
         \x20   listen 127.0.0.1:{port};\n\
         \x20   root {root};\n\
         \x20   location / {{ dav_methods PUT; create_full_put_path on; }}\n\
         \x20 }}\n\
         }}\n",
        root = root.display()
    )
}

/// nginx serving `root` on a free port, one worker per core, its files
/// (config, pid, temp) in `dir`.
pub fn nginx(root: &Path, dir: &Path, cpus: Option<&str>) -> Result<Running> {
    std::fs::create_dir_all(dir.join("body"))?;
    let port = free_port()?;
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, nginx_config(root, dir, port, workers))?;
    let log = dir.join("stderr.log");
    let mut child = command(Path::new("nginx"), cpus)
        .arg("-c")
        .arg(&conf)
        .arg("-p")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&log)?)
        .spawn()
        .context("cannot start nginx (install it: apt-get install nginx)")?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    wait_for_port(&mut child, addr, &log).context("nginx")?;
    Ok(Running {
        name: "nginx",
        child,
        addr,
        log,
    })
}

/// `tributary-native-origin` serving `root` on a free port.
pub fn native(workspace: &Path, root: &Path, dir: &Path, cpus: Option<&str>) -> Result<Running> {
    std::fs::create_dir_all(dir)?;
    let binary = workspace.join("target/release/tributary-native-origin");
    let port = free_port()?;
    let log = dir.join("native.log");
    let mut child = command(&binary, cpus)
        .arg("--root")
        .arg(root)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&log)?)
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    wait_for_port(&mut child, addr, &log).context("native handler")?;
    Ok(Running {
        name: "native",
        child,
        addr,
        log,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_config_serves_the_root_and_accepts_puts() {
        let conf = nginx_config(Path::new("/srv/www"), Path::new("/tmp/n"), 8088, 2);
        assert!(conf.contains("listen 127.0.0.1:8088;"));
        assert!(conf.contains("root /srv/www;"));
        assert!(conf.contains("dav_methods PUT;"));
        assert!(conf.contains("types { application/vnd.apple.mpegurl m3u8; }"));
        assert!(conf.contains("worker_processes 2;"));
        assert!(conf.contains("pid /tmp/n/nginx.pid;"));
        assert_eq!(conf.matches('{').count(), conf.matches('}').count());
    }
}
