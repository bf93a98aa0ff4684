//! Just enough of gzip (RFC 1952) to read the embedded bundle: the header, the deflate body (`miniz_oxide`, pure
//! Rust, fine on wasm32) and the length in the trailer.

/// Why a gzip member could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GzipError {
    #[error("not gzip data")]
    NotGzip,
    #[error("truncated gzip header")]
    Truncated,
    #[error("corrupt deflate data: {0}")]
    Deflate(String),
    #[error("decompressed length {actual} does not match the {expected} recorded in the gzip trailer")]
    Length { actual: usize, expected: u32 },
}

const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;

/// Decompresses one gzip member, refusing output longer than `limit` bytes.
pub fn gunzip(data: &[u8], limit: usize) -> Result<Vec<u8>, GzipError> {
    if data.len() < 18 || data[0] != 0x1f || data[1] != 0x8b || data[2] != 8 {
        return Err(GzipError::NotGzip);
    }
    let flags = data[3];
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let len = data.get(at..at + 2).ok_or(GzipError::Truncated)?;
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let end = data.get(at..).and_then(|rest| rest.iter().position(|&b| b == 0)).ok_or(GzipError::Truncated)?;
            at += end + 1;
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    let body_end = data.len() - 8;
    let body = data.get(at..body_end).ok_or(GzipError::Truncated)?;
    let out = miniz_oxide::inflate::decompress_to_vec_with_limit(body, limit)
        .map_err(|e| GzipError::Deflate(e.status_string_lossy()))?;
    let trailer = &data[body_end..];
    let expected = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
    // ISIZE is the length modulo 2^32.
    if out.len() as u32 != expected {
        return Err(GzipError::Length { actual: out.len(), expected });
    }
    Ok(out)
}

trait StatusString {
    fn status_string_lossy(&self) -> String;
}

impl StatusString for miniz_oxide::inflate::DecompressError {
    fn status_string_lossy(&self) -> String {
        format!("{:?}", self.status)
    }
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

    #[test]
    fn reads_plain_and_named_members() {
        assert_eq!(gunzip(HELLO, 100).unwrap(), b"hello");
        assert_eq!(gunzip(HELLO_NAMED, 100).unwrap(), b"hello");
    }

    #[test]
    fn rejects_what_is_not_gzip_or_is_damaged() {
        assert_eq!(gunzip(b"{\"kinds\": []}       ", 100), Err(GzipError::NotGzip));
        assert_eq!(gunzip(&HELLO[..12], 100), Err(GzipError::NotGzip));
        let mut wrong_length = HELLO.to_vec();
        wrong_length[21] = 6;
        assert_eq!(gunzip(&wrong_length, 100), Err(GzipError::Length { actual: 5, expected: 6 }));
        assert!(matches!(gunzip(HELLO, 3), Err(GzipError::Deflate(_))));
        let mut name_unterminated = HELLO_NAMED[..16].to_vec();
        name_unterminated[15] = b'x';
        name_unterminated.extend_from_slice(&[1, 2]);
        assert_eq!(gunzip(&name_unterminated, 100), Err(GzipError::Truncated));
    }
}
