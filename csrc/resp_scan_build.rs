// Builds the C scanner; `include!`d by the crate's build.rs (feature `c_parser`) and by
// fuzz/build.rs, so both compile the same C with the same flags.

/// Compiles `resp_scan.c` from `csrc` and writes its bindings to `$OUT_DIR/resp_scan.rs`.
fn build_resp_scan(csrc: &std::path::Path) {
    cc::Build::new().file(csrc.join("resp_scan.c")).opt_level(3).warnings(true).extra_warnings(true).compile("resp_scan");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    bindgen::Builder::default()
        .header(csrc.join("resp_scan.h").to_string_lossy())
        .allowlist_function("resp_scan")
        .allowlist_type("resp_.*")
        .allowlist_var("RESP_.*")
        .prepend_enum_name(false)
        .derive_default(true)
        .generate()
        .expect("bindgen could not read resp_scan.h")
        .write_to_file(out.join("resp_scan.rs"))
        .expect("could not write the resp_scan bindings");
}
