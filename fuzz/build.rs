//! Compiles the C scanner exactly as the crate's build.rs does with feature `c_parser`.

include!("../csrc/resp_scan_build.rs");

fn main() {
    for source in ["../csrc/resp_scan.c", "../csrc/resp_scan.h", "../csrc/resp_scan_build.rs"] {
        println!("cargo:rerun-if-changed={source}");
    }
    build_resp_scan(std::path::Path::new("../csrc"));
}
