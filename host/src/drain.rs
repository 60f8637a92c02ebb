//! Lingering read of request bodies a component did not consume.
//!
//! A component may answer before reading the body (413 for a declared
//! oversize upload, 403 for an unsigned PUT). If the connection then closes
//! with the body still arriving, the kernel resets it and the client may
//! never read the answer. Like nginx's lingering close, the host keeps
//! reading — and discarding — what is left, within bounds, so the response
//! gets through.

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// At most this much of an abandoned body is read and discarded.
const MAX_DRAIN_BYTES: u64 = 64 << 20;
/// For at most this long.
const MAX_DRAIN_TIME: Duration = Duration::from_secs(10);

/// A request body that, when dropped unfinished, drains the rest in the background.
pub struct DrainOnDrop {
    inner: Option<Incoming>,
    linger: bool,
}

impl DrainOnDrop {
    /// Wrap `body`; `linger = false` drops an unread body without reading
    /// it (the client sent `Expect: 100-continue`: reading would send
    /// `100 Continue` after the component refused it).
    pub fn new(body: Incoming, linger: bool) -> Self {
        Self {
            inner: Some(body),
            linger,
        }
    }
}

impl Body for DrainOnDrop {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match self.inner.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map(Body::size_hint).unwrap_or_default()
    }
}

impl Drop for DrainOnDrop {
    fn drop(&mut self) {
        let Some(mut body) = self.inner.take() else {
            return;
        };
        if !self.linger {
            return;
        }
        if body.is_end_stream() || body.size_hint().lower() > MAX_DRAIN_BYTES {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let drain = async {
                let mut drained = 0u64;
                while let Some(Ok(frame)) = body.frame().await {
                    drained += frame.data_ref().map_or(0, |d| d.len() as u64);
                    if drained > MAX_DRAIN_BYTES {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(MAX_DRAIN_TIME, drain).await;
        });
    }
}
