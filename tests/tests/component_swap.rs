//! Components are swapped through the manifest alone: pointing the policy
//! dependency at another build changes behaviour with the same binary and
//! the same data.

use anyhow::{Result, ensure};
use aws_sdk_mediastoredata::primitives::ByteStream;
use tributary_tests::{
    ANONYMOUS_DENIED, Server, TempManifest, absolute_manifest, http_client, public_read_policy,
    response_error, wasm_path,
};

/// The normal manifest (absolute paths) and the same with the policy plug
/// replaced by `tests/components/policy-deny-all`.
fn manifests() -> Result<(TempManifest, TempManifest)> {
    let normal = absolute_manifest()?;
    let deny_all = wasm_path("tributary_test_policy_deny_all.wasm")?;
    let policy = wasm_path("tributary_policy.wasm")?;
    let swapped: String = normal
        .lines()
        .map(|line| {
            if line.contains("tributary:policy/authorize") {
                line.replace(
                    &policy.display().to_string(),
                    &deny_all.display().to_string(),
                )
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let changed = normal
        .lines()
        .zip(swapped.lines())
        .filter(|(a, b)| a != b)
        .count();
    ensure!(
        changed >= 1,
        "spin.toml names no policy dependency at {}",
        policy.display()
    );
    ensure!(
        normal
            .lines()
            .zip(swapped.lines())
            .all(|(a, b)| a == b || a.contains("tributary:policy/authorize")),
        "the swap must touch only policy dependency lines"
    );
    Ok((TempManifest::write(normal)?, TempManifest::write(swapped)?))
}

#[tokio::test]
async fn swapping_the_policy_component_in_the_manifest_changes_authorization() -> Result<()> {
    let (normal, deny_all) = manifests()?;
    let mut server = Server::start_with(normal.options()).await?;
    server
        .control()
        .create_container()
        .container_name("live")
        .send()
        .await?;
    server
        .control()
        .put_container_policy()
        .container_name("live")
        .policy(public_read_policy("live"))
        .send()
        .await?;
    server
        .data("live")
        .put_object()
        .path("index.m3u8")
        .body(ByteStream::from_static(b"#EXTM3U\n"))
        .send()
        .await?;

    let http = http_client()?;
    let url = server.object_url("live", "index.m3u8");
    let resp = http.get(&url).send().await?;
    assert_eq!(
        resp.status().as_u16(),
        200,
        "public read with the normal policy component"
    );
    assert_eq!(resp.bytes().await?.as_ref(), b"#EXTM3U\n");

    // Same binary, same data directory, one manifest line changed.
    server.restart_with(deny_all.options()).await?;
    let resp = http.get(&url).send().await?;
    assert_eq!(
        response_error(resp).await?.pair(),
        (403, ANONYMOUS_DENIED),
        "public read with the deny-all policy component"
    );
    server.assert_healthy().await?;

    // And back: the data never changed, only the manifest.
    server.restart_with(normal.options()).await?;
    let resp = http.get(&url).send().await?;
    assert_eq!(
        resp.status().as_u16(),
        200,
        "public read after swapping back"
    );
    server.assert_healthy().await
}
