//! Bad configuration stops start-up with a message naming what to fix, and
//! a good start-up generates root credentials once and keeps them.

use anyhow::Result;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tributary_tests::{binary_path, workspace_root};

/// Run `tributary serve` with `args`, which must make it exit with an error
/// (within 30 s; a server that starts anyway is killed and the test fails).
/// Returns its stderr.
fn serve_fails(args: &[&str]) -> Result<String> {
    let data = tempfile::tempdir()?;
    let mut command = Command::new(binary_path()?);
    command.arg("serve").arg("--data-dir").arg(data.path());
    if !args.contains(&"--listen") {
        command.args(["--listen", "127.0.0.1:0"]);
    }
    if !args.contains(&"--manifest") {
        command
            .arg("--manifest")
            .arg(workspace_root().join("spin.toml"));
    }
    let mut child = command
        .args(args)
        .env_remove("TRIBUTARY_ROOT_ACCESS_KEY_ID")
        .env_remove("TRIBUTARY_ROOT_SECRET_ACCESS_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            child.kill()?;
            child.wait()?;
            anyhow::bail!("serve {args:?} started instead of refusing the configuration");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut stderr)?;
    }
    assert!(!status.success(), "serve {args:?} should fail");
    Ok(stderr)
}

#[test]
fn a_malformed_region_fails_start_up_naming_the_flag() -> Result<()> {
    let err = serve_fails(&["--region", "Mars"])?;
    assert!(err.contains("--region"), "{err}");
    Ok(())
}

#[test]
fn an_account_id_that_is_not_twelve_digits_fails_start_up() -> Result<()> {
    let err = serve_fails(&["--account-id", "1234"])?;
    assert!(err.contains("12 digits"), "{err}");
    Ok(())
}

#[test]
fn a_public_endpoint_with_a_path_fails_start_up() -> Result<()> {
    let err = serve_fails(&["--public-endpoint", "http://cdn.example/store"])?;
    assert!(err.contains("must not have a path"), "{err}");
    Ok(())
}

#[test]
fn an_unparseable_listen_address_fails_start_up() -> Result<()> {
    let err = serve_fails(&["--listen", "localhost"])?;
    assert!(err.contains("--listen"), "{err}");
    Ok(())
}

#[test]
fn a_manifest_naming_a_missing_component_file_fails_start_up() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let manifest = dir.path().join("spin.toml");
    std::fs::write(
        &manifest,
        "spin_manifest_version = 2\n[application]\nname = \"x\"\n[[trigger.http]]\nroute = \"/...\"\n\
         component = \"gone\"\n[component.gone]\nsource = \"gone.wasm\"\n",
    )?;
    let err = serve_fails(&["--manifest", manifest.to_str().unwrap_or_default()])?;
    assert!(err.contains("gone.wasm"), "{err}");
    Ok(())
}

#[test]
fn a_route_to_an_undefined_component_fails_start_up() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let manifest = dir.path().join("spin.toml");
    std::fs::write(
        &manifest,
        "spin_manifest_version = 2\n[application]\nname = \"x\"\n[[trigger.http]]\nroute = \"/...\"\n\
         component = \"nobody\"\n",
    )?;
    let err = serve_fails(&["--manifest", manifest.to_str().unwrap_or_default()])?;
    assert!(err.contains("nobody"), "{err}");
    Ok(())
}

#[test]
fn serve_build_runs_each_build_command_in_the_manifest_directory() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let wasm = tributary_tests::wasm_path("tributary_test_misbehave.wasm")?;
    std::fs::write(
        dir.path().join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"x\"\n[[trigger.http]]\nroute = \"/...\"\n\
             component = \"m\"\n[component.m]\nsource = {:?}\n[component.m.build]\ncommand = \"touch built.marker\"\n",
            wasm.display().to_string()
        ),
    )?;
    let data = dir.path().join("data");
    // A relative manifest path, as in the README's `serve --build`.
    let mut child = Command::new(binary_path()?)
        .current_dir(dir.path())
        .args([
            "serve",
            "--build",
            "--listen",
            "127.0.0.1:0",
            "--manifest",
            "spin.toml",
            "--data-dir",
        ])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line)?;
    }
    child.kill()?;
    child.wait()?;
    assert!(
        line.contains("listening"),
        "the server did not start after building: {line:?}"
    );
    assert!(
        dir.path().join("built.marker").exists(),
        "the build command did not run in the manifest directory"
    );
    Ok(())
}
