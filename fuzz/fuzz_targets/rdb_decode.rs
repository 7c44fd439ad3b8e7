//! Any input, as the body of a RESTORE payload (the checksum would stop random bytes at
//! the door): the reader must return a value or refuse it, never panic or allocate
//! beyond what the input pays for; and a value it returns must come back unchanged from
//! DUMP's encoding.
#![no_main]

#[allow(dead_code)]
#[path = "../../src/rdb.rs"]
mod rdb;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some(value) = rdb::decode_value(data) {
        assert_eq!(rdb::decode(&rdb::encode(&value)), Ok(value));
    }
});
