//! A source's `whitelistCidr`: which senders may contribute.

use std::net::IpAddr;

use ipnet::IpNet;

/// The senders a source accepts: everyone (no `whitelistCidr`), or one CIDR
/// block. IPv4 senders seen as IPv4-mapped IPv6 addresses (a dual-stack
/// socket) are matched as IPv4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowlist(Option<IpNet>);

impl Allowlist {
    /// Accepts every sender.
    pub fn any() -> Self {
        Self(None)
    }

    /// Parses `10.0.0.0/8`-style CIDR blocks; a bare address means that one
    /// host. The error says what is wrong, for the flow's `messages`.
    pub fn parse(cidr: &str) -> Result<Self, String> {
        let cidr = cidr.trim();
        if let Ok(net) = cidr.parse::<IpNet>() {
            // 10.0.0.1/8 means 10.0.0.0/8, as AWS reads it.
            return Ok(Self(Some(net.trunc())));
        }
        match cidr.parse::<IpAddr>() {
            Ok(ip) => Ok(Self(Some(IpNet::from(ip)))),
            Err(_) => Err(format!(
                "whitelistCidr {cidr:?} is not a CIDR block like 10.24.34.0/23"
            )),
        }
    }

    /// Whether `sender` may contribute.
    pub fn allows(&self, sender: IpAddr) -> bool {
        let Some(net) = &self.0 else { return true };
        let sender = match sender {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(sender, IpAddr::V4),
            v4 => v4,
        };
        net.contains(&sender)
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn no_whitelist_accepts_every_sender() {
        let any = Allowlist::any();
        assert!(any.allows(ip("203.0.113.9")));
        assert!(any.allows(ip("::1")));
    }

    #[test]
    fn a_block_accepts_its_members_only() {
        let list = Allowlist::parse("127.0.0.1/32").unwrap();
        assert!(list.allows(ip("127.0.0.1")));
        assert!(!list.allows(ip("127.0.0.2")));
        let wide = Allowlist::parse("10.24.34.0/23").unwrap();
        assert!(wide.allows(ip("10.24.35.255")));
        assert!(!wide.allows(ip("10.24.36.0")));
        assert!(!wide.allows(ip("::1")), "families never match");
    }

    #[test]
    fn host_bits_are_ignored_and_bare_addresses_are_one_host() {
        let list = Allowlist::parse("10.0.0.7/8").unwrap();
        assert!(list.allows(ip("10.200.0.1")));
        let one = Allowlist::parse("192.0.2.4").unwrap();
        assert!(one.allows(ip("192.0.2.4")));
        assert!(!one.allows(ip("192.0.2.5")));
    }

    #[test]
    fn mapped_ipv4_senders_match_ipv4_blocks() {
        let list = Allowlist::parse("127.0.0.0/24").unwrap();
        assert!(list.allows(ip("::ffff:127.0.0.3")));
        assert!(!list.allows(ip("::ffff:127.0.1.3")));
    }

    #[test]
    fn garbage_is_refused_with_the_field_name() {
        for bad in ["", "10.0.0.0/33", "ten", "10.0.0.0/", "/8"] {
            let e = Allowlist::parse(bad).unwrap_err();
            assert!(e.contains("whitelistCidr"), "{bad}: {e}");
        }
    }
}
