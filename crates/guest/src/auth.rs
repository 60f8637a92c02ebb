//! Who is calling, and may they: SigV4 authentication against the access
//! keys in key-value state, then container-policy authorization — both
//! decided by the policy plug, which this module only feeds.

use crate::http::Request;
use crate::policy::{self, Decision, Sigv4Error};
use crate::{config, state};

/// Key-value bucket of access keys: access key id → [`AccessKey`] JSON.
pub const CREDENTIALS_BUCKET: &str = "credentials";
/// SHA-256 of the empty body.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// Allowed distance between a header signature's time and ours (AWS: 15 min).
pub const MAX_SKEW_SECONDS: u32 = 15 * 60;

/// An access key as stored in [`CREDENTIALS_BUCKET`] (the host writes the root
/// key at start-up; `tributary access-key create` writes named users').
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AccessKey {
    /// The secret access key.
    pub secret: String,
    /// `arn:aws:iam::<account>:root` or `arn:aws:iam::<account>:user/<name>`.
    pub arn: String,
    /// The root key may do anything.
    #[serde(default)]
    pub root: bool,
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The deployment's root key: allowed everything.
    Root,
    /// A named user: allowed what container policies grant its ARN.
    User {
        /// Principal ARN.
        arn: String,
    },
    /// No signature: allowed only what policies grant `Principal: "*"`.
    Anonymous,
}

/// Why a request was refused. Components map these onto their service's
/// error codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// The operation needs a signature and there is none.
    MissingAuthentication,
    /// The access key id is unknown.
    UnknownAccessKey(String),
    /// The signature is malformed, mismatched or outside its time window;
    /// the string says which.
    BadSignature(String),
    /// A presigned URL past its expiry.
    Expired,
    /// Authenticated (or anonymous), but no policy allows it / one denies it.
    Denied(String),
    /// State could not be read.
    Internal(String),
}

/// The policy plug's view of `req`.
pub fn policy_request(req: &Request, payload_sha256: Option<String>) -> policy::Request {
    policy::Request {
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        headers: req.headers.clone(),
        payload_sha256,
    }
}

/// Authenticate `req` for `service` (the SigV4 scope's service name, e.g.
/// `mediastore`). Unsigned requests are [`Identity::Anonymous`]; the caller
/// decides whether that is enough. `payload_sha256` is the body's hash when
/// the caller read the body (JSON APIs), `None` to trust the
/// `x-amz-content-sha256` header (streamed bodies, where storage checks it);
/// with neither, the body is taken to be empty (GET, HEAD, DELETE).
pub fn authenticate(
    req: &Request,
    service: &str,
    payload_sha256: Option<String>,
) -> Result<Identity, AuthError> {
    // SDKs send no x-amz-content-sha256 for bodiless requests (GET, HEAD,
    // DELETE) and sign the hash of the empty body.
    // Nothing to sign with (no Authorization header, no query to carry a
    // presigned signature): anonymous, as the plug would answer, without
    // copying the request into it. Most player GETs look like this.
    if req.query.is_empty() && req.header("authorization").is_none() {
        return Ok(Identity::Anonymous);
    }
    let payload_sha256 = payload_sha256.or_else(|| match req.header("x-amz-content-sha256") {
        Some(_) => None,
        None => Some(EMPTY_SHA256.to_owned()),
    });
    let preq = policy_request(req, payload_sha256);
    let claimed = policy::claimed_credential(&preq).map_err(sigv4_error)?;
    let Some((cred, _location)) = claimed else {
        return Ok(Identity::Anonymous);
    };
    let region = config::region();
    if cred.region != region {
        return Err(AuthError::BadSignature(format!(
            "Credential should be scoped to a valid region; this endpoint serves {region}, not {}",
            cred.region
        )));
    }
    if cred.service != service {
        return Err(AuthError::BadSignature(format!(
            "Credential should be scoped to correct service: '{service}', not '{}'",
            cred.service
        )));
    }
    let bucket = state::open(CREDENTIALS_BUCKET).map_err(|e| AuthError::Internal(e.to_string()))?;
    let key: AccessKey = state::get(&bucket, &cred.access_key_id)
        .map_err(|e| AuthError::Internal(e.to_string()))?
        .ok_or_else(|| AuthError::UnknownAccessKey(cred.access_key_id.clone()))?;
    let now = i64::try_from(config::now_ms() / 1000).unwrap_or(i64::MAX);
    policy::verify(&preq, &key.secret, now, MAX_SKEW_SECONDS).map_err(sigv4_error)?;
    Ok(if key.root {
        Identity::Root
    } else {
        Identity::User { arn: key.arn }
    })
}

fn sigv4_error(e: Sigv4Error) -> AuthError {
    match e {
        Sigv4Error::Expired => AuthError::Expired,
        Sigv4Error::SignatureMismatch => AuthError::BadSignature(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method."
                .into(),
        ),
        Sigv4Error::RequestTimeTooSkewed => AuthError::BadSignature(
            "Signature expired: the request time is too far from the server's time".into(),
        ),
        Sigv4Error::MissingDate => {
            AuthError::BadSignature("Missing X-Amz-Date or Date header".into())
        }
        Sigv4Error::Malformed(m) => AuthError::BadSignature(format!("Malformed signature: {m}")),
        Sigv4Error::UnsupportedAlgorithm(a) => {
            AuthError::BadSignature(format!("Unsupported algorithm {a}"))
        }
        Sigv4Error::ScopeMismatch(m) => {
            AuthError::BadSignature(format!("Credential scope mismatch: {m}"))
        }
        Sigv4Error::UnsignedHeader(h) => {
            AuthError::BadSignature(format!("Header {h} must be signed"))
        }
    }
}

/// May `identity` perform `action` (`mediastore:GetObject`) on `resource`
/// (an ARN) under `policy_document` (the container policy, if any)?
pub fn authorize(
    identity: &Identity,
    policy_document: Option<&str>,
    action: &str,
    resource: &str,
    req: &Request,
) -> Result<(), AuthError> {
    let principal = match identity {
        Identity::Root => return Ok(()),
        Identity::User { arn } => Some(arn.clone()),
        Identity::Anonymous => None,
    };
    let denied = || AuthError::Denied(format!("Not authorized to perform {action} on {resource}"));
    let Some(document) = policy_document else {
        return Err(denied());
    };
    let mut keys = vec![("aws:SecureTransport".to_owned(), req.secure.to_string())];
    if let Some(ip) = req.client_ip() {
        keys.push(("aws:SourceIp".into(), ip));
    }
    for (header, key) in [("user-agent", "aws:UserAgent"), ("referer", "aws:Referer")] {
        if let Some(v) = req.header(header) {
            keys.push((key.into(), v.to_owned()));
        }
    }
    let account = principal.as_ref().map(|_| config::account_id());
    let ctx = policy::Context {
        principal,
        account,
        action: action.to_owned(),
        resource: resource.to_owned(),
        keys,
    };
    let allowed = decisions::remembered(document, &ctx).unwrap_or_else(|| {
        let allowed = match policy::evaluate(document, &ctx) {
            Ok(Decision::Allow) => true,
            Ok(Decision::Deny | Decision::NoMatch) => false,
            // A stored policy we cannot apply denies; it was validated when put.
            Err(_) => false,
        };
        decisions::remember(document, &ctx, allowed);
        allowed
    });
    if allowed { Ok(()) } else { Err(denied()) }
}

/// Decisions already taken by the policy plug. Evaluation is a pure function
/// of the policy document and the context, so an answer is reused only for
/// the same document (a changed policy is a new key) and the same principal,
/// action, resource and condition keys. It lives as long as the instance: one
/// request, or many where the host keeps a stateless component warm.
mod decisions {
    use crate::policy;
    use std::cell::RefCell;

    /// Entries kept; past it the oldest half goes.
    const KEPT: usize = 64;

    struct Entry {
        document: String,
        principal: Option<String>,
        account: Option<String>,
        action: String,
        resource: String,
        keys: Vec<(String, String)>,
        allowed: bool,
    }

    impl Entry {
        fn matches(&self, document: &str, ctx: &policy::Context) -> bool {
            self.document == document
                && self.principal == ctx.principal
                && self.account == ctx.account
                && self.action == ctx.action
                && self.resource == ctx.resource
                && self.keys == ctx.keys
        }
    }

    thread_local! {
        static DECISIONS: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
    }

    /// The decision taken before for exactly these inputs.
    pub fn remembered(document: &str, ctx: &policy::Context) -> Option<bool> {
        DECISIONS.with_borrow(|d| {
            d.iter()
                .rev()
                .find(|e| e.matches(document, ctx))
                .map(|e| e.allowed)
        })
    }

    /// Keep `allowed` for these inputs.
    pub fn remember(document: &str, ctx: &policy::Context, allowed: bool) {
        DECISIONS.with_borrow_mut(|d| {
            if d.len() >= KEPT {
                d.drain(..KEPT / 2);
            }
            d.push(Entry {
                document: document.to_owned(),
                principal: ctx.principal.clone(),
                account: ctx.account.clone(),
                action: ctx.action.clone(),
                resource: ctx.resource.clone(),
                keys: ctx.keys.clone(),
                allowed,
            });
        });
    }
}

/// Lower-case hex SHA-256 of `bytes` (payload hash for JSON requests).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
