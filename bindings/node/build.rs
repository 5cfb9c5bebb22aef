//! napi-rs link setup, and `binding = "node"` for the plain records shared
//! with the Kotlin/Swift binding (`bindings/plain`).
fn main() {
    napi_build::setup();
    println!("cargo::rustc-check-cfg=cfg(binding, values(\"node\", \"uniffi\", \"python\"))");
    println!("cargo::rustc-cfg=binding=\"node\"");
}
