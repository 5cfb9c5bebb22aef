//! The uniffi binding generator, built from this workspace (library mode):
//! `cargo run -p sesshu-uniffi --features cli --bin uniffi-bindgen -- generate --library target/release/libsesshu_uniffi.so --language kotlin --out-dir D`
fn main() {
    uniffi::uniffi_bindgen_main()
}
