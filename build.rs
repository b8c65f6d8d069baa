//! Compiles the kiosk's Slint UI, with its translations bundled in.

use slint_build::{CompilerConfiguration, DefaultTranslationContext};

fn main() {
    let config = CompilerConfiguration::new()
        .with_bundled_translations("lang")
        // Messages carry no context, so that one phrase has one translation
        // wherever it appears (lang/id/LC_MESSAGES/swalayan.po).
        .with_default_translation_context(DefaultTranslationContext::None)
        // Element information for Slint's testing backend, which finds the
        // buttons that tests/kiosk/sale.rs presses by their accessible labels only
        // when it is there (what SLINT_EMIT_DEBUG_INFO=1 does). The call is
        // hidden from slint-build's docs, hence the exact version in
        // Cargo.toml.
        .with_debug_info(true);
    slint_build::compile_with_config("ui/app-window.slint", config).expect("the Slint UI compiles");
    println!("cargo:rerun-if-changed=lang");
}
