//! Scanning: from camera frames and scanner key strokes to product codes.
//!
//! - [`frames`]: where pictures come from, a camera ([`Camera`], with the
//!   `camera` feature) or a folder of photos ([`FolderFrames`]);
//! - [`decoder`]: zxing-cpp reads EAN-13, EAN-8, UPC-A, UPC-E, Code 128 and
//!   QR codes, at full effort for still images and within a fixed budget per
//!   live frame ([`FrameDecoder`]); a product code with a wrong check digit,
//!   or one contradicted by another read of the same barcode, is dropped;
//! - [`wedge`]: a USB scanner typing a code and Enter;
//! - [`debounce`]: one item held up for several frames is one scan;
//! - [`cli`]: the `decode` command.
//!
//! Everything but the decoder and the sources is pure and takes the time as
//! an argument.

pub mod cli;
pub mod debounce;
pub mod decoder;
pub mod frames;
mod overlap;
pub mod symbol;
pub mod wedge;

pub use cli::run_decode;
pub use debounce::Debouncer;
pub use decoder::{DecodeError, FrameDecoder, decode_file, decode_image, decode_luma};
#[cfg(feature = "camera")]
pub use frames::Camera;
pub use frames::{FolderFrames, Frame, FrameError, FrameSource};
pub use symbol::{Format, Symbol};
pub use wedge::Wedge;
