//! Who may play an endpoint: `Origination` and the `Whitelist` of CIDR
//! blocks, checked against the client address the host passes in the
//! `spin-client-addr` request header (`ip:port`, `[v6]:port`).

use std::net::{IpAddr, SocketAddr};

use tributary_mediapackage::wire::{OriginEndpoint, Origination};

/// Why a request is refused (403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `Origination: DENY`.
    Denied,
    /// The client is outside every whitelisted block (or its address is unknown).
    NotWhitelisted,
}

impl Refusal {
    /// The text body of the 403.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Denied => "origination is denied on this endpoint",
            Refusal::NotWhitelisted => "the client address is not in the endpoint's whitelist",
        }
    }
}

/// Checks `endpoint`'s origination and whitelist for a client at
/// `client_addr` (the raw `spin-client-addr` value, if any). An empty
/// whitelist admits everyone; a non-empty one admits nobody whose address is
/// unknown (fail closed), and an entry that is not a CIDR block admits nobody.
pub fn check(endpoint: &OriginEndpoint, client_addr: Option<&str>) -> Result<(), Refusal> {
    if endpoint.origination == Origination::Deny {
        return Err(Refusal::Denied);
    }
    if endpoint.whitelist.is_empty() {
        return Ok(());
    }
    let Some(ip) = client_addr.and_then(client_ip) else {
        return Err(Refusal::NotWhitelisted);
    };
    let admitted = endpoint
        .whitelist
        .iter()
        .filter_map(|c| Cidr::parse(c))
        .any(|c| c.contains(ip));
    if admitted {
        Ok(())
    } else {
        Err(Refusal::NotWhitelisted)
    }
}

/// The address in a `spin-client-addr` value: `1.2.3.4:5678`,
/// `[::1]:5678`, or a bare address.
pub fn client_ip(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    value
        .parse::<SocketAddr>()
        .map(|s| s.ip())
        .or_else(|_| value.parse::<IpAddr>())
        .ok()
}

/// An IPv4 or IPv6 block (`10.0.0.0/8`, `2001:db8::/32`); a bare address is
/// a block of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `addr/prefix` or `addr`; `None` for anything else (a prefix
    /// longer than the address, a host name, garbage).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|&p| p <= max)?
            }
            Some(_) => return None,
        };
        Some(Self { net, prefix })
    }

    /// Whether `ip` is inside the block. An IPv4-mapped IPv6 client
    /// (`::ffff:10.1.2.3`, what a dual-stack socket reports) is compared as
    /// the IPv4 address it carries.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(origination: Origination, whitelist: &[&str]) -> OriginEndpoint {
        OriginEndpoint {
            origination,
            whitelist: whitelist.iter().map(|s| s.to_string()).collect(),
            ..OriginEndpoint::default()
        }
    }

    #[test]
    fn deny_refuses_everyone_even_whitelisted_clients() {
        let e = endpoint(Origination::Deny, &["0.0.0.0/0"]);
        assert_eq!(check(&e, Some("127.0.0.1:5000")), Err(Refusal::Denied));
        assert_eq!(check(&e, None), Err(Refusal::Denied));
    }

    #[test]
    fn an_empty_whitelist_admits_everyone() {
        let e = endpoint(Origination::Allow, &[]);
        assert_eq!(check(&e, Some("203.0.113.9:1")), Ok(()));
        assert_eq!(check(&e, None), Ok(()));
    }

    #[test]
    fn ipv4_clients_are_matched_against_their_blocks() {
        let e = endpoint(Origination::Allow, &["10.0.0.0/8", "192.0.2.7"]);
        assert_eq!(check(&e, Some("10.200.3.4:40000")), Ok(()));
        assert_eq!(check(&e, Some("192.0.2.7:1")), Ok(()));
        assert_eq!(check(&e, Some("192.0.2.8:1")), Err(Refusal::NotWhitelisted));
        assert_eq!(check(&e, Some("11.0.0.1:1")), Err(Refusal::NotWhitelisted));
    }

    #[test]
    fn ipv6_clients_are_matched_and_mapped_ipv4_counts_as_ipv4() {
        let e = endpoint(Origination::Allow, &["2001:db8::/32", "127.0.0.0/8"]);
        assert_eq!(check(&e, Some("[2001:db8:1::5]:443")), Ok(()));
        assert_eq!(
            check(&e, Some("[2001:db9::1]:443")),
            Err(Refusal::NotWhitelisted)
        );
        assert_eq!(check(&e, Some("[::ffff:127.0.0.2]:8080")), Ok(()));
        assert_eq!(check(&e, Some("[::1]:8080")), Err(Refusal::NotWhitelisted));
    }

    #[test]
    fn an_unknown_or_unreadable_client_address_is_refused_by_a_whitelist() {
        let e = endpoint(Origination::Allow, &["0.0.0.0/0"]);
        assert_eq!(check(&e, None), Err(Refusal::NotWhitelisted));
        assert_eq!(
            check(&e, Some("not-an-address")),
            Err(Refusal::NotWhitelisted)
        );
        assert_eq!(check(&e, Some("1.2.3.4")), Ok(()));
    }

    #[test]
    fn malformed_blocks_admit_nobody_and_edges_are_exact() {
        for bad in [
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "host/8",
            "::/129",
            "",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
        let e = endpoint(Origination::Allow, &["10.0.0.0/33"]);
        assert_eq!(check(&e, Some("10.0.0.1:1")), Err(Refusal::NotWhitelisted));
        let all = Cidr::parse("0.0.0.0/0")
            .map(|c| c.contains("8.8.8.8".parse().unwrap_or(IpAddr::V4(0.into()))));
        assert_eq!(all, Some(true));
        let slash31 = Cidr::parse("192.0.2.0/31");
        let inside = |ip: &str| slash31.is_some_and(|c| ip.parse().is_ok_and(|ip| c.contains(ip)));
        assert!(inside("192.0.2.1") && !inside("192.0.2.2"));
        let v4_block_v6_client = Cidr::parse("0.0.0.0/0");
        assert_eq!(
            v4_block_v6_client.map(|c| "2001:db8::1".parse().is_ok_and(|ip| c.contains(ip))),
            Some(false)
        );
    }
}
