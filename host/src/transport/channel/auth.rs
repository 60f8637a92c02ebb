//! HTTP authentication of ingest pushes, sans-IO: Basic (RFC 7617), and
//! Digest (RFC 7616) answering a `WWW-Authenticate: Digest` challenge —
//! what MediaPackage asks of encoders. MD5 and SHA-256, with or without
//! `-sess`; `qop=auth` or none (RFC 2069 style).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::Md5;
use sha2::{Digest as _, Sha256};

/// `Basic base64(user:password)`.
pub fn basic(username: &str, password: &str) -> String {
    format!("Basic {}", BASE64.encode(format!("{username}:{password}")))
}

/// The hash a digest challenge names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `MD5` (the default).
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256`.
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    fn hash(self, data: &str) -> String {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => hex::encode(Md5::digest(data.as_bytes())),
            Algorithm::Sha256 | Algorithm::Sha256Sess => {
                hex::encode(Sha256::digest(data.as_bytes()))
            }
        }
    }

    fn session(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }
}

/// A digest challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `realm`.
    pub realm: String,
    /// `nonce`.
    pub nonce: String,
    /// `opaque`, echoed back.
    pub opaque: Option<String>,
    /// `qop` offered `auth`.
    pub qop_auth: bool,
    /// `algorithm`.
    pub algorithm: Algorithm,
    /// `stale=true`: the nonce expired, the credentials were right.
    pub stale: bool,
}

/// The first Digest challenge with an algorithm we speak among the
/// `WWW-Authenticate` header values; `None` when there is none.
pub fn digest_challenge<'a>(headers: impl IntoIterator<Item = &'a str>) -> Option<Challenge> {
    headers.into_iter().find_map(parse_challenge)
}

fn parse_challenge(header: &str) -> Option<Challenge> {
    let start = find_scheme(header, "digest")?;
    let params = params(header.get(start + "digest".len()..)?);
    let get = |k: &str| {
        params
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let algorithm = match get("algorithm")
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("MD5") => Algorithm::Md5,
        Some("MD5-SESS") => Algorithm::Md5Sess,
        Some("SHA-256") => Algorithm::Sha256,
        Some("SHA-256-SESS") => Algorithm::Sha256Sess,
        Some(_) => return None,
    };
    Some(Challenge {
        realm: get("realm")?,
        nonce: get("nonce")?,
        opaque: get("opaque"),
        qop_auth: get("qop")
            .is_some_and(|q| q.split(',').any(|o| o.trim().eq_ignore_ascii_case("auth"))),
        algorithm,
        stale: get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
    })
}

/// Where the auth-scheme `scheme` starts as a token in `header`.
fn find_scheme(header: &str, scheme: &str) -> Option<usize> {
    let lower = header.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower.get(from..).and_then(|s| s.find(scheme)) {
        let at = from + i;
        let before = lower.get(..at).unwrap_or("").trim_end();
        let after = lower.as_bytes().get(at + scheme.len()).copied();
        if (before.is_empty() || before.ends_with(',')) && after.is_none_or(|b| b == b' ') {
            return Some(at);
        }
        from = at + scheme.len();
    }
    None
}

/// `name=value` and `name="quoted \" value"` pairs, comma separated; stops
/// at the next scheme (a token not followed by `=`).
fn params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' || c.is_whitespace() {
                break;
            }
            name.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if name.is_empty() || chars.next() != Some('=') {
            return out;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' || c.is_whitespace() {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.push((name, value));
    }
}

/// The `Authorization` value answering `challenge` for `method uri`, as the
/// `nc`-th use of its nonce, with client nonce `cnonce`.
pub fn digest(
    challenge: &Challenge,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
    nc: u32,
    cnonce: &str,
) -> String {
    let alg = challenge.algorithm;
    let Challenge {
        realm,
        nonce,
        opaque,
        ..
    } = challenge;
    let mut ha1 = alg.hash(&format!("{username}:{realm}:{password}"));
    if alg.session() {
        ha1 = alg.hash(&format!("{ha1}:{nonce}:{cnonce}"));
    }
    let ha2 = alg.hash(&format!("{method}:{uri}"));
    let nc = format!("{nc:08x}");
    let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut header = format!(
        "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", algorithm={}",
        quote(username),
        quote(realm),
        quote(nonce),
        quote(uri),
        alg.name()
    );
    let response = if challenge.qop_auth {
        header.push_str(&format!(
            ", qop=auth, nc={nc}, cnonce=\"{}\"",
            quote(cnonce)
        ));
        alg.hash(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"))
    } else {
        alg.hash(&format!("{ha1}:{nonce}:{ha2}"))
    };
    header.push_str(&format!(", response=\"{response}\""));
    if let Some(opaque) = opaque {
        header.push_str(&format!(", opaque=\"{}\"", quote(opaque)));
    }
    header
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn basic_is_base64_of_user_colon_password() {
        // RFC 7617 §2's example.
        assert_eq!(
            basic("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn the_rfc_7616_md5_example_gives_its_response() {
        // RFC 7616 §3.9.1.
        let header = r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
        let c = digest_challenge([header]).unwrap();
        assert!(c.qop_auth && !c.stale);
        assert_eq!(c.algorithm, Algorithm::Md5);
        let value = digest(
            &c,
            "Mufasa",
            "Circle of Life",
            "GET",
            "/dir/index.html",
            1,
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        );
        assert!(
            value.contains(r#"response="8ca523f5e9506fed4657c9700eebdbec""#),
            "{value}"
        );
        assert!(value.contains("nc=00000001"), "{value}");
        assert!(value.contains(r#"opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#));
    }

    #[test]
    fn the_rfc_7616_sha256_example_gives_its_response() {
        let header = r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
        let c = digest_challenge([header]).unwrap();
        let value = digest(
            &c,
            "Mufasa",
            "Circle of Life",
            "GET",
            "/dir/index.html",
            1,
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        );
        assert!(
            value.contains(
                r#"response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1""#
            ),
            "{value}"
        );
    }

    #[test]
    fn a_digest_challenge_is_found_beside_basic_and_odd_ones_are_refused() {
        let c = digest_challenge([
            r#"Basic realm="x""#,
            r#"Basic realm="y", Digest nonce="n", realm="r", stale=TRUE"#,
        ])
        .unwrap();
        assert_eq!((c.realm.as_str(), c.nonce.as_str()), ("r", "n"));
        assert!(c.stale && !c.qop_auth);
        assert_eq!(digest_challenge([r#"Basic realm="digest""#]), None);
        assert_eq!(
            digest_challenge([r#"Digest realm="r", nonce="n", algorithm=SHA-512-256"#]),
            None
        );
        assert_eq!(digest_challenge([r#"Digest realm="r""#]), None, "no nonce");
        assert_eq!(digest_challenge(["Digest"]), None);
        assert_eq!(digest_challenge(["Digest \"\\"]), None);
    }
}
