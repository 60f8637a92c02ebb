//! Checks of server settings (flags and environment), run at start-up so a
//! bad setting fails boot with a message that says what to fix.

use anyhow::{Context, Result, bail};
use std::net::{IpAddr, SocketAddr, UdpSocket};
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

/// Parses `--transport-address` and checks that flow sources can bind on it.
pub fn check_transport_address(address: &str) -> Result<IpAddr> {
    let ip: IpAddr = address.trim().parse().with_context(|| {
        format!(
            "transport address {address:?} is not an IP address: set --transport-address / TRIBUTARY_TRANSPORT_ADDRESS"
        )
    })?;
    UdpSocket::bind(SocketAddr::new(ip, 0)).with_context(|| {
        format!(
            "cannot bind UDP on transport address {ip}: is it an address of this machine? set --transport-address / TRIBUTARY_TRANSPORT_ADDRESS"
        )
    })?;
    Ok(ip)
}

/// The address advertised as a source's `ingestIp`: `--ingest-ip` when set
/// (an IP address), else the transport address unless it is a wildcard,
/// else the public endpoint's host.
pub fn ingest_ip(flag: Option<&str>, transport: IpAddr, public_endpoint: &str) -> Result<String> {
    if let Some(ip) = flag {
        let ip: IpAddr = ip.trim().parse().with_context(|| {
            format!("ingest IP {ip:?} is not an IP address: set --ingest-ip / TRIBUTARY_INGEST_IP")
        })?;
        return Ok(ip.to_string());
    }
    if !transport.is_unspecified() {
        return Ok(transport.to_string());
    }
    let uri: http::Uri = public_endpoint
        .parse()
        .with_context(|| format!("public endpoint {public_endpoint:?} is not a URL"))?;
    let host = uri
        .host()
        .with_context(|| format!("public endpoint {public_endpoint:?} has no host"))?;
    Ok(host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned())
}

/// File in the data directory keeping the generated host id.
pub const HOST_ID_FILE: &str = "host-id";

/// This host's id in flow leases: `--host-id` when set, else the one kept in
/// the data directory, generated on first start.
pub fn host_id(flag: Option<&str>, data_dir: &Path) -> Result<String> {
    let check = |id: &str, what: &str| -> Result<String> {
        let id = id.trim();
        if id.is_empty()
            || id.len() > 128
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        {
            bail!(
                "host id {id:?} ({what}) must be 1–128 letters, digits, '-', '_', '.' or ':': set --host-id / TRIBUTARY_HOST_ID"
            );
        }
        Ok(id.to_owned())
    };
    if let Some(id) = flag {
        return check(id, "from --host-id");
    }
    let path = data_dir.join(HOST_ID_FILE);
    match std::fs::read_to_string(&path) {
        Ok(id) => check(&id, &path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let id = format!("host-{:016x}", rand::random::<u64>());
            std::fs::write(&path, format!("{id}\n"))
                .with_context(|| format!("cannot keep the host id in {}", path.display()))?;
            Ok(id)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
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

    #[test]
    fn transport_addresses_must_be_local_ips() {
        assert_eq!(
            check_transport_address("127.0.0.1").unwrap(),
            "127.0.0.1".parse::<IpAddr>().unwrap()
        );
        assert!(check_transport_address("0.0.0.0").is_ok());
        let e = check_transport_address("not-an-ip").unwrap_err();
        assert!(format!("{e:#}").contains("--transport-address"));
        // TEST-NET-3 is never an address of this machine.
        let e = check_transport_address("203.0.113.77").unwrap_err();
        assert!(format!("{e:#}").contains("cannot bind"), "{e:#}");
    }

    #[test]
    fn the_ingest_ip_falls_back_to_the_transport_address_then_the_public_host() {
        let any: IpAddr = "0.0.0.0".parse().unwrap();
        let lo2: IpAddr = "127.0.0.2".parse().unwrap();
        let public = "http://media.example:8080";
        assert_eq!(
            ingest_ip(Some("192.0.2.1"), lo2, public).unwrap(),
            "192.0.2.1"
        );
        assert!(ingest_ip(Some("media.example"), lo2, public).is_err());
        assert_eq!(ingest_ip(None, lo2, public).unwrap(), "127.0.0.2");
        assert_eq!(ingest_ip(None, any, public).unwrap(), "media.example");
        assert_eq!(ingest_ip(None, any, "http://[::1]:80").unwrap(), "::1");
    }

    #[test]
    fn a_generated_host_id_is_kept_in_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let first = host_id(None, dir.path()).unwrap();
        assert!(first.starts_with("host-"));
        assert_eq!(host_id(None, dir.path()).unwrap(), first);
        assert_eq!(host_id(Some("edge-1"), dir.path()).unwrap(), "edge-1");
        assert!(host_id(Some("bad id"), dir.path()).is_err());
        assert!(host_id(Some(""), dir.path()).is_err());
    }
}
