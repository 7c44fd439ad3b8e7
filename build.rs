//! Build script. The C fast paths in `csrc/` are compiled here with `cc`, and their
//! bindings generated with `bindgen`, only when a feature asks for them; the default build
//! is pure Rust and needs neither a C compiler nor libclang. A requested feature whose C
//! code fails to build fails the build: it never falls back silently.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=csrc");
    #[cfg(feature = "c_parser")]
    resp_scan();
}

/// `c_parser`: compiles `csrc/resp_scan.c` and writes its bindings to `$OUT_DIR/resp_scan.rs`.
#[cfg(feature = "c_parser")]
fn resp_scan() {
    cc::Build::new().file("csrc/resp_scan.c").opt_level(3).warnings(true).extra_warnings(true).compile("resp_scan");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    bindgen::Builder::default()
        .header("csrc/resp_scan.h")
        .allowlist_function("resp_scan")
        .allowlist_type("resp_.*")
        .allowlist_var("RESP_.*")
        .prepend_enum_name(false)
        .derive_default(true)
        .generate()
        .expect("bindgen could not read csrc/resp_scan.h")
        .write_to_file(out.join("resp_scan.rs"))
        .expect("could not write the resp_scan bindings");
}
