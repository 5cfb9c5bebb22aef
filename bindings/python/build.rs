//! `binding = "python"` for the plain records shared with the other
//! bindings (`bindings/plain`).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(binding, values(\"node\", \"uniffi\", \"python\"))");
    println!("cargo::rustc-cfg=binding=\"python\"");
}
