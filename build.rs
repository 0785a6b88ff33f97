//! Rebuilds fundament when the built-in index changes: `include_dir!` notices edited files of
//! `registry-index/`, but not added ones.

fn main() {
    println!("cargo:rerun-if-changed=registry-index");
}
