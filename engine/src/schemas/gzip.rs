//! Reading the gzipped bundle with flate2 on its pure-Rust backend (`miniz_oxide`, fine on wasm32). flate2 checks
//! the header, the CRC-32 and the length in the trailer, so a damaged bundle is an error instead of schemas that
//! are silently wrong.

use std::io::Read;

/// Why a gzip member could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum GzipError {
    /// Not gzip, truncated, corrupt deflate data, or a CRC or length that does not match the trailer.
    #[error("corrupt gzip data: {0}")]
    Corrupt(String),
    #[error("decompresses to more than {limit} bytes")]
    TooLarge { limit: usize },
}

/// Decompresses one gzip member, refusing output longer than `limit` bytes.
pub(super) fn gunzip(data: &[u8], limit: usize) -> Result<Vec<u8>, GzipError> {
    let mut out = Vec::new();
    // One byte past the limit tells "exactly the limit" from "too large" without inflating the rest.
    let mut reader = flate2::read::GzDecoder::new(data).take(limit as u64 + 1);
    reader.read_to_end(&mut out).map_err(|e| GzipError::Corrupt(e.to_string()))?;
    if out.len() > limit {
        return Err(GzipError::TooLarge { limit });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // `printf 'hello' | gzip -n | xxd -i`, and the same with a file name.
    const HELLO: &[u8] = &[
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x86,
        0xa6, 0x10, 0x36, 0x05, 0x00, 0x00, 0x00,
    ];
    const HELLO_NAMED: &[u8] = &[
        0x1f, 0x8b, 0x08, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, b'h', b'.', b't', b'x', b't', 0x00, 0xcb, 0x48,
        0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x86, 0xa6, 0x10, 0x36, 0x05, 0x00, 0x00, 0x00,
    ];
    /// Where HELLO's trailer starts: CRC-32 (4 bytes), then the length (4 bytes).
    const TRAILER: usize = 17;

    fn corrupt(at: usize, value: u8) -> Vec<u8> {
        let mut data = HELLO.to_vec();
        data[at] = value;
        data
    }

    #[test]
    fn plain_and_named_members_are_read() {
        assert_eq!(gunzip(HELLO, 100).unwrap(), b"hello");
        assert_eq!(gunzip(HELLO_NAMED, 100).unwrap(), b"hello");
        assert_eq!(gunzip(HELLO, 5).unwrap(), b"hello", "output of exactly the limit is accepted");
    }

    #[test]
    fn data_that_is_not_gzip_is_an_error() {
        assert!(matches!(gunzip(b"{\"kinds\": []}       ", 100), Err(GzipError::Corrupt(_))));
        assert!(matches!(gunzip(b"", 100), Err(GzipError::Corrupt(_))));
    }

    #[test]
    fn a_checksum_that_does_not_match_the_content_is_an_error() {
        assert!(matches!(gunzip(&corrupt(TRAILER, 0x87), 100), Err(GzipError::Corrupt(_))));
    }

    #[test]
    fn a_length_that_does_not_match_the_content_is_an_error() {
        assert!(matches!(gunzip(&corrupt(TRAILER + 4, 6), 100), Err(GzipError::Corrupt(_))));
    }

    #[test]
    fn damaged_or_truncated_members_are_errors() {
        // A changed byte of the deflate body: whether it breaks the stream or only the content, it is caught.
        assert!(matches!(gunzip(&corrupt(11, 0x49), 100), Err(GzipError::Corrupt(_))));
        for len in [3, 12, TRAILER, HELLO.len() - 1] {
            assert!(matches!(gunzip(&HELLO[..len], 100), Err(GzipError::Corrupt(_))), "cut at {len}");
        }
        let mut name_unterminated = HELLO_NAMED[..16].to_vec();
        name_unterminated[15] = b'x';
        assert!(matches!(gunzip(&name_unterminated, 100), Err(GzipError::Corrupt(_))));
    }

    #[test]
    fn output_over_the_limit_is_refused() {
        assert_eq!(gunzip(HELLO, 3), Err(GzipError::TooLarge { limit: 3 }));
    }
}
