//! A deliberately bad component. `GET /misbehave/<what>`:
//! `ok` answers 200; `loop` spins forever; `panic` panics before answering;
//! `oom` allocates until memory runs out; `silent` returns without answering.
//! The host must answer 503/500 for that request only and keep serving.

use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

/// The handler (exported in wasm builds).
pub struct Misbehave;

impl wasip2::exports::http::incoming_handler::Guest for Misbehave {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        match path.rsplit('/').next().unwrap_or_default() {
            "loop" => {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            "panic" => panic!("misbehave: panicking on purpose"),
            "oom" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "silent" => {}
            _ => {
                let resp = OutgoingResponse::new(Fields::new());
                let Ok(body) = resp.body() else { return };
                ResponseOutparam::set(out, Ok(resp));
                if let Ok(stream) = body.write() {
                    let _ = stream.blocking_write_and_flush(b"ok");
                }
                let _ = OutgoingBody::finish(body, None);
            }
        }
    }
}

// Export names such as `wasi:http/incoming-handler@0.2.12#handle` only link
// in wasm; a native build (cargo build --workspace) just type-checks.
#[cfg(target_arch = "wasm32")]
wasip2::http::proxy::export!(Misbehave with_types_in wasip2);
