//! Amounts as people write them: `0.5` ROSE ⇄ 500000000000000000 wei, and token units with any
//! number of decimals. Parsing is exact (integer arithmetic on the digits, never a float): too
//! many decimals, a sign, an exponent or an amount above 2²⁵⁶−1 base units are errors naming
//! what is wrong.

use alloy_primitives::U256;

/// Decimals of ROSE on Sapphire (1 ROSE = 10¹⁸ wei, as ETH).
pub const ROSE_DECIMALS: u8 = 18;

/// Why an amount was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnitsError {
    /// Nothing was given.
    #[error("empty amount: give a number such as 0.5 or 100")]
    Empty,
    /// A minus sign (amounts are never negative).
    #[error("negative amount `{0}`: amounts are never negative")]
    Negative(String),
    /// More fractional digits than the unit has.
    #[error(
        "amount `{text}` has {given} decimals; this unit has {decimals} (the smallest step is 1e-{decimals})"
    )]
    TooManyDecimals {
        /// The amount as given (escaped when shown).
        text: String,
        /// Fractional digits given.
        given: usize,
        /// Decimals of the unit.
        decimals: u8,
    },
    /// Something other than digits and one decimal point.
    #[error(
        "invalid amount `{0}`: use digits with an optional decimal point, e.g. 0.5 or 100 (no sign, exponent, separators or unit)"
    )]
    Invalid(String),
    /// More than 2²⁵⁶−1 base units.
    #[error("amount `{0}` is too large (more than 2^256-1 base units)")]
    Overflow(String),
}

/// Parses a decimal amount (`100`, `0.5`, `.5`, `1.`) into base units of a unit with `decimals`
/// decimals: `parse_units("0.5", 18)` is 5·10¹⁷. Surrounding whitespace is ignored; anything
/// else that is not a digit or a single `.` is refused.
pub fn parse_units(text: &str, decimals: u8) -> Result<U256, UnitsError> {
    let shown = crate::text::escape(text);
    let t = text.trim();
    if t.is_empty() {
        return Err(UnitsError::Empty);
    }
    if t.starts_with('-') {
        return Err(UnitsError::Negative(shown));
    }
    let (whole, fraction) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return Err(UnitsError::Invalid(shown));
    }
    // Trailing zeros of the fraction carry no value: `1.50` is fine with 1 decimal.
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > usize::from(decimals) {
        return Err(UnitsError::TooManyDecimals { text: shown, given: fraction.len(), decimals });
    }
    let overflow = || UnitsError::Overflow(shown.clone());
    let mut value = U256::ZERO;
    let ten = U256::from(10u8);
    let padded = std::iter::repeat_n(b'0', usize::from(decimals) - fraction.len());
    for d in whole.bytes().chain(fraction.bytes()).chain(padded) {
        value =
            value.checked_mul(ten).and_then(|v| v.checked_add(U256::from(d - b'0'))).ok_or_else(overflow)?;
    }
    Ok(value)
}

/// Base units as a decimal amount with `decimals` decimals, without trailing zeros:
/// `format_units(5·10¹⁷, 18)` is `0.5`, `format_units(10¹⁸, 18)` is `1`.
pub fn format_units(amount: U256, decimals: u8) -> String {
    let digits = amount.to_string();
    let d = usize::from(decimals);
    if d == 0 {
        return digits;
    }
    let padded = format!("{digits:0>width$}", width = d + 1);
    let (whole, fraction) = padded.split_at(padded.len() - d);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() { whole.to_owned() } else { format!("{whole}.{fraction}") }
}

/// Parses an amount of ROSE (18 decimals) into wei.
pub fn parse_rose(text: &str) -> Result<U256, UnitsError> {
    parse_units(text, ROSE_DECIMALS)
}

/// An amount of ROSE as people type it (`0.5`, `100`), held exactly in base units (wei: 18
/// decimals on Sapphire). `FromStr` applies [`parse_rose`]'s rules (no sign, at most 18
/// decimals, at most 2²⁵⁶−1 wei), so a command-line parser (clap) refuses a bad amount with
/// the reason before the command runs; `Display` prints it back without trailing zeros.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoseAmount(U256);

impl RoseAmount {
    /// The amount of `wei` base units.
    pub const fn from_wei(wei: U256) -> Self {
        Self(wei)
    }

    /// The amount in wei.
    pub const fn wei(self) -> U256 {
        self.0
    }

    /// Whether the amount is zero.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
}

impl std::str::FromStr for RoseAmount {
    type Err = UnitsError;

    fn from_str(text: &str) -> Result<Self, UnitsError> {
        parse_rose(text).map(Self)
    }
}

impl std::fmt::Display for RoseAmount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_units(self.0, ROSE_DECIMALS))
    }
}

/// `part` as a percentage of `whole` with two decimals (`12.50%`); `-` when `whole` is zero.
pub fn percent(part: U256, whole: U256) -> String {
    if whole.is_zero() {
        return "-".into();
    }
    // Hundredths of a percent, rounded down; saturating keeps absurd inputs readable.
    let scaled = part.saturating_mul(U256::from(10_000u32)) / whole;
    let hundredths = scaled % U256::from(100u8);
    format!("{}.{:02}%", scaled / U256::from(100u8), hundredths.to::<u8>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wei(s: &str) -> U256 {
        s.parse().unwrap()
    }

    #[test]
    fn rose_amounts_parse_exactly() {
        assert_eq!(parse_rose("0.5"), Ok(wei("500000000000000000")));
        assert_eq!(parse_rose("100"), Ok(wei("100000000000000000000")));
        assert_eq!(parse_rose(" 1.0 "), Ok(wei("1000000000000000000")));
        assert_eq!(parse_rose(".5"), Ok(wei("500000000000000000")));
        assert_eq!(parse_rose("1."), Ok(wei("1000000000000000000")));
        assert_eq!(parse_rose("0"), Ok(U256::ZERO));
        assert_eq!(parse_rose("0.000000000000000001"), Ok(U256::from(1u8)));
        // Trailing zeros beyond the decimals carry no value.
        assert_eq!(parse_rose("0.0000000000000000010000"), Ok(U256::from(1u8)));
        assert_eq!(
            parse_units("1.5", 0),
            Err(UnitsError::TooManyDecimals { text: "1.5".into(), given: 1, decimals: 0 })
        );
        assert_eq!(parse_units("7", 0), Ok(U256::from(7u8)));
        assert_eq!(parse_units("1.25", 6), Ok(U256::from(1_250_000u32)));
    }

    #[test]
    fn bad_amounts_are_refused_with_the_reason() {
        assert_eq!(parse_rose(""), Err(UnitsError::Empty));
        assert_eq!(parse_rose("  "), Err(UnitsError::Empty));
        assert_eq!(parse_rose("-1"), Err(UnitsError::Negative("-1".into())));
        assert!(matches!(
            parse_rose("0.0000000000000000001"),
            Err(UnitsError::TooManyDecimals { given: 19, .. })
        ));
        for bad in [".", "1e18", "+1", "1,5", "1.2.3", "0x10", "1 ROSE", "½", "1_000"] {
            assert_eq!(parse_rose(bad), Err(UnitsError::Invalid(crate::text::escape(bad))), "{bad}");
        }
        // 2^256 - 1 base units is the largest amount; one more overflows.
        let max = U256::MAX.to_string();
        assert_eq!(parse_units(&max, 0), Ok(U256::MAX));
        let over = "115792089237316195423570985008687907853269984665640564039457584007913129639936";
        assert_eq!(parse_units(over, 0), Err(UnitsError::Overflow(over.into())));
        assert!(matches!(
            parse_rose("1000000000000000000000000000000000000000000000000000000000000"),
            Err(UnitsError::Overflow(_))
        ));
        // Control characters are escaped in the message.
        let err = parse_rose("1\u{1b}[31m").unwrap_err().to_string();
        assert!(!err.contains('\u{1b}'), "{err}");
    }

    #[test]
    fn amounts_format_back() {
        assert_eq!(format_units(wei("500000000000000000"), 18), "0.5");
        assert_eq!(format_units(wei("100000000000000000000"), 18), "100");
        assert_eq!(format_units(U256::from(1u8), 18), "0.000000000000000001");
        assert_eq!(format_units(U256::ZERO, 18), "0");
        assert_eq!(format_units(U256::from(1_250_000u32), 6), "1.25");
        assert_eq!(format_units(U256::from(42u8), 0), "42");
        for s in ["0.5", "123.456", "0.000000000000000001", "99999999999"] {
            assert_eq!(format_units(parse_rose(s).unwrap(), 18), s);
        }
    }

    /// `RoseAmount` parses as `parse_rose` does. Expected wei from Python's `decimal`
    /// (`int(Decimal(s) * 10**18)`, getcontext().prec = 100), not from this module.
    #[test]
    fn rose_amounts_are_typed_values() {
        let cases = [
            ("0.5", "500000000000000000"),
            ("150", "150000000000000000000"),
            ("0.000000000000000001", "1"),
            ("123456789.123456789123456789", "123456789123456789123456789"),
            (
                "115792089237316195423570985008687907853269984665640564039457.584007913129639935",
                "115792089237316195423570985008687907853269984665640564039457584007913129639935",
            ),
        ];
        for (text, wei_text) in cases {
            let amount: RoseAmount = text.parse().unwrap();
            assert_eq!(amount.wei(), wei(wei_text), "{text}");
            assert_eq!(amount.to_string(), text);
            assert_eq!(RoseAmount::from_wei(wei(wei_text)), amount);
        }
        assert!("0".parse::<RoseAmount>().unwrap().is_zero());
        // One wei above 2^256-1.
        let over = "115792089237316195423570985008687907853269984665640564039457.584007913129639936";
        assert_eq!(over.parse::<RoseAmount>(), Err(UnitsError::Overflow(over.into())));
        assert_eq!("-0.5".parse::<RoseAmount>(), Err(UnitsError::Negative("-0.5".into())));
        let err = "1.0000000000000000001".parse::<RoseAmount>().unwrap_err();
        assert_eq!(
            err,
            UnitsError::TooManyDecimals { text: "1.0000000000000000001".into(), given: 19, decimals: 18 }
        );
        assert!(err.to_string().contains("has 19 decimals; this unit has 18"), "{err}");
        assert_eq!("1.2.3".parse::<RoseAmount>(), Err(UnitsError::Invalid("1.2.3".into())));
    }

    #[test]
    fn percentages_have_two_decimals() {
        assert_eq!(percent(U256::from(1u8), U256::from(8u8)), "12.50%");
        assert_eq!(percent(U256::from(1u8), U256::from(3u8)), "33.33%");
        assert_eq!(percent(U256::from(5u8), U256::from(5u8)), "100.00%");
        assert_eq!(percent(U256::ZERO, U256::from(5u8)), "0.00%");
        assert_eq!(percent(U256::from(5u8), U256::ZERO), "-");
    }
}
