//! `tributary`: the host. Serves the components named in `spin.toml` over
//! HTTP with filesystem blobs and embedded key-value state, and manages
//! access keys.

mod bindings;
mod capabilities;
mod compose;
mod config;
mod credentials;
mod drain;
mod manifest;
mod metrics;
mod runtime;
mod server;
mod storage;
mod transport;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "tributary",
    version,
    about = "Open media origin: MediaStore-compatible storage served by WASI components"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[expect(clippy::large_enum_variant, reason = "parsed once at start-up")]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Manage access keys of named users (works while the server runs).
    AccessKey {
        #[command(subcommand)]
        command: AccessKeyCommand,
    },
}

#[derive(Args)]
struct Common {
    /// Directory for objects and state.
    #[arg(long, env = "TRIBUTARY_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// 12-digit account id used in ARNs.
    #[arg(long, env = "TRIBUTARY_ACCOUNT_ID", default_value = "000000000000")]
    account_id: String,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    common: Common,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "TRIBUTARY_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Base URL clients use to reach this server (container endpoints are
    /// `<this>/store/<name>`); defaults to the listen address.
    #[arg(long, env = "TRIBUTARY_PUBLIC_ENDPOINT")]
    public_endpoint: Option<String>,
    /// AWS region to answer as.
    #[arg(long, env = "TRIBUTARY_REGION", default_value = "us-east-1")]
    region: String,
    /// The Spin manifest naming routes and components.
    #[arg(long, env = "TRIBUTARY_MANIFEST", default_value = "spin.toml")]
    manifest: PathBuf,
    /// Root access key id (with --root-secret-access-key); generated and kept
    /// in the data directory when absent.
    #[arg(
        long,
        env = "TRIBUTARY_ROOT_ACCESS_KEY_ID",
        requires = "root_secret_access_key"
    )]
    root_access_key_id: Option<String>,
    /// Root secret access key.
    #[arg(
        long,
        env = "TRIBUTARY_ROOT_SECRET_ACCESS_KEY",
        requires = "root_access_key_id",
        hide_env_values = true
    )]
    root_secret_access_key: Option<String>,
    /// Run each component's `[component.X.build] command` first.
    #[arg(long)]
    build: bool,
    /// Guest CPU time allowed per request, in milliseconds.
    #[arg(long, env = "TRIBUTARY_GUEST_CPU_MS", default_value_t = 2000)]
    guest_cpu_ms: u64,
    /// Wall-clock time allowed per request (I/O included), in seconds.
    #[arg(long, env = "TRIBUTARY_REQUEST_TIMEOUT_S", default_value_t = 600)]
    request_timeout_s: u64,
    /// Linear memory per component instance, in MiB.
    #[arg(long, env = "TRIBUTARY_MAX_MEMORY_MB", default_value_t = 64)]
    max_memory_mb: usize,
    /// Requests handled at once.
    #[arg(long, env = "TRIBUTARY_MAX_CONCURRENT", default_value_t = 256)]
    max_concurrent: usize,
    /// IP address MediaConnect flow sources bind their ingest ports on.
    #[arg(long, env = "TRIBUTARY_TRANSPORT_ADDRESS", default_value = "0.0.0.0")]
    transport_address: String,
    /// Address advertised as a flow source's ingestIp; defaults to the
    /// transport address, or the public endpoint's host when that is 0.0.0.0.
    #[arg(long, env = "TRIBUTARY_INGEST_IP")]
    ingest_ip: Option<String>,
    /// This host's id in flow leases; generated once and kept in the data
    /// directory when absent.
    #[arg(long, env = "TRIBUTARY_HOST_ID")]
    host_id: Option<String>,
}

#[derive(Subcommand)]
enum AccessKeyCommand {
    /// Create a key for a user; prints it as JSON.
    Create {
        #[command(flatten)]
        common: Common,
        /// User name (principal arn:aws:iam::<account>:user/<name>).
        #[arg(long)]
        user: String,
    },
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TRIBUTARY_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,wasmtime_cranelift=warn,cranelift=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Serve(args) => rt.block_on(serve(args)),
        Command::AccessKey {
            command: AccessKeyCommand::Create { common, user },
        } => rt.block_on(async move {
            config::check_account_id(&common.account_id)?;
            config::prepare_data_dir(&common.data_dir)?;
            let kv = storage::SqliteKvBackend::open(&common.data_dir.join(storage::KV_FILE))?;
            let (pair, arn) = credentials::create_user_key(&kv, &user, &common.account_id).await?;
            let out = serde_json::json!({
                "UserName": user, "Arn": arn,
                "AccessKeyId": pair.access_key_id, "SecretAccessKey": pair.secret_access_key,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }),
    }
}

async fn serve(args: ServeArgs) -> Result<()> {
    let common = &args.common;
    config::check_region(&args.region)?;
    config::check_account_id(&common.account_id)?;
    let listen: std::net::SocketAddr = args.listen.parse().with_context(|| {
        format!(
            "listen address {:?} is not host:port: set --listen / TRIBUTARY_LISTEN",
            args.listen
        )
    })?;
    if args.max_memory_mb == 0 || args.max_concurrent == 0 || args.guest_cpu_ms == 0 {
        bail!("--max-memory-mb, --max-concurrent and --guest-cpu-ms must be positive");
    }
    let public_endpoint = args
        .public_endpoint
        .as_deref()
        .map(config::check_public_endpoint)
        .transpose()?;
    let transport_address = config::check_transport_address(&args.transport_address)?;
    config::prepare_data_dir(&common.data_dir)?;
    let host_id = config::host_id(args.host_id.as_deref(), &common.data_dir)?;
    let manifest = manifest::Manifest::load(&args.manifest)?;
    if args.build {
        build_components(&manifest)?;
    }

    let blob: Arc<dyn storage::BlobBackend> = Arc::new(storage::FsBlobBackend::open(
        &common.data_dir.join("objects"),
    )?);
    let kv = Arc::new(storage::SqliteKvBackend::open(
        &common.data_dir.join(storage::KV_FILE),
    )?);
    let (root, generated) = credentials::root_key(
        &common.data_dir,
        args.root_access_key_id
            .clone()
            .zip(args.root_secret_access_key.clone()),
    )?;
    credentials::install_root(kv.as_ref(), &root, &common.account_id).await?;

    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| {
            format!("cannot listen on {listen}: is another server using it? set --listen")
        })?;
    let bound = listener.local_addr()?;
    let public_endpoint = public_endpoint.unwrap_or_else(|| config::default_public_endpoint(bound));
    let ingest_ip = config::ingest_ip(
        args.ingest_ip.as_deref(),
        transport_address,
        &public_endpoint,
    )?;
    let env = vec![
        ("TRIBUTARY_REGION".to_owned(), args.region.clone()),
        ("TRIBUTARY_ACCOUNT_ID".to_owned(), common.account_id.clone()),
        (
            "TRIBUTARY_PUBLIC_ENDPOINT".to_owned(),
            public_endpoint.clone(),
        ),
        // The control plane advertises it as each source's ingestIp.
        ("TRIBUTARY_INGEST_IP".to_owned(), ingest_ip.clone()),
    ];
    let metrics = Arc::new(metrics::Metrics::new());
    let limits = runtime::Limits {
        guest_cpu: Duration::from_millis(args.guest_cpu_ms),
        wall: Duration::from_secs(args.request_timeout_s),
        memory_bytes: args.max_memory_mb << 20,
        instances: u32::try_from(args.max_concurrent)
            .unwrap_or(u32::MAX)
            .saturating_mul(2)
            .max(16),
    };
    let kv_dyn: Arc<dyn storage::KvBackend> = kv;
    let transport_kv = kv_dyn.clone();
    let runtime = runtime::Runtime::new(&manifest, &env, blob, kv_dyn, limits, metrics.clone())?;
    let shared = Arc::new(server::Shared {
        manifest,
        runtime,
        metrics,
        concurrency: tokio::sync::Semaphore::new(args.max_concurrent),
    });

    if generated {
        eprintln!(
            "Generated root credentials (kept in {}):\n  AWS_ACCESS_KEY_ID={}\n  AWS_SECRET_ACCESS_KEY={}",
            common.data_dir.join("root-credentials.json").display(),
            root.access_key_id,
            root.secret_access_key
        );
    }
    // Tests and scripts wait for this line.
    println!(
        "tributary listening on http://{bound} (public endpoint {public_endpoint}, region {})",
        args.region
    );
    // One signal stops both: the server drains requests while the transport
    // stops its flows, writes them Stopped and releases their leases.
    let (stopping, stop_rx) = tokio::sync::watch::channel(false);
    let transport = transport::spawn(
        transport_kv,
        transport::Config {
            host_id,
            transport_address,
            // Channel outputs push to our own listener (a wildcard bind is
            // reached on loopback).
            ingest_http: transport::reachable(bound),
        },
        shared.metrics.transport(),
        async move {
            let mut stop_rx = stop_rx;
            // Resolves on the signal, or when the server has returned.
            let _ = stop_rx.wait_for(|stop| *stop).await;
        },
    );
    let served = server::serve(listener, shared, async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    })
    .await;
    if let Err(e) = transport.await {
        tracing::error!(error = %e, "transport supervisor failed");
    }
    served
}

fn build_components(manifest: &manifest::Manifest) -> Result<()> {
    for spec in manifest.components.values() {
        let Some(build) = &spec.build else { continue };
        tracing::info!(component = %spec.id, command = %build.command, "building");
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(&build.command)
            .current_dir(&build.workdir)
            .status()
            .with_context(|| {
                format!(
                    "cannot run the build command of {:?} in {}",
                    spec.id,
                    build.workdir.display()
                )
            })?;
        if !status.success() {
            bail!(
                "building component {:?} failed ({status}): {}",
                spec.id,
                build.command
            );
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
