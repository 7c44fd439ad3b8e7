//! Any input: the C and portable scanners must return identical batches (same requests,
//! same arguments, same bytes used, same protocol error) under every limit set.
#![no_main]

#[allow(dead_code, unused_imports)]
#[path = "../../src/protocol/mod.rs"]
mod protocol;

libfuzzer_sys::fuzz_target!(|data: &[u8]| protocol::assert_same(data));
