//! The `decode` command: what the decoder reads in image files, as JSON lines.

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use super::decoder::decode_file;
use super::symbol::Symbol;

/// One output line: the file as the caller named it, then its symbols or
/// why it could not be read.
#[derive(Serialize)]
struct Report<'a> {
    file: &'a str,
    #[serde(flatten)]
    outcome: Outcome,
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Symbols(Vec<Symbol>),
    Error(String),
}

/// Decodes each file and writes one JSON object per line to `out`:
/// `{"file":"a.png","symbols":[{"format":"ean13","text":"..."}]}`, or
/// `{"file":"b.png","error":"..."}` for a file that could not be read.
///
/// Every file is tried even after one fails. Returns true if and only if
/// every file could be read (finding no symbol in a file is not a failure).
///
/// # Errors
///
/// Only a failure to write to `out`.
pub fn run_decode(files: &[PathBuf], out: &mut impl Write) -> io::Result<bool> {
    let mut all_read = true;
    for path in files {
        let outcome = match decode_file(path) {
            Ok(symbols) => Outcome::Symbols(symbols),
            Err(e) => {
                all_read = false;
                Outcome::Error(e.to_string())
            }
        };
        let file = path.to_string_lossy();
        serde_json::to_writer(&mut *out, &Report { file: &file, outcome })?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(all_read)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn one_json_line_per_file_and_false_if_any_failed() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/barcodes");
        let upca = dir.join("upca-1/2.png");
        let files = [upca.clone(), PathBuf::from("no/such.png")];

        let mut out = Vec::new();
        assert!(!run_decode(&files, &mut out).unwrap());

        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        // UPC-A 036602301467 printed as its 12 digits (upca-1/2.txt holds the
        // GTIN 0036602301467).
        let want = format!(
            r#"{{"file":"{}","symbols":[{{"format":"upca","text":"036602301467"}}]}}"#,
            upca.display()
        );
        assert_eq!(lines[0], want);
        assert_eq!(lines[1], r#"{"file":"no/such.png","error":"no/such.png: no such file"}"#);
        assert_eq!(lines.len(), 2);
    }

    #[test]
    fn true_when_every_file_was_read_even_without_symbols() {
        let dir = tempfile::tempdir().unwrap();
        let blank = dir.path().join("blank.png");
        image::GrayImage::from_pixel(64, 64, image::Luma([255])).save(&blank).unwrap();

        let mut out = Vec::new();
        assert!(run_decode(std::slice::from_ref(&blank), &mut out).unwrap());
        let want = format!("{{\"file\":\"{}\",\"symbols\":[]}}\n", blank.display());
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }
}
