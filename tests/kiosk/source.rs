//! Checks on the `.slint` sources that need no window: every string a
//! shopper sees goes through `@tr` and has its Bahasa Indonesia, every font
//! size is one of the theme's (so the theme's sizes are the screens'), and
//! every colour is the theme's (so its contrast is computed).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Literals a shopper sees that are the same in every language, each with
/// its reason.
const UNTRANSLATED: [&str; 11] = [
    // Bank Indonesia's name for the payment, on every QRIS sticker.
    "QRIS",
    // Each language is named in itself, with its code, so that it is
    // found whatever language is on screen.
    "Bahasa Indonesia",
    "English",
    "ID",
    "EN",
    "id",
    "en",
    // The small and large A of the text-size switch.
    "A",
    // The rupiah's symbol, before an amount.
    "Rp ",
    // The window title (the product's name) and the font, not shown text.
    "swalayan",
    "DejaVu Sans",
];

fn slint_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            slint_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            out.push(path);
        }
    }
}

/// The string literals of one line, each with the text just before it.
fn literals(line: &str) -> Vec<(&str, &str)> {
    let mut out = vec![];
    let mut rest = line;
    let mut offset = 0;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        out.push((&line[..offset + start], &after[..end]));
        offset += start + end + 2;
        rest = &after[end + 1..];
    }
    out
}

/// Every `.slint` file's lines, without comments, with the file and line.
fn source_lines() -> Vec<(String, usize, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    slint_files(&root.join("ui"), &mut files);
    files.sort();
    assert!(files.len() > 10, "found only {files:?}");
    let mut lines = vec![];
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.strip_prefix(root).unwrap().display().to_string();
        for (n, line) in text.lines().enumerate() {
            let code = match line.find("//") {
                // No literal of the UI holds "//"; a comment starts there.
                Some(i) => &line[..i],
                None => line,
            };
            lines.push((name.clone(), n + 1, code.to_owned()));
        }
    }
    lines
}

/// One `@tr` call: its message and, for a plural, the plural form.
#[derive(Debug)]
struct Message {
    at: String,
    id: String,
    plural: Option<String>,
}

fn messages(lines: &[(String, usize, String)]) -> Vec<Message> {
    let mut out = vec![];
    for (file, n, line) in lines {
        for piece in line.split("@tr(").skip(1) {
            let lits = literals(piece);
            let (before, id) =
                lits.first().unwrap_or_else(|| panic!("{file}:{n}: @tr without text"));
            assert!(before.trim().is_empty(), "{file}:{n}: @tr does not start with a literal");
            let plural = lits
                .get(1)
                .filter(|(between, _)| between[before.len() + id.len() + 2..].trim() == "|")
                .map(|(_, p)| p.to_string());
            out.push(Message { at: format!("{file}:{n}"), id: id.to_string(), plural });
        }
    }
    out
}

/// The `.po` file's entries: msgid to (msgid_plural, msgstr or msgstr[0]).
fn po_entries(text: &str) -> HashMap<String, (Option<String>, String)> {
    let mut entries = HashMap::new();
    let (mut id, mut plural) = (None, None);
    for line in text.lines() {
        let quoted = |prefix: &str| {
            line.strip_prefix(prefix).map(|rest| rest.trim().trim_matches('"').to_owned())
        };
        if let Some(msgid) = quoted("msgid ") {
            (id, plural) = (Some(msgid), None);
        } else if let Some(p) = quoted("msgid_plural ") {
            plural = Some(p);
        } else if let Some(msgstr) = quoted("msgstr ").or_else(|| quoted("msgstr[0] "))
            && let Some(id) = id.take()
        {
            entries.insert(id, (plural.take(), msgstr));
        }
    }
    entries
}

#[test]
fn every_ui_message_has_its_bahasa_indonesia() {
    let lines = source_lines();
    let messages = messages(&lines);
    assert!(messages.len() > 100, "found only {} messages", messages.len());
    let plurals = messages.iter().filter(|m| m.plural.is_some()).count();
    assert!(plurals >= 2, "the plural forms were not found");

    let po = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("lang/id/LC_MESSAGES/swalayan.po"),
    )
    .unwrap();
    let entries = po_entries(&po);
    let mut missing = vec![];
    for m in &messages {
        match entries.get(&m.id) {
            None => missing.push(format!("{}: {:?} is not in the .po file", m.at, m.id)),
            Some((_, msgstr)) if msgstr.trim().is_empty() => {
                missing.push(format!("{}: {:?} has an empty translation", m.at, m.id))
            }
            Some((plural, _)) if plural != &m.plural => missing.push(format!(
                "{}: {:?} has the plural {:?} in the .po file, {:?} in the UI",
                m.at, m.id, plural, m.plural
            )),
            Some(_) => {}
        }
    }
    assert!(missing.is_empty(), "untranslated: {missing:#?}");
}

#[test]
fn every_string_a_shopper_sees_goes_through_tr() {
    let mut suspects = vec![];
    // Inside an `in property` declaration: preview data, which Rust replaces.
    let mut preview = false;
    for (file, n, line) in source_lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("in property") || trimmed.starts_with("in-out property") {
            preview = true;
        }
        let declaration = preview;
        if preview && trimmed.ends_with(';') {
            preview = false;
        }
        if declaration || trimmed.starts_with("import") || trimmed.starts_with("} from") {
            continue;
        }
        for piece in line.split("@tr(").enumerate().flat_map(|(i, piece)| {
            // After "@tr(", the message and its plural are translated.
            let lits = literals(piece);
            let skip = if i == 0 {
                0
            } else {
                1 + usize::from(lits.get(1).is_some_and(|(b, _)| b.trim_end().ends_with('|')))
            };
            lits.into_iter().skip(skip)
        }) {
            let (before, lit) = piece;
            let compared = before.trim_end().ends_with("==") || before.trim_end().ends_with("!=");
            if compared || !lit.chars().any(char::is_alphabetic) || UNTRANSLATED.contains(&lit) {
                continue;
            }
            suspects.push(format!("{file}:{n}: {lit:?}"));
        }
    }
    assert!(suspects.is_empty(), "shown without @tr: {suspects:#?}");
}

#[test]
fn every_font_size_is_one_of_the_themes() {
    let mut odd = vec![];
    for (file, n, line) in source_lines() {
        let Some((_, value)) = line.split_once("font-size:") else { continue };
        let value = value.trim().trim_end_matches(';');
        // Theme.font-*, a choice between them, or a widget's own font-size
        // property (whose default and every setting are checked here too).
        let ok =
            value.split(['?', ':', '(', ')']).map(str::trim).filter(|t| !t.is_empty()).all(|t| {
                t.starts_with("Theme.font-")
                    || t == "root.font-size"
                    || t.contains("==")
                    || t.contains("!=")
            });
        if !ok {
            odd.push(format!("{file}:{n}: font-size: {value}"));
        }
    }
    assert!(odd.is_empty(), "font sizes not from the theme: {odd:#?}");
}

#[test]
fn every_colour_is_the_themes() {
    let mut odd = vec![];
    for (file, n, line) in source_lines() {
        if file.ends_with("theme.slint") {
            continue;
        }
        let mut rest = line.as_str();
        while let Some(i) = rest.find('#') {
            let hex: String = rest[i + 1..].chars().take_while(char::is_ascii_hexdigit).collect();
            rest = &rest[i + 1 + hex.len()..];
            // Black with an alpha is a shadow or the dimming under a modal,
            // not a colour that text sits on.
            let shadow = hex.len() == 4 && hex.starts_with("000");
            if !hex.is_empty() && !shadow {
                odd.push(format!("{file}:{n}: #{hex}"));
            }
        }
    }
    assert!(odd.is_empty(), "colours outside ui/theme.slint: {odd:#?}");
}
