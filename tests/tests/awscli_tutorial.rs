//! The README's tutorial, as people will run it: the real aws CLI (v1)
//! against a fresh server, through `tests/tutorial.sh`, which checks each
//! step's exit code and output.

use anyhow::{Context, Result, bail};
use std::process::Command;
use std::time::Duration;
use tributary_tests::{
    ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY, Server, run_with_timeout, which, workspace_root,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_tutorial_runs_with_the_aws_cli() -> Result<()> {
    for tool in ["aws", "ffmpeg", "ffprobe"] {
        if which(tool).is_none() {
            bail!(
                "`{tool}` is not installed: run ./tests/run, which installs ffmpeg and the aws CLI"
            );
        }
    }
    let mut server = Server::start().await?;
    let mut cmd = Command::new("bash");
    cmd.arg(workspace_root().join("tests/tutorial.sh"));
    // Only what the tutorial tells people to set; no profile or config of
    // this machine may leak in.
    for var in [
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_DEFAULT_PROFILE",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("TRIBUTARY_ENDPOINT", server.base_url())
        .env("AWS_ACCESS_KEY_ID", ROOT_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", ROOT_SECRET_ACCESS_KEY)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    let output =
        tokio::task::spawn_blocking(move || run_with_timeout(cmd, Duration::from_secs(150)))
            .await?
            .context("tests/tutorial.sh")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("tutorial: all steps passed"),
        "tutorial output:\n{stdout}"
    );
    assert!(
        stdout.contains(&format!("{}/store/live", server.base_url())),
        "the endpoint was printed:\n{stdout}"
    );
    server.assert_healthy().await
}
