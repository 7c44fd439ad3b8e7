//! Build script. The C fast paths in `csrc/` are compiled here with `cc`, and their
//! bindings generated with `bindgen`, only when a feature asks for them; the default build
//! is pure Rust and needs neither a C compiler nor libclang. A requested feature whose C
//! code fails to build fails the build: it never falls back silently.

#[cfg(feature = "c_parser")]
include!("csrc/resp_scan_build.rs");

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for source in ["csrc/resp_scan.c", "csrc/resp_scan.h", "csrc/resp_scan_build.rs"] {
        println!("cargo:rerun-if-changed={source}");
    }
    #[cfg(feature = "c_parser")]
    build_resp_scan(std::path::Path::new("csrc"));
}
