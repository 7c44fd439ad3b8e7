//! The RESP protocol: requests in ([`parse`], and a read's whole batch with [`scan`] or the
//! C scanner of feature `c_parser` chosen by [`scanner`]) and replies out ([`Reply::encode`]).
//!
//! Pure bytes: this layer never touches a socket, so every rule here is tested on byte
//! slices. It depends on nothing else in the crate.

mod argv;
mod parse;
mod reply;
mod scan;
#[cfg(feature = "c_parser")]
mod scan_c;

pub use argv::with_argv;
pub use parse::{parse, ParseLimits, ProtocolError, Request};
pub use reply::{encode_push, encode_status, format_double, Bulks, Nested, Reply};
pub use scan::{scan, scanner, Args, Batch, Scanner, Span};
#[cfg(all(feature = "c_parser", fuzzing))]
pub use scan_c::assert_same;
