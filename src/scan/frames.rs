//! Where frames come from: a camera, or a folder of photos for demos and tests.

use std::io;
use std::path::{Path, PathBuf};

use image::{DynamicImage, RgbImage};

use super::decoder::{DecodeError, open_image};

/// One picture to decode, with a colour copy for the preview where there is one.
#[derive(Debug, Clone)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    /// Gray pixels, one byte each, row after row: what the decoder reads.
    pub luma: Vec<u8>,
    /// The picture as the shopper sees it in the preview.
    pub rgb: Option<RgbImage>,
}

impl Frame {
    pub fn from_rgb(rgb: RgbImage) -> Self {
        let luma = image::imageops::grayscale(&rgb).into_raw();
        Frame { width: rgb.width(), height: rgb.height(), luma, rgb: Some(rgb) }
    }

    pub fn from_image(image: DynamicImage) -> Self {
        Frame::from_rgb(image.into_rgb8())
    }
}

/// A source of frames: a camera, or a stand-in for one.
pub trait FrameSource {
    /// Waits for and returns the next frame.
    fn next_frame(&mut self) -> Result<Frame, FrameError>;
}

/// Why a frame source could not open or give a frame.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    #[error("{}: cannot list the folder: {source}", path.display())]
    Folder { path: PathBuf, source: io::Error },
    #[error("{}: no image in the folder (looked for .png, .jpg, .jpeg, .bmp)", path.display())]
    NoImages { path: PathBuf },
    #[error(transparent)]
    Image(#[from] DecodeError),
    #[error("no camera at index {index}: {reason}")]
    NoCamera { index: u32, reason: String },
    #[error("camera {index}: {reason}")]
    Camera { index: u32, reason: String },
}

/// Plays the images of a folder as frames, in name order, round and round:
/// a camera for demos and tests.
#[derive(Debug, Clone)]
pub struct FolderFrames {
    files: Vec<PathBuf>,
    next: usize,
}

impl FolderFrames {
    /// Lists the images (by extension) directly in `dir`.
    ///
    /// # Errors
    ///
    /// [`FrameError::Folder`] if `dir` cannot be listed,
    /// [`FrameError::NoImages`] if it holds no image.
    pub fn open(dir: &Path) -> Result<Self, FrameError> {
        let folder_error = |source| FrameError::Folder { path: dir.to_path_buf(), source };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(folder_error)? {
            let path = entry.map_err(folder_error)?.path();
            if path.is_file() && is_image_name(&path) {
                files.push(path);
            }
        }
        if files.is_empty() {
            return Err(FrameError::NoImages { path: dir.to_path_buf() });
        }
        files.sort();
        Ok(FolderFrames { files, next: 0 })
    }

    /// The images it plays, in the order it plays them.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}

impl FrameSource for FolderFrames {
    /// Returns the next image; one that fails to load is an error, and the
    /// call after it moves on to the image after.
    fn next_frame(&mut self) -> Result<Frame, FrameError> {
        let path = &self.files[self.next];
        self.next = (self.next + 1) % self.files.len();
        Ok(Frame::from_image(open_image(path)?))
    }
}

fn is_image_name(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
    ["png", "jpg", "jpeg", "bmp"].iter().any(|known| ext.eq_ignore_ascii_case(known))
}

#[cfg(feature = "camera")]
pub use camera::Camera;

#[cfg(feature = "camera")]
mod camera {
    use nokhwa::pixel_format::RgbFormat;
    use nokhwa::utils::{
        CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution,
    };

    use super::{Frame, FrameError, FrameSource};

    /// A camera through nokhwa (V4L2 on Linux), streaming RGB frames.
    pub struct Camera {
        index: u32,
        inner: nokhwa::Camera,
    }

    impl Camera {
        /// Opens camera `index` and starts it streaming, asking for the mode
        /// closest to 1280x720 at 30 frames a second: enough pixels for an
        /// EAN-13 at arm's length, few enough to decode within a frame.
        ///
        /// # Errors
        ///
        /// [`FrameError::NoCamera`] if there is no such camera or it will not
        /// stream.
        pub fn open(index: u32) -> Result<Self, FrameError> {
            let no_camera =
                |e: nokhwa::NokhwaError| FrameError::NoCamera { index, reason: e.to_string() };
            let wanted = CameraFormat::new(Resolution::new(1280, 720), FrameFormat::MJPEG, 30);
            let request = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(wanted));
            let mut inner =
                nokhwa::Camera::new(CameraIndex::Index(index), request).map_err(no_camera)?;
            inner.open_stream().map_err(no_camera)?;
            Ok(Camera { index, inner })
        }
    }

    impl FrameSource for Camera {
        fn next_frame(&mut self) -> Result<Frame, FrameError> {
            let index = self.index;
            let failed =
                |e: nokhwa::NokhwaError| FrameError::Camera { index, reason: e.to_string() };
            let rgb =
                self.inner.frame().map_err(failed)?.decode_image::<RgbFormat>().map_err(failed)?;
            Ok(Frame::from_rgb(rgb))
        }
    }

    impl std::fmt::Debug for Camera {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Camera").field("index", &self.index).finish_non_exhaustive()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    /// Writes a `width` x 1 PNG of one colour.
    fn write_png(dir: &Path, name: &str, width: u32, colour: [u8; 3]) {
        RgbImage::from_pixel(width, 1, Rgb(colour)).save(dir.join(name)).unwrap();
    }

    #[test]
    fn folder_frames_cycle_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        // Written out of order, and beside a file that is not an image.
        write_png(dir.path(), "b.png", 2, [0, 0, 0]);
        write_png(dir.path(), "a.png", 1, [255, 255, 255]);
        write_png(dir.path(), "c.PNG", 3, [0, 0, 0]);
        std::fs::write(dir.path().join("a.txt"), "8991234567890").unwrap();

        let mut frames = FolderFrames::open(dir.path()).unwrap();
        let widths: Vec<u32> = (0..7).map(|_| frames.next_frame().unwrap().width).collect();
        assert_eq!(widths, [1, 2, 3, 1, 2, 3, 1]);
    }

    #[test]
    fn a_frame_has_gray_and_colour_pixels() {
        let dir = tempfile::tempdir().unwrap();
        write_png(dir.path(), "white.png", 4, [255, 255, 255]);
        let frame = FolderFrames::open(dir.path()).unwrap().next_frame().unwrap();
        assert_eq!((frame.width, frame.height), (4, 1));
        assert_eq!(frame.luma, [255; 4]);
        assert_eq!(frame.rgb.unwrap().get_pixel(3, 0), &Rgb([255, 255, 255]));
    }

    #[test]
    fn a_folder_without_images_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "no pictures here").unwrap();
        let err = FolderFrames::open(dir.path()).unwrap_err();
        assert!(matches!(err, FrameError::NoImages { .. }), "{err}");
        assert!(err.to_string().contains("no image"), "{err}");

        let missing = dir.path().join("gone");
        let err = FolderFrames::open(&missing).unwrap_err();
        assert!(matches!(err, FrameError::Folder { .. }), "{err}");
    }

    #[test]
    fn a_broken_image_is_an_error_and_the_next_call_moves_on() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.png"), "not a png").unwrap();
        write_png(dir.path(), "b.png", 2, [0, 0, 0]);
        let mut frames = FolderFrames::open(dir.path()).unwrap();
        let err = frames.next_frame().unwrap_err();
        assert!(err.to_string().contains("a.png"), "{err}");
        assert_eq!(frames.next_frame().unwrap().width, 2);
    }

    #[cfg(feature = "camera")]
    #[test]
    fn a_missing_camera_is_a_clear_error() {
        let err = Camera::open(97).unwrap_err();
        assert!(err.to_string().starts_with("no camera at index 97: "), "{err}");
    }
}
