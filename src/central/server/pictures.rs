//! Product pictures: read once at start from the retailer's directory
//! (`--images DIR`) or the demo set built into the binary, checked, and
//! served by name from memory (`GET /v1/images/{name}`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::routes::{Failure, not_found};

/// The largest picture the central serves: a produce tile needs far less,
/// and every device keeps a copy.
pub const MAX_BYTES: usize = crate::central::api::MAX_PICTURE_BYTES;

/// The demo catalog's pictures, rendered from Noto Color Emoji by
/// `tools/render-produce-pictures.py` (see `assets/images/README`).
pub const DEMO: [(&str, &[u8]); 6] = [
    ("apple.png", include_bytes!("../../../assets/images/apple.png")),
    ("avocado.png", include_bytes!("../../../assets/images/avocado.png")),
    ("banana.png", include_bytes!("../../../assets/images/banana.png")),
    ("broccoli.png", include_bytes!("../../../assets/images/broccoli.png")),
    ("orange.png", include_bytes!("../../../assets/images/orange.png")),
    ("tomato.png", include_bytes!("../../../assets/images/tomato.png")),
];

/// Why the pictures were refused at start.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("cannot read the picture directory {dir}")]
    ReadDir { dir: PathBuf, source: std::io::Error },
    #[error("cannot read the picture {path}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the picture {shown} is {size} bytes, more than the {MAX_BYTES} a picture may be")]
    TooLarge { shown: String, size: usize },
    #[error("the picture {shown} is not a {kind} file, as its name says")]
    NotPicture { shown: String, kind: &'static str },
}

/// One picture, ready to serve.
#[derive(Clone, Debug)]
pub struct Picture {
    pub bytes: axum::body::Bytes,
    pub content_type: &'static str,
    /// A strong ETag (quoted): the SHA-256 of the bytes.
    pub etag: String,
}

/// Every picture the central serves, by file name.
#[derive(Clone, Debug, Default)]
pub struct Pictures {
    by_name: HashMap<String, Picture>,
    /// Where they came from, for errors: the directory, or "demo pictures".
    pub source: String,
}

impl Pictures {
    /// The demo catalog's pictures.
    pub fn demo() -> Result<Pictures, PictureError> {
        let mut pictures = Pictures { source: "demo pictures".into(), ..Default::default() };
        for (name, bytes) in DEMO {
            pictures.add(name, bytes.to_vec(), name)?;
        }
        Ok(pictures)
    }

    /// Every file of `dir` (not its subdirectories) whose name ends in
    /// `.png`, `.jpg`, `.jpeg` or `.webp`; other files are left alone.
    pub fn from_dir(dir: &Path) -> Result<Pictures, PictureError> {
        let read_dir = |source| PictureError::ReadDir { dir: dir.to_owned(), source };
        let mut pictures = Pictures { source: dir.display().to_string(), ..Default::default() };
        for entry in std::fs::read_dir(dir).map_err(read_dir)? {
            let path = entry.map_err(read_dir)?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
            if content_type(name).is_none() || !path.is_file() {
                continue;
            }
            // A file far over the limit is not read whole to be refused.
            let size = std::fs::metadata(&path)
                .map_err(|source| PictureError::Read { path: path.clone(), source })?
                .len();
            let shown = path.display().to_string();
            if size > MAX_BYTES as u64 {
                return Err(PictureError::TooLarge { shown, size: size as usize });
            }
            let bytes = std::fs::read(&path)
                .map_err(|source| PictureError::Read { path: path.clone(), source })?;
            pictures.add(name, bytes, &shown)?;
        }
        Ok(pictures)
    }

    fn add(&mut self, name: &str, bytes: Vec<u8>, shown: &str) -> Result<(), PictureError> {
        let shown = shown.to_owned();
        if bytes.len() > MAX_BYTES {
            return Err(PictureError::TooLarge { shown, size: bytes.len() });
        }
        let content_type = content_type(name).unwrap_or("application/octet-stream");
        // A picture the devices cannot decode would only show as a blank
        // tile there; say so here, where it can be fixed.
        let (kind, fits) = match content_type {
            "image/png" => ("PNG", bytes.starts_with(b"\x89PNG\r\n\x1a\n")),
            "image/jpeg" => ("JPEG", bytes.starts_with(&[0xFF, 0xD8, 0xFF])),
            _ => ("WebP", bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP"),
        };
        if !fits {
            return Err(PictureError::NotPicture { shown, kind });
        }
        let etag = etag_of(&bytes);
        self.by_name.insert(name.to_owned(), Picture { bytes: bytes.into(), content_type, etag });
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Picture> {
        self.by_name.get(name)
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// The strong ETag of `bytes`: their SHA-256 in hex, quoted.
pub fn etag_of(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// The Content-Type of a picture by its name's extension (any case), or
/// `None` for a name that is no picture of ours.
pub fn content_type(name: &str) -> Option<&'static str> {
    let (_, ext) = name.rsplit_once('.')?;
    match ext.to_ascii_lowercase().as_str() {
        "png" => Some("image/png"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "webp" => Some("image/webp"),
        _ => None,
    }
}

/// Checks a picture name from the catalog: a plain file name in the picture
/// directory, with a picture's extension. Returns why it is refused.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.contains(['/', '\\']) {
        return Err(format!(
            "image {name:?} has a path separator: give the file name in the picture directory"
        ));
    }
    if name.contains("..") {
        return Err(format!("image {name:?} holds \"..\": give the file name as it is"));
    }
    if content_type(name).is_none() {
        return Err(format!("image {name:?} does not end in .png, .jpg, .jpeg or .webp"));
    }
    Ok(())
}

/// `GET /v1/images/{name}`: the picture, with its ETag; `If-None-Match`
/// with that ETag answers 304 without the bytes.
pub(super) async fn get(
    State(s): State<Arc<AppState>>,
    UrlPath(name): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let picture = s.pictures.get(&name).ok_or_else(|| not_found("image", &name))?;
    let etag = HeaderValue::from_str(&picture.etag).expect("a quoted hex digest is a header");
    // A picture may be replaced under its name when the central restarts:
    // caches keep it but ask again, and the ETag spares the bytes.
    let cache = HeaderValue::from_static("public, no-cache");
    let known = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    if known.is_some_and(|k| k.split(',').any(|t| t.trim() == picture.etag || t.trim() == "*")) {
        let headers = [(header::ETAG, etag), (header::CACHE_CONTROL, cache)];
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    let content_type = HeaderValue::from_static(picture.content_type);
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::ETAG, etag),
        (header::CACHE_CONTROL, cache),
    ];
    Ok((headers, picture.bytes.clone()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_file_names_of_pictures() {
        for good in ["banana.png", "Apel Fuji.JPG", "x.jpeg", "daun.webp"] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        assert!(check_name("buah/banana.png").unwrap_err().contains("path separator"));
        assert!(check_name("buah\\banana.png").unwrap_err().contains("path separator"));
        assert!(check_name("..png").unwrap_err().contains("\"..\""));
        assert!(check_name("banana.gif").unwrap_err().contains(".png, .jpg, .jpeg or .webp"));
        assert!(check_name("banana").unwrap_err().contains(".png, .jpg, .jpeg or .webp"));
    }

    #[test]
    fn the_etag_is_the_quoted_sha256() {
        // SHA-256 of "abc", FIPS 180-2 appendix B.1.
        assert_eq!(
            etag_of(b"abc"),
            "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\""
        );
    }

    #[test]
    fn a_directory_with_a_picture_too_large_or_misnamed_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a picture, left alone").unwrap();
        std::fs::write(dir.path().join("banana.png"), DEMO[2].1).unwrap();
        let pictures = Pictures::from_dir(dir.path()).unwrap();
        assert_eq!(pictures.len(), 1);
        assert_eq!(pictures.get("banana.png").unwrap().content_type, "image/png");

        let big = dir.path().join("semangka.jpg");
        let mut bytes = vec![0xFF, 0xD8, 0xFF];
        bytes.resize(MAX_BYTES + 1, 0);
        std::fs::write(&big, &bytes).unwrap();
        let e = Pictures::from_dir(dir.path()).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "the picture {} is 524289 bytes, more than the 524288 a picture may be",
                big.display()
            )
        );
        std::fs::remove_file(&big).unwrap();

        let fake = dir.path().join("mangga.webp");
        std::fs::write(&fake, DEMO[2].1).unwrap();
        let e = Pictures::from_dir(dir.path()).unwrap_err().to_string();
        assert_eq!(
            e,
            format!("the picture {} is not a WebP file, as its name says", fake.display())
        );
    }

    #[test]
    fn the_demo_pictures_are_all_pngs_within_the_limit() {
        assert_eq!(Pictures::demo().unwrap().len(), DEMO.len());
    }
}
