//! Who may PUT into an ingest endpoint: HTTP Digest (RFC 7616: MD5 and
//! SHA-256, with or without `-sess`, `qop=auth` or none) as MediaPackage
//! asks encoders for, and Basic (RFC 7617), against the endpoint's
//! username and password.
//!
//! Nonces are stateless: `<issued ms>-<HMAC-SHA256(password, issued ms,
//! channel, ingest)>`, so any instance can check any nonce without shared
//! state, a nonce is useless for another endpoint, and rotating the
//! password invalidates every outstanding nonce. A nonce is good for
//! [`NONCE_LIFETIME_MS`]; an otherwise correct answer to an older one gets
//! a fresh challenge with `stale=true`, so clients retry without asking the
//! user again. Nonce counts are not tracked (that would need state per
//! nonce): a captured request can be replayed within the nonce's lifetime,
//! as with Basic; use TLS where that matters.
//!
//! ```
//! use tributary_packager::ingest::auth::{Credentials, Verdict, challenge, check};
//! let creds = Credentials { username: "u", password: "p", scope: "live/a" };
//! assert_eq!(check(None, "PUT", "/in/v1/live/a/x.ts", &creds, 0), Verdict::Missing);
//! assert!(challenge(&creds, 0, false)[0].starts_with("Digest realm=\"MediaPackage\""));
//! ```

use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::Md5;
use sha2::{Digest, Sha256};

/// The realm in every challenge.
pub const REALM: &str = "MediaPackage";

/// How long a nonce may be answered (5 minutes).
pub const NONCE_LIFETIME_MS: i64 = 5 * 60 * 1000;

/// How far in the future a nonce's issue time may lie (clock skew between
/// instances).
const NONCE_SKEW_MS: i64 = 60 * 1000;

/// The credentials an ingest endpoint accepts.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    /// `IngestEndpoint.Username`.
    pub username: &'a str,
    /// `IngestEndpoint.Password`.
    pub password: &'a str,
    /// What nonces are bound to (`<channel>/<ingest>`).
    pub scope: &'a str,
}

/// What an `Authorization` header is worth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The credentials match.
    Granted,
    /// No `Authorization` header (or a scheme we do not speak).
    Missing,
    /// Wrong user name, password, realm, URI, or a forged or malformed nonce.
    Denied,
    /// A correct Digest answer to an expired nonce: challenge with `stale=true`.
    Stale,
}

/// The `WWW-Authenticate` values of a 401, most preferred first: Digest
/// with SHA-256, then with MD5. (ffmpeg takes the last Digest challenge it
/// reads and speaks only MD5; RFC 7616 clients take the first they support.)
pub fn challenge(creds: &Credentials<'_>, now_ms: i64, stale: bool) -> Vec<String> {
    let nonce = nonce(creds, now_ms);
    let stale = if stale { ", stale=true" } else { "" };
    ["SHA-256", "MD5"]
        .iter()
        .map(|alg| {
            format!(
                "Digest realm=\"{REALM}\", qop=\"auth\", algorithm={alg}, nonce=\"{nonce}\"{stale}"
            )
        })
        .collect()
}

/// Checks the `Authorization` header of a `method` request for
/// `request_uri` (path and query as sent) at `now_ms`.
pub fn check(
    authorization: Option<&str>,
    method: &str,
    request_uri: &str,
    creds: &Credentials<'_>,
    now_ms: i64,
) -> Verdict {
    let Some(header) = authorization.map(str::trim) else {
        return Verdict::Missing;
    };
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        basic(rest.trim(), creds)
    } else if scheme.eq_ignore_ascii_case("digest") {
        digest(rest, method, request_uri, creds, now_ms)
    } else {
        Verdict::Missing
    }
}

fn basic(token: &str, creds: &Credentials<'_>) -> Verdict {
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(token) else {
        return Verdict::Denied;
    };
    let Ok(pair) = String::from_utf8(decoded) else {
        return Verdict::Denied;
    };
    match pair.split_once(':') {
        Some((user, pass))
            if constant_eq(user.as_bytes(), creds.username.as_bytes())
                & constant_eq(pass.as_bytes(), creds.password.as_bytes()) =>
        {
            Verdict::Granted
        }
        _ => Verdict::Denied,
    }
}

fn digest(
    params: &str,
    method: &str,
    request_uri: &str,
    creds: &Credentials<'_>,
    now_ms: i64,
) -> Verdict {
    let Some(p) = parse_params(params) else {
        return Verdict::Denied;
    };
    let get = |name: &str| {
        p.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let (Some(username), Some(realm), Some(nonce), Some(uri), Some(response)) = (
        get("username"),
        get("realm"),
        get("nonce"),
        get("uri"),
        get("response"),
    ) else {
        return Verdict::Denied;
    };
    if username != creds.username || realm != REALM || !uri_matches(uri, request_uri) {
        return Verdict::Denied;
    }
    let algorithm = get("algorithm").unwrap_or("MD5");
    let (hash, sess): (fn(&str) -> String, bool) = match algorithm.to_ascii_uppercase().as_str() {
        "MD5" => (md5_hex, false),
        "MD5-SESS" => (md5_hex, true),
        "SHA-256" => (sha256_hex, false),
        "SHA-256-SESS" => (sha256_hex, true),
        _ => return Verdict::Denied,
    };
    let qop = get("qop");
    let (nc, cnonce) = (get("nc").unwrap_or(""), get("cnonce").unwrap_or(""));
    if (sess || qop.is_some()) && cnonce.is_empty() {
        return Verdict::Denied;
    }
    let mut ha1 = hash(&format!("{username}:{REALM}:{}", creds.password));
    if sess {
        ha1 = hash(&format!("{ha1}:{nonce}:{cnonce}"));
    }
    let ha2 = hash(&format!("{method}:{uri}"));
    let expected = match qop {
        None => hash(&format!("{ha1}:{nonce}:{ha2}")),
        Some(q) if q.eq_ignore_ascii_case("auth") => {
            hash(&format!("{ha1}:{nonce}:{nc}:{cnonce}:{q}:{ha2}"))
        }
        // auth-int would need the body before we may read it.
        Some(_) => return Verdict::Denied,
    };
    if !constant_eq(
        expected.as_bytes(),
        response.to_ascii_lowercase().as_bytes(),
    ) {
        return Verdict::Denied;
    }
    match nonce_age(nonce, creds, now_ms) {
        Some(age) if age <= NONCE_LIFETIME_MS => Verdict::Granted,
        Some(_) => Verdict::Stale,
        None => Verdict::Denied,
    }
}

/// The digest `uri` names the request: the same path and query, or an
/// absolute URI whose path and query are those.
fn uri_matches(digest_uri: &str, request_uri: &str) -> bool {
    if digest_uri == request_uri {
        return true;
    }
    digest_uri
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .is_some_and(|path| path == request_uri)
}

fn nonce(creds: &Credentials<'_>, issued_ms: i64) -> String {
    format!("{issued_ms}-{}", nonce_mac(creds, issued_ms))
}

fn nonce_mac(creds: &Credentials<'_>, issued_ms: i64) -> String {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(creds.password.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("{issued_ms}\n{}", creds.scope).as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// How old a nonce we issued is; `None` when we did not issue it (forged,
/// another endpoint's, an earlier password's) or it lies in the future.
fn nonce_age(nonce: &str, creds: &Credentials<'_>, now_ms: i64) -> Option<i64> {
    let (issued, mac) = nonce.split_once('-')?;
    if issued.is_empty() || !issued.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let issued: i64 = issued.parse().ok()?;
    if !constant_eq(mac.as_bytes(), nonce_mac(creds, issued).as_bytes()) {
        return None;
    }
    let age = now_ms.checked_sub(issued)?;
    (age >= -NONCE_SKEW_MS).then_some(age)
}

/// `k=v, k="quoted \" v", …` as (name, value) pairs; `None` when malformed.
fn parse_params(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(out);
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            name.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') || name.is_empty() {
            return None;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => value.push(chars.next()?),
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

fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Equality whose time does not depend on where the inputs differ.
fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    const CREDS: Credentials<'static> = Credentials {
        username: "enc",
        password: "s3cret",
        scope: "live/ing1",
    };
    const URI: &str = "/in/v1/live/ing1/channel_0_1.ts";
    const NOW: i64 = 1_800_000_000_000;

    fn nonce_of(challenge: &str) -> String {
        let start = challenge.find("nonce=\"").unwrap() + 7;
        let rest = &challenge[start..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    /// What a client computes (RFC 7616 §3.4.1), independent of `digest`.
    fn answer(alg: &str, password: &str, nonce: &str, uri: &str) -> String {
        let h = |s: String| match alg {
            "MD5" => md5_hex(&s),
            _ => sha256_hex(&s),
        };
        let ha1 = h(format!("enc:MediaPackage:{password}"));
        let ha2 = h(format!("PUT:{uri}"));
        let response = h(format!("{ha1}:{nonce}:00000001:abcdef:auth:{ha2}"));
        format!(
            "Digest username=\"enc\", realm=\"MediaPackage\", nonce=\"{nonce}\", uri=\"{uri}\", \
             algorithm={alg}, qop=auth, nc=00000001, cnonce=\"abcdef\", response=\"{response}\""
        )
    }

    #[test]
    fn md5_digest_matches_the_rfc_2617_example() {
        // RFC 2617 §3.5, for the MD5 hash itself.
        let ha1 = md5_hex("Mufasa:testrealm@host.com:Circle Of Life");
        let ha2 = md5_hex("GET:/dir/index.html");
        let r = md5_hex(&format!(
            "{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:{ha2}"
        ));
        assert_eq!(r, "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn digest_answers_to_our_challenge_are_granted_with_md5_and_sha256() {
        let ch = challenge(&CREDS, NOW, false);
        assert!(ch[0].contains("algorithm=SHA-256"));
        assert!(ch[1].contains("algorithm=MD5"));
        let n = nonce_of(&ch[1]);
        for alg in ["MD5", "SHA-256"] {
            let h = answer(alg, "s3cret", &n, URI);
            assert_eq!(
                check(Some(&h), "PUT", URI, &CREDS, NOW + 1000),
                Verdict::Granted
            );
        }
    }

    #[test]
    fn ffmpeg_style_header_without_algorithm_is_md5() {
        let n = nonce_of(&challenge(&CREDS, NOW, false)[1]);
        let h = answer("MD5", "s3cret", &n, URI).replace("algorithm=MD5, ", "");
        assert_eq!(check(Some(&h), "PUT", URI, &CREDS, NOW), Verdict::Granted);
    }

    #[test]
    fn wrong_password_uri_method_or_foreign_nonce_is_denied() {
        let n = nonce_of(&challenge(&CREDS, NOW, false)[0]);
        let wrong = answer("MD5", "guess", &n, URI);
        assert_eq!(
            check(Some(&wrong), "PUT", URI, &CREDS, NOW),
            Verdict::Denied
        );
        let other_uri = answer("MD5", "s3cret", &n, "/in/v1/live/ing1/other.ts");
        assert_eq!(
            check(Some(&other_uri), "PUT", URI, &CREDS, NOW),
            Verdict::Denied
        );
        let right = answer("MD5", "s3cret", &n, URI);
        assert_eq!(
            check(Some(&right), "POST", URI, &CREDS, NOW),
            Verdict::Denied
        );
        // A nonce issued for the other ingest endpoint of the channel.
        let other = Credentials {
            scope: "live/ing2",
            ..CREDS
        };
        let foreign = nonce_of(&challenge(&other, NOW, false)[0]);
        let h = answer("MD5", "s3cret", &foreign, URI);
        assert_eq!(check(Some(&h), "PUT", URI, &CREDS, NOW), Verdict::Denied);
        // A made-up nonce.
        let h = answer("MD5", "s3cret", &format!("{NOW}-00"), URI);
        assert_eq!(check(Some(&h), "PUT", URI, &CREDS, NOW), Verdict::Denied);
    }

    #[test]
    fn expired_nonce_with_right_answer_is_stale_and_the_challenge_says_so() {
        let n = nonce_of(&challenge(&CREDS, NOW, false)[0]);
        let h = answer("SHA-256", "s3cret", &n, URI);
        let later = NOW + NONCE_LIFETIME_MS + 1;
        assert_eq!(check(Some(&h), "PUT", URI, &CREDS, later), Verdict::Stale);
        assert!(challenge(&CREDS, later, true)[0].ends_with("stale=true"));
        // Wrong password on an expired nonce is plainly denied.
        let h = answer("SHA-256", "nope", &n, URI);
        assert_eq!(check(Some(&h), "PUT", URI, &CREDS, later), Verdict::Denied);
    }

    #[test]
    fn basic_is_checked_and_other_schemes_count_as_missing() {
        let ok = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("enc:s3cret")
        );
        assert_eq!(check(Some(&ok), "PUT", URI, &CREDS, NOW), Verdict::Granted);
        let bad = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("enc:x")
        );
        assert_eq!(check(Some(&bad), "PUT", URI, &CREDS, NOW), Verdict::Denied);
        assert_eq!(
            check(Some("Basic !!!"), "PUT", URI, &CREDS, NOW),
            Verdict::Denied
        );
        assert_eq!(
            check(Some("Bearer x"), "PUT", URI, &CREDS, NOW),
            Verdict::Missing
        );
        assert_eq!(check(None, "PUT", URI, &CREDS, NOW), Verdict::Missing);
    }

    #[test]
    fn malformed_digest_headers_are_denied_without_panicking() {
        for h in [
            "Digest",
            "Digest username",
            "Digest username=\"enc",
            "Digest =x",
            "Digest username=enc, realm=MediaPackage",
            "Digest username=\"enc\", realm=\"MediaPackage\", nonce=\"x-y\", uri=\"/\", response=\"0\"",
        ] {
            assert_eq!(
                check(Some(h), "PUT", URI, &CREDS, NOW),
                Verdict::Denied,
                "{h}"
            );
        }
    }

    #[test]
    fn absolute_digest_uri_names_the_same_path() {
        assert!(uri_matches("http://127.0.0.1:8080/in/v1/a", "/in/v1/a"));
        assert!(!uri_matches("http://127.0.0.1:8080/in/v1/b", "/in/v1/a"));
        assert!(!uri_matches("http://host", "/in/v1/a"));
    }
}
