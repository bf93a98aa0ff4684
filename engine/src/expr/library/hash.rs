//! `hash.fnv64a(string)`, `hash.sha256(string)` and `hash.md5(string)`, each returning `bytes` (8, 32 and 16
//! bytes), as kro's `pkg/cel/library/hash.go`. A resource field cannot hold bytes, so expressions encode the
//! hash: `base64.encode(hash.fnv64a(schema.spec.data))`.

use std::hash::Hasher as _;

use cel::ExecutionError;
use cel::common::types::CelBytes;
use cel::common::value::CowVal;
use md5::Md5;
use sha2::{Digest as _, Sha256};

use super::declare::{Family, Overload};
use super::{str_arg, take};

pub(super) static FAMILY: Family = Family {
    name: "hash",
    overloads: &[
        Overload::new(&["hash.fnv64a(string) -> bytes"], "hash.fnv64a_string", fnv64a_overload),
        Overload::new(&["hash.sha256(string) -> bytes"], "hash.sha256_string", sha256_overload),
        Overload::new(&["hash.md5(string) -> bytes"], "hash.md5_string", md5_overload),
    ],
    docs: &[
        ("hash.fnv64a", "kro: the FNV-1a 64-bit hash."),
        ("hash.sha256", "kro: the SHA-256 hash."),
        ("hash.md5", "kro: the MD5 hash."),
    ],
    ..Family::EMPTY
};

/// FNV-1a, 64 bits, big-endian: Go's `fnv.New64a().Sum(nil)`.
pub(crate) fn fnv64a(data: &str) -> [u8; 8] {
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(data.as_bytes());
    hasher.finish().to_be_bytes()
}

fn hashing<'b, 'v>(
    name: &str,
    args: Vec<CowVal<'b, 'v>>,
    hash: impl FnOnce(&str) -> Vec<u8>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [value] = take(args)?;
    let value = str_arg(name, value.as_ref())?;
    Ok(CowVal::owned(CelBytes::from(hash(value))))
}

fn fnv64a_overload<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    hashing("hash.fnv64a", args, |s| fnv64a(s).to_vec())
}

fn sha256_overload<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    hashing("hash.sha256", args, |s| Sha256::digest(s.as_bytes()).to_vec())
}

fn md5_overload<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    hashing("hash.md5", args, |s| Md5::digest(s.as_bytes()).to_vec())
}

#[cfg(test)]
mod tests {
    use cel::Value;
    use pretty_assertions::assert_eq;

    use super::super::test_support::{error, ok};

    // Golden values: FNV-1a written out in Python (offset basis 0xcbf29ce484222325, prime 0x100000001b3), SHA-256
    // written out from FIPS 180-4 and checked against hashlib, MD5 from hashlib; base64 by Python's base64 module.
    // sha256("hello world") = b94d27b9..., md5("hello world") = 5eb63bbb..., the well-known digests.

    #[test]
    fn fnv64a_is_8_big_endian_bytes() {
        assert_eq!(
            ok("hash.fnv64a('hello world')"),
            Value::Bytes(vec![0x77, 0x9a, 0x65, 0xe7, 0x02, 0x3c, 0xd2, 0xe7].into())
        );
        // The empty string hashes to the offset basis.
        assert_eq!(ok("base64.encode(hash.fnv64a(''))"), Value::from("y/Kc5IQiIyU="));
        assert_eq!(ok("base64.encode(hash.fnv64a('hello world'))"), Value::from("d5pl5wI80uc="));
        assert_eq!(ok("size(hash.fnv64a('x'))"), Value::Int(8));
    }

    #[test]
    fn sha256_is_32_bytes() {
        assert_eq!(
            ok("base64.encode(hash.sha256('hello world'))"),
            Value::from("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")
        );
        assert_eq!(ok("base64.encode(hash.sha256(''))"), Value::from("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="));
        assert_eq!(ok("size(hash.sha256('x'))"), Value::Int(32));
    }

    #[test]
    fn md5_is_16_bytes() {
        assert_eq!(ok("base64.encode(hash.md5('hello world'))"), Value::from("XrY7u+Ae7tCTyyK7j1rNww=="));
        assert_eq!(ok("base64.encode(hash.md5(''))"), Value::from("1B2M2Y8AsgTpgAmY7PhCfg=="));
        assert_eq!(ok("size(hash.md5('x'))"), Value::Int(16));
    }

    #[test]
    fn hashes_take_a_string_only() {
        for function in ["hash.fnv64a", "hash.sha256", "hash.md5"] {
            assert_eq!(
                error(&format!("{function}(123)")),
                format!("found no matching overload for '{function}' applied to '(int)'")
            );
            assert!(error(&format!("{function}(b'x')")).contains("found no matching overload"));
        }
    }
}
