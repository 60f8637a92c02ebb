//! Reading what a request claims: the Authorization header or the presigned
//! query parameters, before anything is checked against a secret.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::{ALGORITHM, Credential, Error, Location, Request, Result};

/// A parsed claim to a signature: who, where, over which headers, and the
/// signature bytes. Presigned claims also carry their date and lifetime.
#[derive(Debug)]
pub(crate) struct Claim {
    pub credential: Credential,
    /// Lower-case header names in the order SignedHeaders lists them.
    pub signed_headers: Vec<String>,
    pub signature: [u8; 32],
    pub form: Form,
}

/// Where the signature was found, with what only that form carries.
#[derive(Debug)]
pub(crate) enum Form {
    Header,
    Query {
        /// `X-Amz-Date`, still unparsed (`None` if absent).
        date: Option<String>,
        /// `X-Amz-Expires`, seconds, within 1..=604800.
        expires: u32,
    },
}

impl Form {
    pub fn location(&self) -> Location {
        match self {
            Form::Header => Location::Header,
            Form::Query { .. } => Location::Query,
        }
    }
}

/// Longest presigned lifetime AWS accepts: seven days.
const MAX_EXPIRES: u32 = 604_800;

/// The query parameters that make a request a presigned one. The presence of
/// any of them (not only `X-Amz-Credential`) counts, so a half-built presigned
/// URL is refused as malformed rather than served as anonymous.
const PRESIGN_PARAMS: [&str; 3] = ["X-Amz-Credential", "X-Amz-Algorithm", "X-Amz-Signature"];

/// The claim a request makes, `None` when it makes none (anonymous).
pub(crate) fn claim(req: &Request<'_>) -> Result<Option<Claim>> {
    let mut auth = req
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"));
    let header = auth.next();
    if auth.next().is_some() {
        return Err(malformed("more than one Authorization header"));
    }
    let params = query_params(req.query);
    let presigned = params
        .iter()
        .any(|p| PRESIGN_PARAMS.iter().any(|k| p.key == k.as_bytes()));
    match (header, presigned) {
        (None, false) => Ok(None),
        (Some(_), true) => Err(malformed(
            "both an Authorization header and presigned query parameters; use one",
        )),
        (Some((_, value)), false) => header_claim(value).map(Some),
        (None, true) => query_claim(&params).map(Some),
    }
}

/// `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`
fn header_claim(value: &str) -> Result<Claim> {
    let value = value.trim();
    let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        return Err(Error::UnsupportedAlgorithm(algorithm.to_owned()));
    }
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        let Some((key, val)) = part.split_once('=') else {
            return Err(malformed(&format!(
                "Authorization component {part:?} is not key=value"
            )));
        };
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            other => {
                return Err(malformed(&format!(
                    "unknown Authorization component {other:?}"
                )));
            }
        };
        if slot.replace(val).is_some() {
            return Err(malformed(&format!("Authorization repeats {key}")));
        }
    }
    Ok(Claim {
        credential: parse_credential(need(credential, "Credential")?)?,
        signed_headers: parse_signed_headers(need(signed, "SignedHeaders")?)?,
        signature: parse_signature(need(signature, "Signature")?)?,
        form: Form::Header,
    })
}

fn need<'a>(v: Option<&'a str>, what: &str) -> Result<&'a str> {
    v.ok_or_else(|| malformed(&format!("Authorization header requires a {what} component")))
}

/// `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
/// `X-Amz-SignedHeaders`, `X-Amz-Signature`.
fn query_claim(params: &[QueryParam]) -> Result<Claim> {
    let get = |name: &str| -> Result<Option<String>> {
        let mut found = params.iter().filter(|p| p.key == name.as_bytes());
        let first = found.next();
        if found.next().is_some() {
            return Err(malformed(&format!("query parameter {name} is repeated")));
        }
        first
            .map(|p| {
                String::from_utf8(p.value.clone())
                    .map_err(|_| malformed(&format!("query parameter {name} is not UTF-8")))
            })
            .transpose()
    };
    let need =
        |name: &str| get(name)?.ok_or_else(|| malformed(&format!("presigned URL lacks {name}")));
    let algorithm = need("X-Amz-Algorithm")?;
    if algorithm != ALGORITHM {
        return Err(Error::UnsupportedAlgorithm(algorithm));
    }
    let credential = parse_credential(&need("X-Amz-Credential")?)?;
    let signed_headers = parse_signed_headers(&need("X-Amz-SignedHeaders")?)?;
    let signature = parse_signature(&need("X-Amz-Signature")?)?;
    let expires_raw = need("X-Amz-Expires")?;
    let expires = expires_raw
        .parse::<u32>()
        .ok()
        .filter(|e| {
            (1..=MAX_EXPIRES).contains(e) && expires_raw.bytes().all(|b| b.is_ascii_digit())
        })
        .ok_or_else(|| {
            malformed(&format!(
                "X-Amz-Expires {expires_raw:?} is not a number of seconds in 1..={MAX_EXPIRES}"
            ))
        })?;
    Ok(Claim {
        credential,
        signed_headers,
        signature,
        form: Form::Query {
            date: get("X-Amz-Date")?,
            expires,
        },
    })
}

/// `AKID/20261121/us-east-1/mediastore/aws4_request`
fn parse_credential(s: &str) -> Result<Credential> {
    let parts: Vec<&str> = s.split('/').collect();
    let [akid, date, region, service, terminator] = parts.as_slice() else {
        return Err(malformed(&format!(
            "credential {s:?} is not AKID/YYYYMMDD/region/service/aws4_request"
        )));
    };
    if *terminator != "aws4_request" {
        return Err(malformed(&format!(
            "credential scope must end in aws4_request, not {terminator:?}"
        )));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(&format!(
            "credential date {date:?} is not YYYYMMDD"
        )));
    }
    if akid.is_empty() || region.is_empty() || service.is_empty() {
        return Err(malformed(&format!("credential {s:?} has an empty part")));
    }
    Ok(Credential {
        access_key_id: (*akid).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
    })
}

/// `host;x-amz-date`: lower-case names, `;`-separated, none repeated.
fn parse_signed_headers(s: &str) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for name in s.split(';') {
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase() && b != b':');
        if !valid {
            return Err(malformed(&format!(
                "SignedHeaders {s:?}: {name:?} is not a lower-case header name"
            )));
        }
        if names.iter().any(|n| n == name) {
            return Err(malformed(&format!("SignedHeaders repeats {name:?}")));
        }
        names.push(name.to_owned());
    }
    Ok(names)
}

/// 64 hex digits.
fn parse_signature(s: &str) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out)
        .map_err(|_| malformed("Signature is not 64 hexadecimal digits"))?;
    Ok(out)
}

/// One `key=value` pair of the raw query, with both sides decoded.
#[derive(Debug)]
pub(crate) struct QueryParam {
    /// Decoded key bytes.
    pub key: Vec<u8>,
    /// Decoded value bytes.
    pub value: Vec<u8>,
}

/// Splits a raw query into decoded pairs the way `application/x-www-form-urlencoded`
/// does (`+` is a space), as the AWS SDKs' signers read it. Empty pieces
/// (`a=1&&b=2`) are skipped; a piece without `=` has an empty value.
pub(crate) fn query_params(query: &str) -> Vec<QueryParam> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            QueryParam {
                key: form_decode(k),
                value: form_decode(v),
            }
        })
        .collect()
}

fn form_decode(s: &str) -> Vec<u8> {
    let plus_as_space: Vec<u8> = s
        .bytes()
        .map(|b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_encoding::percent_decode(&plus_as_space).collect()
}

fn malformed(what: &str) -> Error {
    Error::Malformed(what.to_owned())
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn req<'a>(headers: &'a [(String, String)], query: &'a str) -> Request<'a> {
        Request {
            method: "GET",
            path: "/",
            query,
            headers,
            payload_sha256: None,
        }
    }

    fn auth(value: &str) -> Vec<(String, String)> {
        vec![("Authorization".into(), value.into())]
    }

    const SIG: &str = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";

    #[test]
    fn header_claim_reads_all_three_components() {
        let h = auth(&format!(
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature={SIG}"
        ));
        let c = claim(&req(&h, "")).unwrap().unwrap();
        assert_eq!(c.credential.access_key_id, "AKID");
        assert_eq!(c.credential.service, "iam");
        assert_eq!(c.signed_headers, ["content-type", "host", "x-amz-date"]);
        assert!(matches!(c.form, Form::Header));
    }

    #[test]
    fn no_authorization_and_no_presign_parameters_is_anonymous() {
        assert!(claim(&req(&[], "list-type=2&prefix=a")).unwrap().is_none());
    }

    #[test]
    fn other_algorithms_are_unsupported() {
        let h = auth("Basic dXNlcjpwYXNz");
        assert_eq!(
            claim(&req(&h, "")).unwrap_err(),
            Error::UnsupportedAlgorithm("Basic".into())
        );
        let h = auth("AWS AKID:c2ln");
        assert!(matches!(
            claim(&req(&h, "")),
            Err(Error::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn incomplete_authorization_headers_are_malformed() {
        for value in [
            "AWS4-HMAC-SHA256",
            "AWS4-HMAC-SHA256 ",
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request",
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, SignedHeaders=host",
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam, SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256 Credential=AKID/2015083/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, SignedHeaders=Host, Signature=00",
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, SignedHeaders=host;;a, Signature=00",
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=zz",
            "AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256 Credential=a, Credential=b",
            "AWS4-HMAC-SHA256 Foo=bar",
            "AWS4-HMAC-SHA256 Credential",
        ] {
            assert!(
                matches!(claim(&req(&auth(value), "")), Err(Error::Malformed(_))),
                "{value}"
            );
        }
    }

    #[test]
    fn two_authorization_headers_are_malformed() {
        let mut h = auth("AWS4-HMAC-SHA256 a=b");
        h.push(("authorization".into(), "x".into()));
        assert!(matches!(claim(&req(&h, "")), Err(Error::Malformed(_))));
    }

    #[test]
    fn presigned_query_claim_reads_expiry_and_date() {
        let q = format!(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature={SIG}"
        );
        let c = claim(&req(&[], &q)).unwrap().unwrap();
        assert_eq!(c.credential.region, "us-east-1");
        let Form::Query { date, expires } = c.form else {
            panic!("not presigned")
        };
        assert_eq!(date.as_deref(), Some("20150830T123600Z"));
        assert_eq!(expires, 60);
    }

    #[test]
    fn presigned_expiry_out_of_range_is_malformed() {
        for e in ["0", "604801", "-1", "+5", "ten", ""] {
            let q = format!(
                "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fs3%2Faws4_request\
                 &X-Amz-Date=20150830T123600Z&X-Amz-Expires={e}&X-Amz-SignedHeaders=host&X-Amz-Signature={SIG}"
            );
            assert!(
                matches!(claim(&req(&[], &q)), Err(Error::Malformed(_))),
                "{e}"
            );
        }
    }

    #[test]
    fn half_a_presigned_url_is_malformed_not_anonymous() {
        assert!(matches!(
            claim(&req(&[], &format!("X-Amz-Signature={SIG}"))),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn header_and_query_signatures_together_are_malformed() {
        let h = auth("AWS4-HMAC-SHA256 a=b");
        assert!(matches!(
            claim(&req(&h, "X-Amz-Credential=x")),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn query_decoding_treats_plus_as_space_and_survives_bad_escapes() {
        let p = query_params("a+b=%41%zz&&c&%FF=1");
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].key, b"a b");
        assert_eq!(p[0].value, b"A%zz");
        assert_eq!(p[1].key, b"c");
        assert_eq!(p[1].value, b"");
        assert_eq!(p[2].key, [0xFF]);
    }
}
