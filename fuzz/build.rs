//! Compiles the C scanner exactly as the crate's build.rs does with feature `c_parser`.

include!("../csrc/resp_scan_build.rs");

fn main() {
    println!("cargo:rerun-if-changed=../csrc");
    build_resp_scan(std::path::Path::new("../csrc"));
}
