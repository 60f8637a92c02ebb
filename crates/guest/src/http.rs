//! Reading a `wasi:http` request and writing a response.
//!
//! Bodies that come from the blob store are spliced into the response by the
//! host (`output-stream.blocking-splice`), so object bytes never enter guest
//! memory; small bodies (JSON) are written directly.

use wasip2::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse,
    ResponseOutparam, Scheme,
};
use wasip2::io::streams::{InputStream, StreamError};

/// The parts of an incoming request a handler looks at, read once.
pub struct Request {
    /// Upper-case method (`GET`).
    pub method: String,
    /// Path as received, still percent-encoded (`/store/live/seg%201.ts`).
    pub path: String,
    /// Query as received without `?` (empty if none).
    pub query: String,
    /// Headers with lower-cased names, values as (lossy) UTF-8, in order.
    pub headers: Vec<(String, String)>,
    /// `true` when the request came over TLS.
    pub secure: bool,
    incoming: IncomingRequest,
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Larger than the limit given.
    TooLarge,
    /// The connection failed while reading.
    Interrupted,
}

impl Request {
    /// Read method, target and headers of `incoming`.
    pub fn new(incoming: IncomingRequest) -> Self {
        let method = match incoming.method() {
            Method::Get => "GET".to_owned(),
            Method::Head => "HEAD".to_owned(),
            Method::Post => "POST".to_owned(),
            Method::Put => "PUT".to_owned(),
            Method::Delete => "DELETE".to_owned(),
            Method::Connect => "CONNECT".to_owned(),
            Method::Options => "OPTIONS".to_owned(),
            Method::Trace => "TRACE".to_owned(),
            Method::Patch => "PATCH".to_owned(),
            Method::Other(m) => m.to_ascii_uppercase(),
        };
        let target = incoming.path_with_query().unwrap_or_else(|| "/".into());
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_owned(), q.to_owned()),
            None => (target, String::new()),
        };
        let mut headers: Vec<(String, String)> = incoming
            .headers()
            .entries()
            .into_iter()
            .map(|(k, v)| {
                (
                    k.to_ascii_lowercase(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect();
        // wasi:http hands `Host` over as the authority, not as a header; SigV4
        // signs it, so put it back.
        if !headers.iter().any(|(k, _)| k == "host")
            && let Some(authority) = incoming.authority()
        {
            headers.push(("host".to_owned(), authority));
        }
        let secure = matches!(incoming.scheme(), Some(Scheme::Https));
        Self {
            method,
            path,
            query,
            headers,
            secure,
            incoming,
        }
    }

    /// First value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The client's address as the host saw it (`spin-client-addr`, which the
    /// host sets and strips from client input), without the port.
    pub fn client_ip(&self) -> Option<String> {
        let addr = self.header("spin-client-addr")?;
        let ip = match addr.rsplit_once(':') {
            Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
            _ => addr,
        };
        Some(ip.trim_start_matches('[').trim_end_matches(']').to_owned())
    }

    /// Query parameters, percent-decoded (`+` is a space), in order.
    pub fn query_params(&self) -> Vec<(String, String)> {
        self.query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode_component(k), decode_component(v))
            })
            .collect()
    }

    /// First query parameter named `name`, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Read the whole body into memory, failing past `limit` bytes. For small
    /// bodies (JSON documents) only; object bodies use [`Request::body_stream`].
    pub fn read_body(&self, limit: usize) -> Result<Vec<u8>, BodyError> {
        let Ok(body) = self.incoming.consume() else {
            return Ok(Vec::new());
        };
        let Ok(stream) = body.stream() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => {
                    out.extend_from_slice(&chunk);
                    if out.len() > limit {
                        return Err(BodyError::TooLarge);
                    }
                }
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(_)) => return Err(BodyError::Interrupted),
            }
        }
        drop(stream);
        let _trailers = IncomingBody::finish(body);
        Ok(out)
    }

    /// The body as a stream to hand to the blob store. Keep the returned
    /// [`IncomingBody`] alive until the stream is consumed.
    pub fn body_stream(&self) -> Option<(IncomingBody, InputStream)> {
        let body = self.incoming.consume().ok()?;
        let stream = body.stream().ok()?;
        Some((body, stream))
    }
}

/// Percent-decode one query or path component (`+` stays `+` in paths; use
/// this for query components, where `+` means a space).
pub fn decode_component(s: &str) -> String {
    let s = s.replace('+', " ");
    percent_encoding::percent_decode_str(&s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Percent-decode a path segment (`+` is literal).
pub fn decode_path(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// What a response carries.
pub enum Body {
    /// No body.
    Empty,
    /// Bytes held by the guest (small documents).
    Bytes(Vec<u8>),
    /// A host stream (blob read) spliced host-side; `length` sets
    /// `Content-Length` when known, else the response is chunked.
    Stream {
        /// The stream to splice.
        stream: InputStream,
        /// Bytes it will yield, when known.
        length: Option<u64>,
    },
    /// Several host streams sent one after another, each spliced host-side
    /// (one HLS segment stored as several blobs); `length` is their total.
    Streams {
        /// The streams, in order.
        streams: Vec<InputStream>,
        /// Bytes they will yield together, when known.
        length: Option<u64>,
    },
}

/// A response to send.
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

impl Response {
    /// A response with no body.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    /// A JSON response (`Content-Type` given by the caller's protocol).
    pub fn json(status: u16, content_type: &str, value: &serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: Body::Bytes(value.to_string().into_bytes()),
        }
    }

    /// A streamed body from the blob store.
    pub fn stream(status: u16, stream: InputStream, length: Option<u64>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Stream { stream, length },
        }
    }

    /// Add a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Add headers.
    pub fn with_headers(mut self, headers: impl IntoIterator<Item = (String, String)>) -> Self {
        self.headers.extend(headers);
        self
    }

    /// Send this response through `out`, then write the body. For `HEAD`
    /// (`head_only`), headers such as `Content-Length` are kept but no body
    /// is written.
    pub fn send(self, out: ResponseOutparam, head_only: bool) {
        let mut headers: Vec<(String, Vec<u8>)> = self
            .headers
            .into_iter()
            .map(|(k, v)| (k, v.into_bytes()))
            .collect();
        let length = match &self.body {
            Body::Empty => Some(0),
            Body::Bytes(b) => Some(b.len() as u64),
            Body::Stream { length, .. } | Body::Streams { length, .. } => *length,
        };
        let has_length = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-length"));
        // 204 and 304 carry no body and must not claim a length of 0.
        let bodiless_status = matches!(self.status, 204 | 304);
        if let (Some(len), false, false, false) = (length, has_length, head_only, bodiless_status) {
            headers.push(("content-length".into(), len.to_string().into_bytes()));
        }
        let fields = Fields::from_list(&headers).unwrap_or_else(|_| Fields::new());
        let resp = OutgoingResponse::new(fields);
        let _ = resp.set_status_code(self.status);
        let Ok(body) = resp.body() else { return };
        ResponseOutparam::set(out, Ok(resp));
        if !head_only {
            write_body(&body, self.body);
        }
        let _ = OutgoingBody::finish(body, None);
    }
}

fn write_body(body: &OutgoingBody, content: Body) {
    let Ok(out) = body.write() else { return };
    match content {
        Body::Empty => {}
        Body::Bytes(bytes) => {
            for chunk in bytes.chunks(4096) {
                if out.blocking_write_and_flush(chunk).is_err() {
                    return;
                }
            }
        }
        Body::Stream { stream, .. } => {
            if !splice_all(&out, &stream) {
                return;
            }
        }
        Body::Streams { streams, .. } => {
            for stream in &streams {
                if !splice_all(&out, stream) {
                    return;
                }
            }
        }
    }
    let _ = out.blocking_flush();
}

/// Splices `stream` into `out` until it ends; false when either failed.
fn splice_all(out: &wasip2::io::streams::OutputStream, stream: &InputStream) -> bool {
    loop {
        match out.blocking_splice(stream, 1 << 20) {
            Ok(_) => {}
            Err(StreamError::Closed) => return true,
            Err(StreamError::LastOperationFailed(_)) => return false,
        }
    }
}
