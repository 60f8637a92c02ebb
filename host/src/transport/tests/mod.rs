//! Socket-level tests of flows and the supervisor on 127.0.0.x: real UDP
//! sockets, real timers, each test a few seconds at most.
#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

mod flows;
mod redundancy;
mod supervisor;
mod support;
