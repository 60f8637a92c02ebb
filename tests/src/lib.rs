//! Harness for Tributary's integration tests: start the real `tributary`
//! binary on a free loopback port with its own data directory, and drive it
//! with clients no one here wrote — the AWS SDK for Rust, `reqwest` for
//! browsers and anonymous players, `aws-sigv4` for hand-signed requests.
//!
//! Every test owns its [`Server`] (and so its port and temp directory), so
//! tests run in parallel; the child is killed when the `Server` drops.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let server = tributary_tests::Server::start().await?;
//! server.control().create_container().container_name("live").send().await?;
//! let data = server.data("live");
//! data.put_object().path("a.ts").body(b"hello".to_vec().into()).send().await?;
//! # Ok(()) }
//! ```

use anyhow::{Context, Result, anyhow, bail, ensure};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use std::fs::File;
use std::future::Future;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub mod awscli;
pub mod dash_check;
pub mod hls_check;
pub mod hls_push;
pub mod hls_ts;
pub mod playback;
pub mod static_http;
pub mod transport;

/// Root access key id every test server is started with.
pub const ROOT_ACCESS_KEY_ID: &str = "AKIATRIBUTARYTESTROOT";
/// Root secret access key every test server is started with.
pub const ROOT_SECRET_ACCESS_KEY: &str = "tributary/tests/root+secret/0123456789abcdefghij";
/// The region the server answers as (its default).
pub const REGION: &str = "us-east-1";
/// The account id in ARNs (the server's default).
pub const ACCOUNT_ID: &str = "000000000000";
/// SigV4 service name of both MediaStore planes.
pub const SERVICE: &str = "mediastore";
/// The error code of a request refused because it is anonymous and no
/// container policy grants the action to `Principal: "*"` (as specified for
/// this suite: 403 `AccessDeniedException`).
pub const ANONYMOUS_DENIED: &str = "AccessDeniedException";

/// How long a server may take from spawn to its ready line. Generous: with
/// two cores shared by parallel tests, compiling components can be slow.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Default bound on one HTTP exchange made by the harness's clients.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The workspace root (the parent of `tests/`).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// `<workspace>/target/release/tributary`, or an error saying how to build it.
pub fn binary_path() -> Result<PathBuf> {
    let path = workspace_root().join("target/release/tributary");
    ensure!(
        path.is_file(),
        "{} is missing: run `cargo build --release --workspace` (or ./tests/run, which builds everything)",
        path.display()
    );
    Ok(path)
}

/// `<workspace>/target/wasm32-wasip2/release/<file>`, or an error saying how
/// to build it.
pub fn wasm_path(file: &str) -> Result<PathBuf> {
    let path = workspace_root()
        .join("target/wasm32-wasip2/release")
        .join(file);
    ensure!(
        path.is_file(),
        "{} is missing: run ./tests/run, which builds the components with \
         `cargo build --release --target wasm32-wasip2 -p …`",
        path.display()
    );
    Ok(path)
}

/// Await `fut`, failing with `what` if it takes longer than `limit`.
pub async fn within<T>(limit: Duration, what: &str, fut: impl Future<Output = T>) -> Result<T> {
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| anyhow!("timed out after {limit:?}: {what}"))
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

/// How to start a server.
#[derive(Debug, Clone)]
pub struct Options {
    /// The Spin manifest (default: the workspace's `spin.toml`).
    pub manifest: PathBuf,
    /// `--guest-cpu-ms`, if not the server's default.
    pub guest_cpu_ms: Option<u64>,
    /// Further arguments to `tributary serve`.
    pub extra_args: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            manifest: workspace_root().join("spin.toml"),
            guest_cpu_ms: None,
            extra_args: Vec::new(),
        }
    }
}

/// A running `tributary serve` on 127.0.0.1 with a temp data directory and
/// the fixed root credentials. Killed (SIGKILL) on drop.
pub struct Server {
    options: Options,
    dir: TempDir,
    child: Option<Child>,
    addr: Option<SocketAddr>,
    starts: u32,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .field("dir", &self.dir.path())
            .finish()
    }
}

impl Server {
    /// Start with the workspace's `spin.toml`.
    pub async fn start() -> Result<Self> {
        Self::start_with(Options::default()).await
    }

    /// Start with `options`.
    pub async fn start_with(options: Options) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("tributary-test-")
            .tempdir()?;
        std::fs::create_dir_all(dir.path().join("data"))?;
        let mut server = Self {
            options,
            dir,
            child: None,
            addr: None,
            starts: 0,
        };
        server.launch().await?;
        Ok(server)
    }

    /// The server process's id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        match self.addr {
            Some(addr) => format!("http://{addr}"),
            None => "http://127.0.0.1:0".into(),
        }
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> Result<SocketAddr> {
        self.addr.context("the server has not started")
    }

    /// The container endpoint the control plane should report:
    /// `<base>/store/<name>`.
    pub fn container_endpoint(&self, name: &str) -> String {
        format!("{}/store/{name}", self.base_url())
    }

    /// `arn:aws:mediastore:us-east-1:<account>:container/<name>`.
    pub fn container_arn(name: &str) -> String {
        format!("arn:aws:mediastore:{REGION}:{ACCOUNT_ID}:container/{name}")
    }

    /// `<base>/store/<container>/<path>`, for plain HTTP clients.
    pub fn object_url(&self, container: &str, path: &str) -> String {
        format!("{}/store/{container}/{path}", self.base_url())
    }

    /// The data directory (kept across restarts).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Kill the server with SIGKILL — no shutdown, no flushing — and reap it.
    pub fn kill9(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill().context("kill -9 the server")?;
            child.wait().context("reap the server")?;
        }
        Ok(())
    }

    /// Kill the server (SIGKILL) and start it again on the same port and data
    /// directory.
    pub async fn restart(&mut self) -> Result<()> {
        self.kill9()?;
        self.launch().await
    }

    /// Like [`Server::restart`], with other options (e.g. another manifest).
    pub async fn restart_with(&mut self, options: Options) -> Result<()> {
        self.kill9()?;
        self.options = options;
        self.launch().await
    }

    /// Ask the server to shut down gracefully (SIGTERM).
    pub fn terminate(&mut self) -> Result<()> {
        let child = self.child.as_ref().context("the server is not running")?;
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .context("run kill -TERM")?;
        ensure!(status.success(), "kill -TERM failed");
        Ok(())
    }

    /// Wait up to `limit` for the process to exit; its exit status.
    pub async fn wait_exit(&mut self, limit: Duration) -> Result<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let child = self.child.as_mut().context("the server is not running")?;
            if let Some(status) = child.try_wait()? {
                self.child = None;
                return Ok(status);
            }
            ensure!(
                std::time::Instant::now() < deadline,
                "the server did not exit within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Start the server again on the same port and data directory after it exited.
    pub async fn start_again(&mut self) -> Result<()> {
        ensure!(self.child.is_none(), "the server is still running");
        self.launch().await
    }

    /// Is the process still running?
    pub fn is_running(&mut self) -> bool {
        match &mut self.child {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// The process is alive and `/healthz` answers 200 `ok`.
    pub async fn assert_healthy(&mut self) -> Result<()> {
        ensure!(
            self.is_running(),
            "the server exited; its log:\n{}",
            self.log_tail()
        );
        let resp = http_client()?
            .get(format!("{}/healthz", self.base_url()))
            .send()
            .await
            .context("GET /healthz")?;
        let status = resp.status().as_u16();
        let body = resp.text().await?;
        ensure!(
            status == 200 && body.trim() == "ok",
            "/healthz answered {status} {body:?}"
        );
        Ok(())
    }

    /// The last 8 KiB of the current run's stderr.
    pub fn log_tail(&self) -> String {
        let path = self.dir.path().join(format!("stderr-{}.log", self.starts));
        let text = std::fs::read(&path).unwrap_or_default();
        let from = text.len().saturating_sub(8192);
        String::from_utf8_lossy(&text[from..]).into_owned()
    }

    /// Create an access key for user `name` with `tributary access-key create`
    /// (which works while the server runs).
    pub fn create_access_key(&self, name: &str) -> Result<AccessKey> {
        let out = Command::new(binary_path()?)
            .args(["access-key", "create", "--data-dir"])
            .arg(self.data_dir())
            .args(["--user", name])
            .env_remove("TRIBUTARY_LOG")
            .stdin(Stdio::null())
            .output()
            .context("run tributary access-key create")?;
        ensure!(
            out.status.success(),
            "tributary access-key create failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).with_context(|| {
            format!(
                "access-key create printed {:?}",
                String::from_utf8_lossy(&out.stdout)
            )
        })?;
        let field = |k: &str| -> Result<String> {
            v[k].as_str()
                .map(str::to_owned)
                .with_context(|| format!("access-key create printed no {k}: {v}"))
        };
        Ok(AccessKey {
            keys: Keys {
                access_key_id: field("AccessKeyId")?,
                secret_access_key: field("SecretAccessKey")?,
            },
            arn: field("Arn")?,
        })
    }

    /// MediaStore control-plane client (root credentials).
    pub fn control(&self) -> aws_sdk_mediastore::Client {
        self.control_as(&Keys::root())
    }

    /// MediaStore control-plane client with `keys`.
    pub fn control_as(&self, keys: &Keys) -> aws_sdk_mediastore::Client {
        use aws_sdk_mediastore::config;
        let conf = config::Builder::new()
            .behavior_version(config::BehaviorVersion::latest())
            .region(config::Region::new(REGION))
            .credentials_provider(keys.credentials())
            .endpoint_url(self.base_url())
            .http_client(sdk_http_client())
            .retry_config(config::retry::RetryConfig::disabled())
            .timeout_config(sdk_timeouts())
            .build();
        aws_sdk_mediastore::Client::from_conf(conf)
    }

    /// MediaConnect client (root credentials).
    pub fn mediaconnect(&self) -> aws_sdk_mediaconnect::Client {
        use aws_sdk_mediaconnect::config;
        let conf = config::Builder::new()
            .behavior_version(config::BehaviorVersion::latest())
            .region(config::Region::new(REGION))
            .credentials_provider(Keys::root().credentials())
            .endpoint_url(self.base_url())
            .http_client(sdk_http_client())
            .retry_config(config::retry::RetryConfig::disabled())
            .timeout_config(sdk_timeouts())
            .build();
        aws_sdk_mediaconnect::Client::from_conf(conf)
    }

    /// MediaPackage (v1) client (root credentials).
    pub fn mediapackage(&self) -> aws_sdk_mediapackage::Client {
        use aws_sdk_mediapackage::config;
        let conf = config::Builder::new()
            .behavior_version(config::BehaviorVersion::latest())
            .region(config::Region::new(REGION))
            .credentials_provider(Keys::root().credentials())
            .endpoint_url(self.base_url())
            .http_client(sdk_http_client())
            .retry_config(config::retry::RetryConfig::disabled())
            .timeout_config(sdk_timeouts())
            .build();
        aws_sdk_mediapackage::Client::from_conf(conf)
    }

    /// MediaStore data-plane client for `container` (root credentials), its
    /// endpoint being the container endpoint `<base>/store/<container>`.
    pub fn data(&self, container: &str) -> aws_sdk_mediastoredata::Client {
        self.data_as(container, &Keys::root())
    }

    /// MediaStore data-plane client for `container` with `keys`.
    pub fn data_as(&self, container: &str, keys: &Keys) -> aws_sdk_mediastoredata::Client {
        data_client(&self.container_endpoint(container), keys)
    }

    async fn launch(&mut self) -> Result<()> {
        let binary = binary_path()?;
        self.starts += 1;
        let stdout_path = self.dir.path().join(format!("stdout-{}.log", self.starts));
        let stderr_path = self.dir.path().join(format!("stderr-{}.log", self.starts));
        // A restart reuses the port so stored endpoints stay right; the first
        // start lets the kernel pick a free one.
        let listen = match self.addr {
            Some(addr) => addr.to_string(),
            None => "127.0.0.1:0".to_owned(),
        };
        let mut cmd = Command::new(&binary);
        cmd.arg("serve")
            .args(["--listen", &listen, "--data-dir"])
            .arg(self.data_dir())
            .arg("--manifest")
            .arg(&self.options.manifest)
            .args(["--root-access-key-id", ROOT_ACCESS_KEY_ID])
            .args(["--root-secret-access-key", ROOT_SECRET_ACCESS_KEY]);
        if let Some(ms) = self.options.guest_cpu_ms {
            cmd.args(["--guest-cpu-ms", &ms.to_string()]);
        }
        cmd.args(&self.options.extra_args);
        for (k, _) in std::env::vars() {
            if k.starts_with("TRIBUTARY_") && k != "TRIBUTARY_LOG" {
                cmd.env_remove(k);
            }
        }
        let child = cmd
            .current_dir(workspace_root())
            .env("RUST_BACKTRACE", "1")
            .stdin(Stdio::null())
            .stdout(File::create(&stdout_path)?)
            .stderr(File::create(&stderr_path)?)
            .spawn()
            .with_context(|| format!("spawn {}", binary.display()))?;
        self.child = Some(child);

        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let out = std::fs::read_to_string(&stdout_path).unwrap_or_default();
            if let Some(addr) = ready_address(&out) {
                self.addr = Some(addr);
                return Ok(());
            }
            if let Some(child) = &mut self.child
                && let Some(status) = child.try_wait()?
            {
                self.child = None;
                bail!(
                    "tributary serve exited ({status}) before it was ready; stderr:\n{}",
                    self.log_tail()
                );
            }
            if Instant::now() > deadline {
                self.kill9()?;
                bail!(
                    "tributary serve printed no ready line within {READY_TIMEOUT:?}; stderr:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if std::thread::panicking() || std::env::var_os("TRIBUTARY_TEST_LOGS").is_some() {
            eprintln!(
                "--- tributary server log (tail) ---\n{}\n--- end ---",
                self.log_tail()
            );
        }
        let _ = self.kill9();
    }
}

/// `tributary listening on http://127.0.0.1:PORT (…)` → the address.
fn ready_address(stdout: &str) -> Option<SocketAddr> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("tributary listening on http://"))?;
    let rest = line.strip_prefix("tributary listening on http://")?;
    rest.split_whitespace().next()?.parse().ok()
}

/// An access key created with `tributary access-key create`.
#[derive(Debug, Clone)]
pub struct AccessKey {
    /// Key id and secret.
    pub keys: Keys,
    /// The user's principal, `arn:aws:iam::<account>:user/<name>`.
    pub arn: String,
}

/// An access key id and its secret.
#[derive(Debug, Clone)]
pub struct Keys {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
}

impl Keys {
    /// The root key the test servers start with.
    pub fn root() -> Self {
        Self::new(ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)
    }

    /// Any pair.
    pub fn new(id: &str, secret: &str) -> Self {
        Self {
            access_key_id: id.into(),
            secret_access_key: secret.into(),
        }
    }

    /// As SDK credentials.
    pub fn credentials(&self) -> Credentials {
        Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            None,
            None,
            "tributary-tests",
        )
    }
}

// ---------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------

fn sdk_http_client() -> aws_sdk_mediastoredata::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

fn sdk_timeouts() -> aws_sdk_mediastoredata::config::timeout::TimeoutConfig {
    aws_sdk_mediastoredata::config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(60))
        .build()
}

/// A data-plane client for any endpoint URL.
pub fn data_client(endpoint: &str, keys: &Keys) -> aws_sdk_mediastoredata::Client {
    use aws_sdk_mediastoredata::config;
    let conf = config::Builder::new()
        .behavior_version(config::BehaviorVersion::latest())
        .region(config::Region::new(REGION))
        .credentials_provider(keys.credentials())
        .endpoint_url(endpoint)
        .http_client(sdk_http_client())
        .retry_config(config::retry::RetryConfig::disabled())
        .timeout_config(sdk_timeouts())
        // Streaming tests pause between chunks on purpose.
        .stalled_stream_protection(config::StalledStreamProtectionConfig::disabled())
        .build();
    aws_sdk_mediastoredata::Client::from_conf(conf)
}

/// A plain HTTP client (a browser or player stand-in): no proxy, 30 s per
/// request.
pub fn http_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(5))
        .timeout(REQUEST_TIMEOUT)
        .build()?)
}

/// A plain HTTP client without an overall timeout, for streamed bodies;
/// callers bound each step with [`within`].
pub fn streaming_http_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(5))
        .build()?)
}

// ---------------------------------------------------------------------------
// Errors as clients see them
// ---------------------------------------------------------------------------

/// An AWS error as a client received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    /// HTTP status.
    pub status: u16,
    /// Error code (`ContainerNotFoundException`), if one was sent.
    pub code: Option<String>,
}

impl WireError {
    /// `(status, code)`, for one `assert_eq!`.
    pub fn pair(&self) -> (u16, &str) {
        (self.status, self.code.as_deref().unwrap_or("<no code>"))
    }
}

/// The status and code of a failed SDK call; an error if the call succeeded
/// or never got a response.
pub fn sdk_error<T: std::fmt::Debug, E>(
    result: Result<T, aws_sdk_mediastoredata::error::SdkError<E>>,
) -> Result<WireError>
where
    E: aws_sdk_mediastoredata::error::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
{
    use aws_sdk_mediastoredata::error::ProvideErrorMetadata;
    match result {
        Ok(v) => bail!("expected an error response, got success: {v:?}"),
        Err(e) => {
            let Some(raw) = e.raw_response() else {
                bail!(
                    "expected an error response, the call failed without one: {}",
                    aws_sdk_mediastoredata::error::DisplayErrorContext(&e)
                );
            };
            Ok(WireError {
                status: raw.status().as_u16(),
                code: e.code().map(str::to_owned),
            })
        }
    }
}

/// The code of an error response: the `x-amzn-errortype` header (text before
/// `:`) or the body's `__type` (text after `#`), as botocore reads them.
pub fn error_code(headers: &http::HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(v) = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
    {
        return Some(v.split(':').next().unwrap_or(v).to_owned());
    }
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let t = v
        .get("__type")
        .or_else(|| v.get("code"))
        .or_else(|| v.get("Code"))?
        .as_str()?;
    Some(t.rsplit('#').next().unwrap_or(t).to_owned())
}

/// Status and code of a `reqwest` response (consumes it).
pub async fn response_error(resp: reqwest::Response) -> Result<WireError> {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await?;
    Ok(WireError {
        status,
        code: error_code(&headers, &body),
    })
}

// ---------------------------------------------------------------------------
// Hand-signed requests
// ---------------------------------------------------------------------------

/// What a signature covers of the body.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// These exact bytes (hashed into the signature; JSON control calls).
    Bytes(&'a [u8]),
    /// `x-amz-content-sha256: UNSIGNED-PAYLOAD` (streamed object bodies).
    Unsigned,
}

/// Sign `method url` with `headers` as `aws-sigv4` (the SDK's signer) does,
/// at time `at`, in the Authorization header. Returns the headers to send:
/// `headers` plus `x-amz-date`, `authorization` and, for
/// [`Payload::Unsigned`], `x-amz-content-sha256`.
pub fn sign_headers(
    keys: &Keys,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    payload: Payload<'_>,
    at: SystemTime,
) -> Result<Vec<(String, String)>> {
    let mut settings = SigningSettings::default();
    let body = match payload {
        Payload::Bytes(b) => SignableBody::Bytes(b),
        Payload::Unsigned => {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
            SignableBody::UnsignedPayload
        }
    };
    let req = signed_request(keys, method, url, headers, body, settings, at)?;
    Ok(req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect())
}

/// A presigned URL (`X-Amz-Signature` in the query) for `method url`, signed
/// at `at` and valid for `expires_in` from then.
pub fn presign(
    keys: &Keys,
    method: &str,
    url: &str,
    expires_in: Duration,
    at: SystemTime,
) -> Result<String> {
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(expires_in);
    let req = signed_request(
        keys,
        method,
        url,
        &[],
        SignableBody::UnsignedPayload,
        settings,
        at,
    )?;
    Ok(req.uri().to_string())
}

fn signed_request(
    keys: &Keys,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: SignableBody<'_>,
    settings: SigningSettings,
    at: SystemTime,
) -> Result<http::Request<()>> {
    let identity = keys.credentials().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name(SERVICE)
        .time(at)
        .settings(settings)
        .build()?
        .into();
    let signable = SignableRequest::new(method, url, headers.iter().copied(), body)?;
    let (instructions, _signature) = sign(signable, &params)?.into_parts();
    let mut builder = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let mut req = builder.body(())?;
    instructions.apply_to_request_http1x(&mut req);
    Ok(req)
}

/// A `reqwest` request carrying `headers` (e.g. from [`sign_headers`]).
pub fn with_headers(
    mut builder: reqwest::RequestBuilder,
    headers: &[(String, String)],
) -> reqwest::RequestBuilder {
    for (k, v) in headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    builder
}

// ---------------------------------------------------------------------------
// Raw HTTP, for request targets URL libraries would normalize (`..`)
// ---------------------------------------------------------------------------

/// A response read off a raw socket.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: http::HeaderMap,
    /// Body (de-chunked).
    pub body: Vec<u8>,
}

impl RawResponse {
    /// Status and error code.
    pub fn error(&self) -> WireError {
        WireError {
            status: self.status,
            code: error_code(&self.headers, &self.body),
        }
    }
}

/// Send `method target` exactly as written (no normalization) with
/// `headers` and an empty body, over a fresh connection.
pub async fn raw_request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> Result<RawResponse> {
    within(REQUEST_TIMEOUT, "raw HTTP exchange", async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        let mut req =
            format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        stream.write_all(req.as_bytes()).await?;
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).await?;
        parse_raw_response(&buf)
    })
    .await?
}

fn parse_raw_response(buf: &[u8]) -> Result<RawResponse> {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of headers in the response")?;
    let head = std::str::from_utf8(&buf[..end])?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().context("empty response")?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .context("no status")?
        .parse()?;
    let mut headers = http::HeaderMap::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            headers.append(
                http::HeaderName::from_bytes(k.trim().as_bytes())?,
                http::HeaderValue::from_str(v.trim())?,
            );
        }
    }
    let mut body = buf[end + 4..].to_vec();
    let chunked = headers
        .get(http::header::TRANSFER_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        body = dechunk(&body)?;
    }
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("truncated chunk size")?;
        let size_text = std::str::from_utf8(&data[..line_end])?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        ensure!(data.len() >= size + 2, "truncated chunk");
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

// ---------------------------------------------------------------------------
// Manifests
// ---------------------------------------------------------------------------

/// A manifest written to a temp directory.
#[derive(Debug)]
pub struct TempManifest {
    _dir: TempDir,
    /// Its path.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

impl TempManifest {
    /// Write `text` as `spin.toml` in a new temp directory.
    pub fn write(text: String) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("tributary-manifest-")
            .tempdir()?;
        let path = dir.path().join("spin.toml");
        std::fs::write(&path, &text)?;
        Ok(Self {
            _dir: dir,
            path,
            text,
        })
    }

    /// Server options using this manifest.
    pub fn options(&self) -> Options {
        Options {
            manifest: self.path.clone(),
            ..Options::default()
        }
    }
}

/// The workspace's `spin.toml` with every `target/…` path made absolute, so
/// a copy works from any directory. Checks the files it names exist.
pub fn absolute_manifest() -> Result<String> {
    let root = workspace_root();
    let text = std::fs::read_to_string(root.join("spin.toml")).context("read spin.toml")?;
    let abs = text.replace("\"target/", &format!("\"{}/target/", root.display()));
    for file in [
        "tributary_control.wasm",
        "tributary_origin.wasm",
        "tributary_policy.wasm",
    ] {
        if abs.contains(file) {
            wasm_path(file)?;
        }
    }
    Ok(abs)
}

// ---------------------------------------------------------------------------
// Media made by ffmpeg
// ---------------------------------------------------------------------------

/// One file of an HLS rendition.
#[derive(Debug, Clone)]
pub struct HlsFile {
    /// File name (`index.m3u8`, `seg_000.ts`).
    pub name: String,
    /// MediaStore content type for it.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A six-second HLS rendition (H.264 + AAC in TS, 2 s segments) made by
/// ffmpeg: the playlist first, then the segments in order.
#[derive(Debug)]
pub struct Hls {
    /// Playlist, then segments.
    pub files: Vec<HlsFile>,
}

impl Hls {
    /// The playlist.
    pub fn playlist(&self) -> &HlsFile {
        &self.files[0]
    }

    /// The segments.
    pub fn segments(&self) -> &[HlsFile] {
        &self.files[1..]
    }
}

/// Real HLS made by ffmpeg (once per test process).
pub fn hls() -> Result<Arc<Hls>> {
    static HLS: OnceLock<Result<Arc<Hls>, String>> = OnceLock::new();
    HLS.get_or_init(|| make_hls().map(Arc::new).map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(|e| anyhow!(e))
}

fn make_hls() -> Result<Hls> {
    let dir = tempfile::Builder::new()
        .prefix("tributary-hls-")
        .tempdir()?;
    let out = dir.path();
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args([
            "-t", "6", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        ])
        .args([
            "-g",
            "50",
            "-keyint_min",
            "50",
            "-sc_threshold",
            "0",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
        ])
        .args([
            "-f",
            "hls",
            "-hls_time",
            "2",
            "-hls_playlist_type",
            "vod",
            "-hls_segment_filename",
        ])
        .arg(out.join("seg_%03d.ts"))
        .arg(out.join("index.m3u8"));
    run_with_timeout(cmd, Duration::from_secs(60)).map_err(|e| {
        if which("ffmpeg").is_none() {
            anyhow!("ffmpeg is not installed: run ./tests/run, which installs it ({e:#})")
        } else {
            e
        }
    })?;
    let playlist = std::fs::read(out.join("index.m3u8"))?;
    let mut files = vec![HlsFile {
        name: "index.m3u8".into(),
        content_type: "application/x-mpegURL",
        bytes: playlist,
    }];
    let text = String::from_utf8_lossy(&files[0].bytes).into_owned();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut bytes = Vec::new();
        File::open(out.join(line.trim()))
            .with_context(|| format!("segment {line} named by the playlist"))?
            .read_to_end(&mut bytes)?;
        files.push(HlsFile {
            name: line.trim().to_owned(),
            content_type: "video/MP2T",
            bytes,
        });
    }
    ensure!(
        files.len() >= 3,
        "ffmpeg made {} segments, expected 3",
        files.len() - 1
    );
    Ok(Hls { files })
}

/// The full path of `program` on `PATH`, if any.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
}

/// Run `cmd` to completion within `limit` (then it is killed), collecting
/// both pipes whatever its exit status.
pub fn run_bounded(mut cmd: Command, limit: Duration) -> Result<std::process::Output> {
    let program = format!("{:?}", cmd.get_program());
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {program}"))?;
    // Drain both pipes on threads so a chatty child cannot block.
    let mut out_pipe = child.stdout.take().context("stdout")?;
    let mut err_pipe = child.stderr.take().context("stderr")?;
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{program} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(std::process::Output {
        status,
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    })
}

/// Run `cmd` like [`run_bounded`]; an unsuccessful exit is an error showing
/// both pipes.
pub fn run_with_timeout(cmd: Command, limit: Duration) -> Result<std::process::Output> {
    let program = format!("{:?}", cmd.get_program());
    let out = run_bounded(cmd, limit)?;
    ensure!(
        out.status.success(),
        "{program} failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(out)
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// `len` bytes of a pattern that differs at every offset mod 251, so a
/// misplaced or missing range shows.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i % 251) as u8).wrapping_add(seed))
        .collect()
}

/// A container policy allowing anyone `actions` on everything in `container`.
pub fn public_read_policy(container: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["mediastore:GetObject", "mediastore:DescribeObject"],
            "Resource": format!("{}/*", Server::container_arn(container)),
        }]
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_line_gives_the_bound_address() {
        let out = "tributary listening on http://127.0.0.1:40123 (public endpoint http://127.0.0.1:40123, region us-east-1)\n";
        assert_eq!(
            ready_address(out),
            Some(SocketAddr::from(([127, 0, 0, 1], 40123)))
        );
        assert_eq!(ready_address("starting\n"), None);
    }

    #[test]
    fn raw_chunked_responses_are_decoded() -> Result<()> {
        let raw = b"HTTP/1.1 400 Bad Request\r\nx-amzn-errortype: InvalidRequestException\r\n\
                    transfer-encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n";
        let r = parse_raw_response(raw)?;
        assert_eq!(r.status, 400);
        assert_eq!(r.body, b"{\"a\":1}");
        assert_eq!(r.error().pair(), (400, "InvalidRequestException"));
        Ok(())
    }

    #[test]
    fn error_code_reads_header_then_type() {
        let mut h = http::HeaderMap::new();
        assert_eq!(
            error_code(&h, br#"{"__type":"com.amazon#ContainerNotFoundException"}"#).as_deref(),
            Some("ContainerNotFoundException")
        );
        h.insert(
            "x-amzn-errortype",
            http::HeaderValue::from_static("ObjectNotFoundException:http://x"),
        );
        assert_eq!(
            error_code(&h, b"").as_deref(),
            Some("ObjectNotFoundException")
        );
    }
}
