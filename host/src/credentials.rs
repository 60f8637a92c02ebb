//! Access keys: the root key (configured, or generated once and kept in the
//! data directory) and named users' keys, all stored in the key-value
//! `credentials` bucket where the components look them up.

use crate::storage::KvBackend;
use anyhow::{Context, Result, bail};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The bucket components read (`tributary_guest::auth::CREDENTIALS_BUCKET`).
pub const BUCKET: &str = "credentials";
const ROOT_FILE: &str = "root-credentials.json";

/// An access key as stored (same JSON the guest reads).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredKey {
    /// Secret access key.
    pub secret: String,
    /// Principal ARN.
    pub arn: String,
    /// Root may do anything.
    #[serde(default)]
    pub root: bool,
}

/// A key pair.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyPair {
    /// Access key id.
    #[serde(rename = "AccessKeyId")]
    pub access_key_id: String,
    /// Secret access key.
    #[serde(rename = "SecretAccessKey")]
    pub secret_access_key: String,
}

/// A new random key pair, in AWS's shapes (20-char id, 40-char secret).
pub fn generate() -> KeyPair {
    const ID: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::rng();
    let id: String = (0..16)
        .map(|_| ID[rng.random_range(0..ID.len())] as char)
        .collect();
    let secret: String = (0..40)
        .map(|_| SECRET[rng.random_range(0..SECRET.len())] as char)
        .collect();
    KeyPair {
        access_key_id: format!("TRIB{id}"),
        secret_access_key: secret,
    }
}

/// The root key pair: from configuration if given, else the one persisted in
/// `data_dir`, else a new one persisted there (`true` = newly generated).
pub fn root_key(data_dir: &Path, configured: Option<(String, String)>) -> Result<(KeyPair, bool)> {
    if let Some((id, secret)) = configured {
        if id.is_empty() || secret.is_empty() {
            bail!(
                "root credentials must both be non-empty (TRIBUTARY_ROOT_ACCESS_KEY_ID / TRIBUTARY_ROOT_SECRET_ACCESS_KEY)"
            );
        }
        return Ok((
            KeyPair {
                access_key_id: id,
                secret_access_key: secret,
            },
            false,
        ));
    }
    let path = data_dir.join(ROOT_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let pair = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is damaged: delete it to generate new root credentials",
                path.display()
            )
        })?;
        return Ok((pair, false));
    }
    let pair = generate();
    write_private(&path, &serde_json::to_string_pretty(&pair)?)?;
    Ok((pair, true))
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
    };
    #[cfg(not(unix))]
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    let mut file = file.with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// Record `pair` as the root key, and revoke any other root key left from an
/// earlier configuration: only the configured root key may do anything.
pub async fn install_root(kv: &dyn KvBackend, pair: &KeyPair, account: &str) -> Result<()> {
    let mut cursor: Option<String> = None;
    loop {
        let (keys, next) = kv.list_keys(BUCKET, cursor.as_deref(), 1000).await?;
        for id in keys.iter().filter(|id| **id != pair.access_key_id) {
            let Some(value) = kv.get(BUCKET, id).await? else {
                continue;
            };
            if serde_json::from_slice::<StoredKey>(&value).is_ok_and(|k| k.root) {
                kv.delete(BUCKET, id).await?;
                tracing::info!(access_key_id = %id, "revoked a root key that is no longer configured");
            }
        }
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let stored = StoredKey {
        secret: pair.secret_access_key.clone(),
        arn: format!("arn:aws:iam::{account}:root"),
        root: true,
    };
    kv.set(BUCKET, &pair.access_key_id, serde_json::to_vec(&stored)?)
        .await
        .context("cannot store the root key")?;
    Ok(())
}

/// Create a key for user `name` (principal `arn:aws:iam::<account>:user/<name>`).
pub async fn create_user_key(
    kv: &dyn KvBackend,
    name: &str,
    account: &str,
) -> Result<(KeyPair, String)> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    {
        bail!("user name {name:?} must be 1-64 characters of letters, digits and +=,.@_-");
    }
    let pair = generate();
    let arn = format!("arn:aws:iam::{account}:user/{name}");
    let stored = StoredKey {
        secret: pair.secret_access_key.clone(),
        arn: arn.clone(),
        root: false,
    };
    kv.set(BUCKET, &pair.access_key_id, serde_json::to_vec(&stored)?)
        .await?;
    Ok((pair, arn))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_aws_shapes() {
        let k = generate();
        assert_eq!(k.access_key_id.len(), 20);
        assert_eq!(k.secret_access_key.len(), 40);
        assert_ne!(generate().access_key_id, k.access_key_id);
    }

    #[tokio::test]
    async fn installing_a_new_root_key_revokes_the_old_one_but_keeps_users() {
        let kv = crate::storage::MemoryKvBackend::new();
        let old = generate();
        install_root(&kv, &old, "000000000000").await.unwrap();
        let (user, _) = create_user_key(&kv, "encoder", "000000000000")
            .await
            .unwrap();
        let new = generate();
        install_root(&kv, &new, "000000000000").await.unwrap();
        assert!(kv.get(BUCKET, &old.access_key_id).await.unwrap().is_none());
        assert!(kv.get(BUCKET, &new.access_key_id).await.unwrap().is_some());
        assert!(kv.get(BUCKET, &user.access_key_id).await.unwrap().is_some());
    }

    #[test]
    fn root_key_is_generated_once_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (first, new) = root_key(dir.path(), None).unwrap();
        assert!(new);
        let (again, new) = root_key(dir.path(), None).unwrap();
        assert!(!new);
        assert_eq!(first.access_key_id, again.access_key_id);
    }
}
