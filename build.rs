//! Compiles the kiosk's Slint UI, with its translations bundled in.

use slint_build::{CompilerConfiguration, DefaultTranslationContext};

fn main() {
    // Messages carry no context, so that one phrase has one translation
    // wherever it appears (lang/id/LC_MESSAGES/swalayan.po).
    let config = CompilerConfiguration::new()
        .with_bundled_translations("lang")
        .with_default_translation_context(DefaultTranslationContext::None);
    slint_build::compile_with_config("ui/app-window.slint", config).expect("Slint UI compiles");
    println!("cargo:rerun-if-changed=lang");
}
