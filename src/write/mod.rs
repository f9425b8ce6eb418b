//! The `write` stage: standardized workbooks, the bureau's consolidated
//! workbook and written summaries.

pub mod atomic;
pub mod consolidated;
pub mod fill;
pub mod numbers;
mod package;
pub mod report;
mod sheet_stream;
pub mod standard;
pub mod summary;

use std::path::PathBuf;

use rust_decimal::Decimal;

/// Why an output could not be written. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: cannot write: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: refusing to overwrite an input file")]
    WouldOverwriteInput { path: PathBuf },
    #[error("{path}: refusing to overwrite a file not written by jixiao; choose another name")]
    NotOurs { path: PathBuf },
    #[error("{path}: named for two outputs of one command")]
    SameOutput { path: PathBuf },
    #[error("{path}: is a folder; name a file")]
    IsFolder { path: PathBuf },
    #[error("输出文件夹不存在：{}", folder.display())]
    MissingFolder { folder: PathBuf },
    #[error("{path}: {detail}")]
    Xlsx { path: PathBuf, detail: String },
}

/// The f64 nearest to `d`: what a workbook cell can hold of an exact
/// decimal.
pub fn nearest_f64(d: Decimal) -> f64 {
    /// Powers of ten exact in an f64 (10^22 is the largest).
    const EXACT: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    const EXACT_MANTISSA: u128 = 1 << 53;
    let mantissa = d.mantissa();
    match EXACT.get(d.scale() as usize) {
        // Both operands are exact, and IEEE division rounds correctly, so
        // the quotient is the nearest f64 (Clinger's fast path).
        Some(power) if mantissa.unsigned_abs() <= EXACT_MANTISSA => mantissa as f64 / power,
        // Otherwise through the decimal text, which Rust parses with correct
        // rounding.
        _ => d.to_string().parse().unwrap_or(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn nearest_f64_is_the_nearest_double() {
        for text in [
            "0",
            "1",
            "-1",
            "0.1",
            "0.3",
            "89.974",
            "123456.789012",
            "-0.000001",
            "9007199254740993",
            "79228162514264337593543950335",
            "1.2345678901234567890123456789",
        ] {
            let d = Decimal::from_str(text).unwrap();
            assert_eq!(nearest_f64(d), text.parse::<f64>().unwrap(), "{text}");
        }
    }
}
