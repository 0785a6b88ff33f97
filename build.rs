//! Rebuilds fundament when the built-in index changes (`include_dir!` notices edited files of
//! `registry-index/`, but not added ones), and inflates the committed licence detection data
//! into the build directory, where `src/licence/detect/index.rs` embeds it uncompressed: the
//! repository keeps the small compressed file, and loading needs no decompression.

use std::path::PathBuf;

const LICENCE_DATA: &str = "src/licence/detect/licensedcode.bin.deflate";

fn main() {
    println!("cargo:rerun-if-changed=registry-index");
    println!("cargo:rerun-if-changed={LICENCE_DATA}");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    // Without the file (only while the generator makes it for the first time) the build
    // embeds nothing, and detection says that its data is missing.
    let data = match std::fs::read(LICENCE_DATA) {
        Ok(compressed) => {
            miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, 256 << 20)
                .unwrap_or_else(|e| panic!("{LICENCE_DATA} does not inflate: {e:?}"))
        }
        Err(_) => Vec::new(),
    };
    std::fs::write(out.join("licensedcode.bin"), data)
        .unwrap_or_else(|e| panic!("cannot write the licence data: {e}"));
}
