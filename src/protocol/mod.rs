//! The RESP protocol: requests in ([`parse`]) and replies out ([`Reply::encode`]).
//!
//! Pure bytes: this layer never touches a socket, so every rule here is tested on byte
//! slices. It depends on nothing else in the crate.

mod parse;
mod reply;

pub use parse::{parse, ParseLimits, ProtocolError, Request};
pub use reply::{encode_push, format_double, Reply};
