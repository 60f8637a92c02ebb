//! Checks of server settings (flags and environment), run at start-up so a
//! bad setting fails boot with a message that says what to fix.

use anyhow::{Context, Result, bail};
use std::net::SocketAddr;
use std::path::Path;

/// Accepts `us-east-1`-style region names.
pub fn check_region(region: &str) -> Result<()> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if !ok {
        bail!(
            "region {region:?} is not a region name like us-east-1: set --region / TRIBUTARY_REGION"
        );
    }
    Ok(())
}

/// Accepts a 12-digit account id.
pub fn check_account_id(id: &str) -> Result<()> {
    if id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()) {
        bail!(
            "account id {id:?} must be exactly 12 digits: set --account-id / TRIBUTARY_ACCOUNT_ID"
        );
    }
    Ok(())
}

/// Accepts `http(s)://host[:port]` with no path, query or trailing junk.
pub fn check_public_endpoint(url: &str) -> Result<String> {
    let uri: http::Uri = url
        .parse()
        .with_context(|| format!("public endpoint {url:?} is not a URL: set --public-endpoint / TRIBUTARY_PUBLIC_ENDPOINT"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => bail!("public endpoint {url:?} must start with http:// or https://"),
    }
    if uri.authority().is_none() {
        bail!("public endpoint {url:?} has no host");
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        bail!(
            "public endpoint {url:?} must not have a path or query (routes are fixed: /store/<container>, …)"
        );
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// The public endpoint to use when none is configured: the listen address,
/// with a wildcard bind replaced by loopback.
pub fn default_public_endpoint(listen: SocketAddr) -> String {
    let host = match listen.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    format!("http://{host}:{}", listen.port())
}

/// Ensure the data directory exists and is writable.
pub fn prepare_data_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create data directory {}: set --data-dir / TRIBUTARY_DATA_DIR",
            dir.display()
        )
    })?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok")
        .with_context(|| format!("data directory {} is not writable", dir.display()))?;
    std::fs::remove_file(&probe).ok();
    Ok(())
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn regions_look_like_aws_regions() {
        assert!(check_region("us-east-1").is_ok());
        assert!(check_region("eu-central-2").is_ok());
        assert!(check_region("us-gov-west-1").is_ok());
        assert!(check_region("useast1").is_err());
        assert!(check_region("US-EAST-1").is_err());
    }

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(check_account_id("123456789012").is_ok());
        assert!(check_account_id("12345").is_err());
        assert!(check_account_id("12345678901a").is_err());
    }

    #[test]
    fn public_endpoints_are_bare_base_urls() {
        assert_eq!(
            check_public_endpoint("http://media.example:8080/").unwrap(),
            "http://media.example:8080"
        );
        assert!(check_public_endpoint("ftp://x").is_err());
        assert!(check_public_endpoint("http://x/store").is_err());
        assert!(check_public_endpoint("not a url").is_err());
    }

    #[test]
    fn wildcard_binds_advertise_loopback() {
        let a: SocketAddr = "0.0.0.0:9000".parse().unwrap();
        assert_eq!(default_public_endpoint(a), "http://127.0.0.1:9000");
    }
}
