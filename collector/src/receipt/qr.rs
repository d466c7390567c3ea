//! A receipt's survey URL as a QR code: SVG for screens, PNG for receipt printers.
//!
//! Error correction M (15 % of the code may be smudged or torn) and a quiet zone of four
//! modules, as the standard asks. The PNG is 8-bit greyscale, eight pixels per module, so a
//! 203 dpi thermal printer prints it without scaling artefacts.

use qrcode::{Color, EcLevel, QrCode};

use crate::error::ApiError;

const PIXELS_PER_MODULE: usize = 8;
const QUIET_ZONE: usize = 4;

fn code(url: &str) -> Result<QrCode, ApiError> {
    QrCode::with_error_correction_level(url, EcLevel::M)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("the URL does not fit a QR code: {e}")))
}

pub fn svg(url: &str) -> Result<String, ApiError> {
    Ok(code(url)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .build())
}

pub fn png(url: &str) -> Result<Vec<u8>, ApiError> {
    let code = code(url)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * PIXELS_PER_MODULE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Light {
            continue;
        }
        let (x0, y0) = (
            (i % modules + QUIET_ZONE) * PIXELS_PER_MODULE,
            (i / modules + QUIET_ZONE) * PIXELS_PER_MODULE,
        );
        for y in y0..y0 + PIXELS_PER_MODULE {
            pixels[y * side + x0..y * side + x0 + PIXELS_PER_MODULE].fill(0);
        }
    }
    let mut out = Vec::new();
    let side = u32::try_from(side).map_err(|e| ApiError::Internal(e.into()))?;
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let write = |encoder: png::Encoder<'_, &mut Vec<u8>>| -> Result<(), png::EncodingError> {
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
        writer.finish()
    };
    write(encoder).map_err(|e| ApiError::Internal(e.into()))?;
    Ok(out)
}
