//! Kubernetes quantities (`resource.Quantity`: `500m`, `1.5Gi`, `1e3`): parsed and compared as apimachinery
//! does. The CEL library's `quantity()` values ([`crate::expr`]) and the API server's checks of resource
//! requests and limits ([`crate::schemas::rules`]) share this one implementation.
//!
//! Parsing is a port of apimachinery's `resource.ParseQuantity`, quirks included: suffixes `n u m k M G T P E`,
//! `Ki Mi Gi Ti Pi Ei` and exponents (`1e3`, `1E-3`); values are rounded up (away from zero) to nano precision;
//! binary quantities are capped at 2^63-1; an empty sign or number means 0 (`quantity('+') == quantity('0')`).
//! Like Go's `Quantity`, a value is either a fast "int64 amount" (`value * 10^scale`) or a decimal, and
//! `as_int64` answers as Go's `AsInt64` does: only for an int64 amount whose scale is not negative, so `1000m`
//! is not an integer, as in Kubernetes. Comparison and equality are by value.
//!
//! Decimals are held as an `i128` times a power of ten: a quantity of more than 38 significant digits, or a
//! decimal one above about 10^29, is an error here ([`TOO_BIG`]) where Go's arbitrary precision would carry on.

use std::cmp::Ordering;

pub(crate) const FORMAT_WRONG: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
pub(crate) const SUFFIX: &str = "unable to parse quantity's suffix";
pub(crate) const TOO_BIG: &str = "quantity is beyond the precision this implementation keeps";

/// A Kubernetes quantity (`resource.Quantity`): `m * 10^e`, either an int64 amount (`m` fits an `i64`, `e` an `i32`) or a decimal.
#[derive(Debug, Clone)]
pub(crate) struct Quantity {
    m: i128,
    e: i64,
    dec: bool,
}

fn pow10(n: i64) -> Option<i128> {
    u32::try_from(n).ok().and_then(|n| 10i128.checked_pow(n))
}

impl Quantity {
    pub(crate) fn int(value: i64, scale: i64) -> Quantity {
        Quantity { m: i128::from(value), e: scale, dec: false }
    }

    pub(crate) fn eq_value(&self, other: &Quantity) -> bool {
        self.cmp_value(other) == Ordering::Equal
    }

    /// `m` and `e` with the trailing zeros of `m` moved into `e` (zero is `(0, 0)`).
    pub(crate) fn normalized(&self) -> (i128, i64) {
        if self.m == 0 {
            return (0, 0);
        }
        let (mut m, mut e) = (self.m, self.e);
        while m % 10 == 0 {
            m /= 10;
            e += 1;
        }
        (m, e)
    }

    pub(crate) fn sign(&self) -> i64 {
        match self.m.cmp(&0) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        }
    }

    pub(crate) fn cmp_value(&self, other: &Quantity) -> Ordering {
        let (sa, sb) = (self.sign(), other.sign());
        if sa != sb || sa == 0 {
            return sa.cmp(&sb);
        }
        let ((ma, ea), (mb, eb)) = (self.normalized(), other.normalized());
        // Scale the one with the larger exponent down to the other's; if that overflows, its magnitude is larger.
        let magnitude = if ea >= eb {
            match pow10(ea - eb).and_then(|p| ma.checked_mul(p)) {
                Some(a) => a.abs().cmp(&mb.abs()),
                None => Ordering::Greater,
            }
        } else {
            match pow10(eb - ea).and_then(|p| mb.checked_mul(p)) {
                Some(b) => ma.abs().cmp(&b.abs()),
                None => Ordering::Less,
            }
        };
        if sa < 0 { magnitude.reverse() } else { magnitude }
    }

    /// Go's `AsInt64`: only an int64 amount with a non-negative scale converts.
    pub(crate) fn as_int64(&self) -> Option<i64> {
        if self.dec || self.e < 0 {
            return None;
        }
        let m = i64::try_from(self.m).ok()?;
        if self.e == 0 {
            return Some(m);
        }
        let p = i64::try_from(pow10(self.e)?).ok()?;
        m.checked_mul(p)
    }

    /// Go's `AsApproximateFloat64`: the unscaled value times `10^scale`.
    pub(crate) fn as_approximate_float(&self) -> f64 {
        let base: f64 = self.m.to_string().parse().unwrap_or(f64::NAN);
        if self.e == 0 {
            return base;
        }
        let power: f64 = format!("1e{}", self.e).parse().unwrap_or(f64::NAN);
        base * power
    }

    /// Go's `Quantity.Add` (and `Sub`, with `other` negated): int64 amounts stay so unless the sum overflows.
    pub(crate) fn add(&self, other: &Quantity) -> Result<Quantity, &'static str> {
        if !self.dec && !other.dec {
            if other.m == 0 {
                return Ok(self.clone());
            }
            if self.m == 0 {
                return Ok(other.clone());
            }
            let (hi, lo) = if self.e >= other.e { (self, other) } else { (other, self) };
            let scaled = pow10(hi.e - lo.e)
                .and_then(|p| hi.m.checked_mul(p))
                .and_then(|m| i64::try_from(m).ok())
                .and_then(|m| m.checked_add(i64::try_from(lo.m).ok()?));
            if let Some(sum) = scaled {
                return Ok(Quantity::int(sum, lo.e));
            }
        }
        let e = self.e.min(other.e);
        let align = |q: &Quantity| pow10(q.e - e).and_then(|p| q.m.checked_mul(p));
        let sum = align(self).zip(align(other)).and_then(|(a, b)| a.checked_add(b)).ok_or(TOO_BIG)?;
        Ok(Quantity { m: sum, e, dec: true })
    }

    pub(crate) fn negated(&self) -> Quantity {
        Quantity { m: -self.m, e: self.e, dec: self.dec }
    }
}

/// The base and exponent a suffix stands for, and whether it is binary; `None` for an unknown suffix.
fn interpret(suffix: &str) -> Option<(bool, i32)> {
    let decimal = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E"];
    let exponents = [0, -9, -6, -3, 3, 6, 9, 12, 15, 18];
    if let Some(i) = decimal.iter().position(|s| *s == suffix) {
        return Some((false, exponents[i]));
    }
    let binary = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    if let Some(i) = binary.iter().position(|s| *s == suffix) {
        return Some((true, 10 * (i32::try_from(i).ok()? + 1)));
    }
    let rest = suffix.strip_prefix(['e', 'E']).filter(|r| !r.is_empty())?;
    let parsed: i64 = rest.parse().ok()?;
    // Go truncates the exponent to an int32.
    let low = parsed.rem_euclid(1 << 32);
    i32::try_from(if low >= 1 << 31 { low - (1 << 32) } else { low }).ok().map(|e| (false, e))
}

/// The parts of a quantity string, as apimachinery's `parseQuantityString` splits it.
struct Parts<'a> {
    positive: bool,
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
}

fn split(s: &str) -> Result<Parts<'_>, &'static str> {
    let b = s.as_bytes();
    let end = b.len();
    let mut pos = 0;
    let mut parts = Parts { positive: true, num: "0", denom: "", suffix: "" };
    match b.first() {
        Some(b'-') => {
            parts.positive = false;
            pos += 1;
        }
        Some(b'+') => pos += 1,
        _ => {}
    }
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    if pos >= end {
        return Ok(parts);
    }
    let start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos > start {
        parts.num = &s[start..pos];
    }
    if pos >= end {
        return Ok(parts);
    }
    if b[pos] == b'.' {
        pos += 1;
        let start = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        parts.denom = &s[start..pos];
        if pos >= end {
            return Ok(parts);
        }
    }
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&b[pos]) {
        pos += 1;
    }
    if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return Err(FORMAT_WRONG);
    }
    parts.suffix = &s[suffix_start..];
    Ok(parts)
}

/// Parses a quantity as apimachinery's `resource.ParseQuantity`.
pub(crate) fn parse(s: &str) -> Result<Quantity, &'static str> {
    if s.is_empty() {
        return Err(FORMAT_WRONG);
    }
    let parts = split(s)?;
    let (binary, exponent) = interpret(parts.suffix).ok_or(SUFFIX)?;
    let digits = parts.num.len() + parts.denom.len();
    let sign: i128 = if parts.positive { 1 } else { -1 };
    let denom_len = i64::try_from(parts.denom.len()).map_err(|_| TOO_BIG)?;
    // The fast path: an int64 amount.
    if binary {
        if parts.denom.is_empty() {
            let shift = u32::try_from(exponent).unwrap_or(0);
            let num_len = i32::try_from(parts.num.len()).unwrap_or(i32::MAX);
            let precision = 15 - num_len - exponent * 3 / 10 - 1;
            if precision >= 0
                && let Ok(value) = parts.num.parse::<i64>()
                && let Some(result) = value.checked_mul(1i64 << shift)
            {
                return Ok(Quantity::int(if parts.positive { result } else { -result }, 0));
            }
        }
    } else {
        let precision = 18 - i64::try_from(digits).unwrap_or(i64::MAX);
        let scale = i64::from(exponent) - denom_len;
        if precision >= 0 && scale >= -9 {
            let value: i64 = format!("{}{}", parts.num, parts.denom).parse().map_err(|_| TOO_BIG)?;
            return Ok(Quantity::int(if parts.positive { value } else { -value }, scale));
        }
    }
    // The slow path: an exact decimal, rounded up to nano precision, binary ones capped.
    let all = format!("{}{}", parts.num, parts.denom);
    let trimmed = all.trim_end_matches('0');
    let zeros = i64::try_from(all.len() - trimmed.len()).map_err(|_| TOO_BIG)?;
    let trimmed = trimmed.trim_start_matches('0');
    let mut m: i128 = if trimmed.is_empty() { 0 } else { trimmed.parse().map_err(|_| TOO_BIG)? };
    let mut e = zeros - denom_len;
    if binary {
        let shift = u32::try_from(exponent).map_err(|_| TOO_BIG)?;
        m = m.checked_mul(1i128 << shift).ok_or(TOO_BIG)?;
    } else {
        e += i64::from(exponent);
    }
    if m != 0 {
        if e < -9 {
            let (quotient, rest) = match pow10(-9 - e) {
                Some(power) => (m / power, m % power),
                None => (0, 1),
            };
            m = if rest == 0 { quotient } else { quotient + 1 };
        } else {
            m = pow10(e + 9).and_then(|p| m.checked_mul(p)).ok_or(TOO_BIG)?;
        }
        e = -9;
    }
    let max = i128::from(i64::MAX);
    if binary && m > 0 && pow10(-e).is_some_and(|power| m / power > max || (m / power == max && m % power != 0)) {
        m = max;
        e = 0;
    }
    Ok(Quantity { m: sign * m, e, dec: true })
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    fn value(s: &str) -> (i128, i64) {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e}")).normalized()
    }

    #[test]
    fn the_parser_reads_every_suffix_exactly() {
        assert_eq!(value("1"), (1, 0));
        assert_eq!(value("1k"), (1, 3));
        assert_eq!(value("1Ki"), (1024, 0));
        assert_eq!(value("1.5Gi"), (1_610_612_736, 0));
        assert_eq!(value("1Ei"), (1_152_921_504_606_846_976, 0));
        assert_eq!(value("500m"), (5, -1));
        assert_eq!(value("100n"), (1, -7));
        assert_eq!(value("3u"), (3, -6));
        assert_eq!(value("2M"), (2, 6));
        assert_eq!(value("1G"), (1, 9));
        assert_eq!(value("1T"), (1, 12));
        assert_eq!(value("1P"), (1, 15));
        assert_eq!(value("1E"), (1, 18));
        assert_eq!(value("1e3"), (1, 3));
        assert_eq!(value("1E-3"), (1, -3));
        assert_eq!(value("1.5e+2"), (15, 1));
        assert_eq!(value("-0.5"), (-5, -1));
        assert_eq!(value("+007"), (7, 0));
        assert_eq!(value(".5"), (5, -1));
        assert_eq!(value("1."), (1, 0));
        assert_eq!(value("0"), (0, 0));
        assert_eq!(value("-"), (0, 0), "Go's parser reads a lone sign as zero");
        assert_eq!(value("Ki"), (0, 0), "and a missing number too");
        assert_eq!(value("123456789012345678901234"), (123_456_789_012_345_678_901_234, 0));
    }

    #[test]
    fn the_parser_rounds_up_to_nano_and_caps_binary_values() {
        assert_eq!(value("1.5n"), (2, -9));
        assert_eq!(value("-1.5n"), (-2, -9));
        assert_eq!(value("0.1n"), (1, -9));
        assert_eq!(value("1e-100"), (1, -9));
        assert_eq!(value("8Ei"), (i128::from(i64::MAX), 0));
        assert_eq!(value("-8Ei"), (-i128::from(i64::MAX), 0));
        assert_eq!(value("0.5Ki"), (512, 0));
    }

    #[test]
    fn the_parser_rejects_what_go_rejects() {
        for bad in ["", "1Xi", "1KiB", "1iK", "abc", "1.2.3", "1e", "1m5", "1ee3", "1e+", " 1", "1 ", "1k1"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse("1Xi").err(), Some(FORMAT_WRONG));
        assert_eq!(parse("1iK").err(), Some(SUFFIX));
    }
}
