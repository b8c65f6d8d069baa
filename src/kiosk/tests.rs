//! Checks on the kiosk that need no window.

use std::collections::HashMap;
use std::path::Path;

/// The first argument of every `@tr("...")` in the `.slint` files under `dir`.
fn ui_strings(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            ui_strings(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            let text = std::fs::read_to_string(&path).unwrap();
            for piece in text.split("@tr(\"").skip(1) {
                let end = piece.find('"').unwrap();
                out.push((path.display().to_string(), piece[..end].to_owned()));
            }
        }
    }
}

/// The `msgid`s of a `.po` file with their (first) translation.
fn po_entries(text: &str) -> HashMap<String, String> {
    let mut entries = HashMap::new();
    let mut id = None;
    for line in text.lines() {
        let quoted = |prefix: &str| {
            line.strip_prefix(prefix).map(|rest| rest.trim().trim_matches('"').to_owned())
        };
        if let Some(msgid) = quoted("msgid ") {
            id = Some(msgid);
        } else if let Some(msgstr) = quoted("msgstr ").or_else(|| quoted("msgstr[0] "))
            && let Some(id) = id.take()
        {
            entries.insert(id, msgstr);
        }
    }
    entries
}

#[test]
fn every_ui_string_has_an_indonesian_translation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut strings = vec![];
    ui_strings(&root.join("ui"), &mut strings);
    assert!(strings.len() > 40, "found only {} strings", strings.len());

    let po = std::fs::read_to_string(root.join("lang/id/LC_MESSAGES/swalayan.po")).unwrap();
    let entries = po_entries(&po);
    let missing: Vec<_> =
        strings.iter().filter(|(_, s)| entries.get(s).is_none_or(|t| t.is_empty())).collect();
    assert!(missing.is_empty(), "untranslated: {missing:#?}");
}

#[test]
fn offline_message_is_the_agreed_indonesian_text() {
    let po = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("lang/id/LC_MESSAGES/swalayan.po"),
    )
    .unwrap();
    let entries = po_entries(&po);
    assert_eq!(
        entries["Payment unavailable: the central server cannot be reached"],
        "Pembayaran tidak tersedia: server pusat tidak terjangkau"
    );
    assert_eq!(entries["Product not found: {}"], "Produk tidak ditemukan: {}");
    assert_eq!(entries["Simulate payment (demo)"], "Simulasikan pembayaran (demo)");
}
