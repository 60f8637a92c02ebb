//! The bytes every server serves: a 2 KiB and a 1 MiB object in a
//! public-read container, the 2 KiB one again in a private container, and
//! presigned URLs for the private reads and the uploads.
//!
//! On disk (for nginx and the native handler) the files sit at the same
//! paths Tributary serves them from, `<root>/store/<container>/<path>`, so
//! one path (and query) is requested from all three.

use anyhow::{Context, Result};
use aws_sdk_mediastore::config as ms;
use std::path::Path;
use std::time::{Duration, SystemTime};
use tributary_tests::{Keys, data_client, pattern, presign, public_read_policy};

/// A container whose policy lets anyone read.
pub const PUBLIC: &str = "benchpublic";
/// A container without a policy: only signed (or presigned) requests.
pub const PRIVATE: &str = "benchprivate";
/// The small object's path in both containers.
pub const SMALL: &str = "bench/small.bin";
/// The large object's path in the public container.
pub const LARGE: &str = "bench/large.bin";
/// Folder of the uploaded objects in the private container.
pub const UPLOADS: &str = "bench/uploads";
/// Size of the small object and of each upload.
pub const SMALL_LEN: usize = 2 * 1024;
/// Size of the large object.
pub const LARGE_LEN: usize = 1024 * 1024;
/// Presigned URLs stay valid this long (SigV4's maximum), so wrk needs no
/// signing during the runs.
pub const PRESIGN_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// The object bytes.
#[derive(Debug, Clone)]
pub struct Objects {
    /// 2 KiB.
    pub small: Vec<u8>,
    /// 1 MiB.
    pub large: Vec<u8>,
}

impl Objects {
    /// Deterministic, non-repeating-at-a-glance bytes.
    pub fn new() -> Self {
        Self {
            small: pattern(SMALL_LEN, 7),
            large: pattern(LARGE_LEN, 11),
        }
    }
}

impl Default for Objects {
    fn default() -> Self {
        Self::new()
    }
}

/// `/store/<container>/<path>`.
pub fn object_path(container: &str, path: &str) -> String {
    format!("/store/{container}/{path}")
}

/// Write the objects under `root` for the file servers, and make the upload
/// folder.
pub fn write_files(root: &Path, objects: &Objects) -> Result<()> {
    let put = |container: &str, path: &str, bytes: &[u8]| -> Result<()> {
        let file = root.join(object_path(container, path).trim_start_matches('/'));
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&file, bytes).with_context(|| format!("write {}", file.display()))
    };
    put(PUBLIC, SMALL, &objects.small)?;
    put(PUBLIC, LARGE, &objects.large)?;
    put(PRIVATE, SMALL, &objects.small)?;
    std::fs::create_dir_all(root.join(object_path(PRIVATE, UPLOADS).trim_start_matches('/')))?;
    Ok(())
}

/// The HTTP client the SDK clients use (rustls with ring, as the tests').
pub fn sdk_http_client() -> aws_sdk_mediastore::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

fn control_client(base_url: &str, keys: &Keys) -> aws_sdk_mediastore::Client {
    let http = sdk_http_client();
    let conf = ms::Builder::new()
        .behavior_version(ms::BehaviorVersion::latest())
        .region(ms::Region::new(tributary_tests::REGION))
        .credentials_provider(keys.credentials())
        .endpoint_url(base_url)
        .http_client(http)
        .build();
    aws_sdk_mediastore::Client::from_conf(conf)
}

/// The tutorial's steps through the AWS SDK: both containers, the
/// public-read policy, the objects.
pub async fn load_into_tributary(base_url: &str, keys: &Keys, objects: &Objects) -> Result<()> {
    let control = control_client(base_url, keys);
    for name in [PUBLIC, PRIVATE] {
        control
            .create_container()
            .container_name(name)
            .send()
            .await
            .with_context(|| format!("CreateContainer {name}"))?;
    }
    control
        .put_container_policy()
        .container_name(PUBLIC)
        .policy(public_read_policy(PUBLIC))
        .send()
        .await
        .context("PutContainerPolicy")?;
    let put = |container: &'static str, path: &'static str, bytes: Vec<u8>| {
        let data = data_client(&format!("{base_url}/store/{container}"), keys);
        async move {
            data.put_object()
                .path(path)
                .content_type("application/octet-stream")
                .body(bytes.into())
                .send()
                .await
                .with_context(|| format!("PutObject {container}/{path}"))
        }
    };
    put(PUBLIC, SMALL, objects.small.clone()).await?;
    put(PUBLIC, LARGE, objects.large.clone()).await?;
    put(PRIVATE, SMALL, objects.small.clone()).await?;
    Ok(())
}

/// Path and query of a presigned `method` of `path` on the server at
/// `base_url` (the signature covers its `host`).
pub fn presigned(base_url: &str, keys: &Keys, method: &str, path: &str) -> Result<String> {
    let url = presign(
        keys,
        method,
        &format!("{base_url}{path}"),
        PRESIGN_FOR,
        SystemTime::now(),
    )?;
    Ok(url
        .strip_prefix(base_url)
        .context("presigned URL on another host")?
        .to_owned())
}

/// `count` presigned PUTs of distinct objects under [`UPLOADS`].
pub fn upload_urls(base_url: &str, keys: &Keys, count: usize) -> Result<Vec<String>> {
    (0..count)
        .map(|i| {
            presigned(
                base_url,
                keys,
                "PUT",
                &object_path(PRIVATE, &format!("{UPLOADS}/object-{i:05}.bin")),
            )
        })
        .collect()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn files_sit_where_tributary_serves_them() {
        let dir = tempfile::tempdir().unwrap();
        let objects = Objects::new();
        write_files(dir.path(), &objects).unwrap();
        let small = std::fs::read(dir.path().join("store/benchpublic/bench/small.bin")).unwrap();
        assert_eq!(small, objects.small);
        assert_eq!(small.len(), 2048);
        let large = std::fs::read(dir.path().join("store/benchpublic/bench/large.bin")).unwrap();
        assert_eq!(large.len(), 1 << 20);
        assert!(dir.path().join("store/benchprivate/bench/uploads").is_dir());
    }

    #[test]
    fn presigned_paths_carry_a_week_long_signature_for_this_host() {
        let keys = Keys::new("AKIDEXAMPLE", "secret");
        let p = presigned(
            "http://127.0.0.1:9",
            &keys,
            "GET",
            "/store/benchprivate/bench/small.bin",
        )
        .unwrap();
        assert!(p.starts_with("/store/benchprivate/bench/small.bin?"), "{p}");
        assert!(p.contains("X-Amz-Expires=604800"), "{p}");
        assert!(p.contains("X-Amz-Signature="), "{p}");
        let puts = upload_urls("http://127.0.0.1:9", &keys, 3).unwrap();
        assert_eq!(puts.len(), 3);
        assert!(puts[2].starts_with("/store/benchprivate/bench/uploads/object-00002.bin?"));
    }
}
