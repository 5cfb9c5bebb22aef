//! `binding = "uniffi"` for the plain records shared with the Node binding
//! (`bindings/plain`).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(binding, values(\"node\", \"uniffi\", \"python\"))");
    println!("cargo::rustc-cfg=binding=\"uniffi\"");
}
