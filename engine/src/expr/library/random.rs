//! `random.seededString(int, string)` and `random.seededInt(int, int, string)`: deterministic "random" values
//! derived from a seed (typically `schema.metadata.uid`), bit-exact with kro's `pkg/cel/library/random.go`.

use cel::ExecutionError;
use cel::common::types::{CelInt, CelString};
use cel::common::value::CowVal;
use sha2::{Digest, Sha256};

use super::declare::{Family, Overload};
use super::{fail, int_arg, str_arg, take};

/// The characters of `random.seededString`, in kro's order: a character is `ALPHABET[n % 36]`.
const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// The longest string `random.seededString` makes. kro has no limit; without one, `random.seededString(
/// 1000000000000, ...)` would exhaust memory. Kubernetes objects are at most 1.5 MB, so this is no real bound.
pub(crate) const MAX_SEEDED_STRING_LENGTH: i64 = 1 << 20;

pub(super) static FAMILY: Family = Family {
    name: "random",
    overloads: &[
        Overload::new(
            &["random.seededString(int, string) -> string"],
            "random.seededString_int_string",
            seeded_string_overload,
        ),
        Overload::new(
            &["random.seededInt(int, int, string) -> int"],
            "random.seededInt_int_int_string",
            seeded_int_overload,
        ),
    ],
    docs: &[
        ("random.seededString", "kro: a random string of the length, the same for the same seed."),
        ("random.seededInt", "kro: a random integer in [min, max), the same for the same seed."),
    ],
    ..Family::EMPTY
};

fn seeded_string_overload<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    const NAME: &str = "random.seededString";
    let [length, seed] = take(args)?;
    let length = int_arg(NAME, length.as_ref())?;
    let seed = str_arg(NAME, seed.as_ref())?;
    seeded_string(length, seed).map(|s| CowVal::owned(CelString::from(s))).map_err(|message| fail(NAME, message))
}

fn seeded_int_overload<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    const NAME: &str = "random.seededInt";
    let [min, max, seed] = take(args)?;
    let (min, max) = (int_arg(NAME, min.as_ref())?, int_arg(NAME, max.as_ref())?);
    let seed = str_arg(NAME, seed.as_ref())?;
    seeded_int(min, max, seed).map(|i| CowVal::owned(CelInt::from(i))).map_err(|message| fail(NAME, message))
}

/// `random.seededString(length, seed)`: character `i` is `ALPHABET[BE-u32(h[4i % 32 .. 4i % 32 + 4]) % 36]`
/// with `h = sha256(seed)`. kro's code re-hashes when it runs out of hash bytes, but `4i % 32 + 4` never
/// exceeds 32, so that branch never runs: the output repeats with a period of 8 characters, and so does ours.
pub(crate) fn seeded_string(length: i64, seed: &str) -> Result<String, String> {
    if length <= 0 {
        return Err("random.seededString length must be positive".to_string());
    }
    if length > MAX_SEEDED_STRING_LENGTH {
        return Err(format!("random.seededString length must be at most {MAX_SEEDED_STRING_LENGTH}"));
    }
    let hash = Sha256::digest(seed.as_bytes());
    let period: Vec<char> = hash
        .chunks_exact(4)
        .map(|word| {
            let n = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
            char::from(ALPHABET[(n % 36) as usize])
        })
        .collect();
    Ok(period.iter().cycle().take(length.unsigned_abs() as usize).collect())
}

/// `random.seededInt(min, max, seed)`: `min + BE-u64(sha256(seed)[0..8]) % (max - min)`, in `[min, max)`.
/// The arithmetic wraps as Go's does, which gives the exact result even when `max - min` exceeds `i64::MAX`.
pub(crate) fn seeded_int(min: i64, max: i64, seed: &str) -> Result<i64, String> {
    if min >= max {
        return Err("random.seededInt min must be less than max".to_string());
    }
    let hash = Sha256::digest(seed.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    let v = u64::from_be_bytes(first);
    let range = max.wrapping_sub(min).cast_unsigned();
    Ok(min.wrapping_add((v % range).cast_signed()))
}

#[cfg(test)]
mod tests {
    use cel::Value;
    use pretty_assertions::assert_eq;

    use super::super::test_support::{error, ok};
    use super::*;

    // Golden values: derived independently in Python from kro's Go code (pkg/cel/library/random.go), with a
    // SHA-256 written out from FIPS 180-4 and checked against hashlib: e.g. sha256("") starts e3b0c442, and
    // 0xe3b0c442 % 36 = 14 -> 'e'; sha256("test-seed") = d63cd08d 82aa4eb4 8e0cc64f b466e909 bfc38796 64c5caa8
    // d8cdeda7 3c044190.

    #[test]
    fn seeded_string_matches_kro_bit_for_bit() {
        assert_eq!(ok("random.seededString(10, 'test-seed')"), Value::from("5czheg3o5c"));
        assert_eq!(ok("random.seededString(8, 'my-service')"), Value::from("2nizscj3"));
        assert_eq!(ok("random.seededString(1, '')"), Value::from("e"));
        assert_eq!(seeded_string(12, "a").unwrap(), "2q3xwip32q3x");
    }

    #[test]
    fn seeded_string_repeats_with_a_period_of_eight_as_kro_does() {
        assert_eq!(ok("random.seededString(20, 'test-seed')"), Value::from("5czheg3o5czheg3o5czh"));
        assert_eq!(seeded_string(17, "my-service").unwrap(), "2nizscj32nizscj32");
    }

    #[test]
    fn seeded_string_is_deterministic_and_depends_on_the_seed() {
        let a = seeded_string(16, "uid-1").unwrap();
        assert_eq!(a, seeded_string(16, "uid-1").unwrap());
        assert_ne!(a, seeded_string(16, "uid-2").unwrap());
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
    }

    #[test]
    fn seeded_string_rejects_a_length_that_is_not_positive_or_too_large() {
        assert_eq!(error("random.seededString(0, 'x')"), "random.seededString length must be positive");
        assert_eq!(error("random.seededString(-1, 'x')"), "random.seededString length must be positive");
        assert_eq!(
            error("random.seededString(1000000000000, 'x')"),
            format!("random.seededString length must be at most {MAX_SEEDED_STRING_LENGTH}")
        );
        assert_eq!(seeded_string(MAX_SEEDED_STRING_LENGTH, "x").map(|s| s.len()), Ok(1 << 20));
    }

    #[test]
    fn seeded_string_takes_an_int_and_a_string_only() {
        assert_eq!(
            error("random.seededString('10', 'x')"),
            "found no matching overload for 'random.seededString' applied to '(string, string)'"
        );
        assert_eq!(
            error("random.seededString(10, 123)"),
            "found no matching overload for 'random.seededString' applied to '(int, int)'"
        );
        assert!(error("random.seededString(10)").contains("found no matching overload"));
    }

    #[test]
    fn seeded_int_matches_kro_bit_for_bit() {
        assert_eq!(ok("random.seededInt(0, 100, 'test-seed')"), Value::Int(56));
        assert_eq!(ok("random.seededInt(30000, 32768, 'my-service')"), Value::Int(31_247));
        assert_eq!(ok("random.seededInt(-100, -50, 'seed')"), Value::Int(-58));
        assert_eq!(ok("random.seededInt(5, 6, 'seed')"), Value::Int(5));
        assert_eq!(seeded_int(0, 1_000_000, "seed-a"), Ok(616_453));
        assert_eq!(seeded_int(0, 1_000_000, "seed-b"), Ok(11_447));
    }

    #[test]
    fn seeded_int_over_the_whole_int_range_wraps_like_go() {
        // Go: uint64(max - min) wraps to 2^64 - 1; min + int64(v % range) wraps back into range.
        assert_eq!(seeded_int(i64::MIN, i64::MAX, "seed"), Ok(-7_371_732_509_874_106_166));
        assert_eq!(
            ok("random.seededInt(-9223372036854775807 - 1, 9223372036854775807, 'seed')"),
            Value::Int(-7_371_732_509_874_106_166)
        );
    }

    #[test]
    fn seeded_int_needs_min_below_max() {
        assert_eq!(error("random.seededInt(5, 5, 'seed')"), "random.seededInt min must be less than max");
        assert_eq!(error("random.seededInt(10, 5, 'seed')"), "random.seededInt min must be less than max");
        assert!(error("random.seededInt(0, 10, 123)").contains("found no matching overload"));
        assert!(error("random.seededInt('a', 10, 'seed')").contains("found no matching overload"));
    }
}
