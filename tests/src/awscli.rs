//! The aws CLI (v1) as people run it against Tributary: `--endpoint-url`
//! the server, its root keys, and nothing of this machine's AWS profile or
//! configuration. Commands are blocking; each is bounded by a timeout.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let server = tributary_tests::Server::start().await?;
//! let aws = tributary_tests::awscli::AwsCli::new(&server)?;
//! let flows = aws.json(&["mediaconnect", "list-flows"])?;
//! let refusal = aws.error(&["mediaconnect", "describe-flow", "--flow-arn", "arn:aws:mediaconnect:us-east-1:000000000000:flow:1-x:f"])?;
//! assert_eq!(refusal.code, "NotFoundException");
//! # Ok(()) }
//! ```

use std::process::{Command, Output};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use serde_json::Value;

use crate::{Keys, REGION, Server, which};

/// How long one CLI command may take (Python start-up included).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// The exit status of a command the service refused.
pub const SERVICE_ERROR_EXIT: i32 = 255;

/// The aws CLI pointed at one server.
#[derive(Debug, Clone)]
pub struct AwsCli {
    endpoint: String,
    keys: Keys,
}

/// A refusal as the CLI reports it: `An error occurred (<code>) when calling
/// the <operation> operation: <message>`.
#[derive(Debug, Clone)]
pub struct CliError {
    /// The service's error code (`NotFoundException`).
    pub code: String,
    /// The operation (`DescribeFlow`).
    pub operation: String,
    /// The service's message.
    pub message: String,
    /// All of stderr.
    pub stderr: String,
}

impl AwsCli {
    /// The CLI with `server`'s root keys; an error when `aws` is not installed.
    pub fn new(server: &Server) -> Result<Self> {
        Self::with_keys(&server.base_url(), &Keys::root())
    }

    /// The CLI against `endpoint` with `keys`.
    pub fn with_keys(endpoint: &str, keys: &Keys) -> Result<Self> {
        ensure!(
            which("aws").is_some(),
            "`aws` is not installed: run ./tests/run, which installs the aws CLI"
        );
        Ok(Self {
            endpoint: endpoint.to_owned(),
            keys: keys.clone(),
        })
    }

    /// `aws --endpoint-url <server> --output json <args…>` with a clean
    /// environment: only the keys and region the tutorials tell people to set.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("aws");
        cmd.args(["--endpoint-url", &self.endpoint, "--output", "json"])
            .args(args);
        for var in [
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_ENDPOINT_URL",
            "AWS_DEFAULT_PROFILE",
            "AWS_DEFAULT_OUTPUT",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("AWS_ACCESS_KEY_ID", &self.keys.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &self.keys.secret_access_key)
            .env("AWS_DEFAULT_REGION", REGION)
            .env("AWS_PAGER", "")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost");
        cmd
    }

    /// Run `args` to completion, whatever its exit status.
    pub fn run(&self, args: &[&str]) -> Result<Output> {
        crate::run_bounded(self.command(args), COMMAND_TIMEOUT)
            .with_context(|| format!("aws {}", args.join(" ")))
    }

    /// Run `args`, which must succeed; its JSON output (`Null` when it
    /// printed nothing, as commands without output do).
    pub fn json(&self, args: &[&str]) -> Result<Value> {
        let out = self.run(args)?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        ensure!(
            out.status.success(),
            "aws {} failed ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        if stdout.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&stdout)
            .with_context(|| format!("aws {} printed no JSON: {stdout}", args.join(" ")))
    }

    /// Run `args`, which the service must refuse (exit 255); the refusal.
    pub fn error(&self, args: &[&str]) -> Result<CliError> {
        let out = self.run(args)?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        ensure!(
            out.status.code() == Some(SERVICE_ERROR_EXIT),
            "aws {} exited with {} instead of {SERVICE_ERROR_EXIT}\n--- stdout ---\n{}\n--- stderr ---\n{stderr}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout)
        );
        parse_error(&stderr)
    }
}

/// The parts of the CLI's `An error occurred (…) when calling the … operation: …`.
pub fn parse_error(stderr: &str) -> Result<CliError> {
    let line = stderr
        .lines()
        .find(|l| l.contains("An error occurred ("))
        .with_context(|| format!("no service error in stderr: {stderr}"))?;
    let rest = &line[line.find("An error occurred (").unwrap_or(0) + "An error occurred (".len()..];
    let (code, rest) = rest
        .split_once(") when calling the ")
        .context("no operation")?;
    let (operation, message) = rest.split_once(" operation").context("no operation")?;
    let message = message.trim_start_matches(':').trim();
    Ok(CliError {
        code: code.to_owned(),
        operation: operation.to_owned(),
        message: message.to_owned(),
        stderr: stderr.to_owned(),
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn service_errors_are_split_into_code_operation_and_message() {
        let e = parse_error(
            "\nAn error occurred (NotFoundException) when calling the DescribeFlow operation: Flow not found: arn:aws:x\n",
        )
        .unwrap();
        assert_eq!(e.code, "NotFoundException");
        assert_eq!(e.operation, "DescribeFlow");
        assert_eq!(e.message, "Flow not found: arn:aws:x");
        assert!(parse_error("Unable to locate credentials").is_err());
    }
}
