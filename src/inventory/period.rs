//! Rotation periods: `90d`, `12w`, `1y`, `monthly`, `quarterly`, `yearly`.
//!
//! Months are deliberately not a unit: "3m" reads as minutes to some and
//! months to others, and calendar months differ in length. Named periods map
//! to the number of days an auditor would count.

use super::model::Period;

pub const PERIOD_HELP: &str =
    "write a period as a number and a unit, e.g. `90d`, `12w`, `1y`, or `monthly`, `quarterly`, `yearly`";

/// Unicode `White_Space` (what `str::trim` removes), as regex escapes both
/// ECMA-262 (editors) and Rust's regex read the same way.
macro_rules! white_space {
    () => {
        r"[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*"
    };
}

/// The JSON Schema pattern of a period: exactly the texts [`parse_period`]
/// accepts. Around the period, the Unicode white space `str::trim` removes;
/// a named period; or a number (leading zeros allowed) and its unit, from 1
/// day to 100 years: 1–36500 `d`, 1–5214 `w`, 1–100 `y`. A test checks the
/// two agree on every number up to 40000 of each unit.
pub const PERIOD_PATTERN: &str = concat!(
    "^",
    white_space!(),
    "(daily|weekly|monthly|quarterly|yearly|annually",
    "|0*([1-9][0-9]{0,3}|[12][0-9]{4}|3[0-5][0-9]{3}|36[0-4][0-9]{2}|36500)d",
    "|0*([1-9][0-9]{0,2}|[1-4][0-9]{3}|5[01][0-9]{2}|520[0-9]|521[0-4])w",
    "|0*([1-9][0-9]?|100)y)",
    white_space!(),
    "$"
);

pub fn parse_period(text: &str) -> Result<Period, String> {
    let trimmed = text.trim();
    let named = match trimmed {
        "daily" => Some(1),
        "weekly" => Some(7),
        "monthly" => Some(30),
        "quarterly" => Some(90),
        "yearly" | "annually" => Some(365),
        _ => None,
    };
    let days = match named {
        Some(days) => days,
        None => {
            let split = trimmed
                .find(|c: char| !c.is_ascii_digit())
                .ok_or_else(|| format!("period `{trimmed}` has no unit"))?;
            let (number, unit) = trimmed.split_at(split);
            let number: i64 = number
                .parse()
                .map_err(|_| format!("period `{trimmed}` does not start with a number"))?;
            let factor = match unit {
                "d" => 1,
                "w" => 7,
                "y" => 365,
                other => return Err(format!("unknown period unit `{other}` in `{trimmed}`")),
            };
            number
                .checked_mul(factor)
                .filter(|d| (1..=36_500).contains(d))
                .ok_or_else(|| format!("period `{trimmed}` must be between 1 day and 100 years"))?
        }
    };
    Ok(Period {
        text: trimmed.to_owned(),
        days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_names() {
        assert_eq!(parse_period("90d").unwrap().days, 90);
        assert_eq!(parse_period("12w").unwrap().days, 84);
        assert_eq!(parse_period("1y").unwrap().days, 365);
        assert_eq!(parse_period("quarterly").unwrap().days, 90);
    }

    #[test]
    fn rejects_ambiguous_or_empty_periods() {
        assert!(parse_period("3m").unwrap_err().contains("unit `m`"));
        assert!(parse_period("90").is_err());
        assert!(parse_period("d").is_err());
        assert!(parse_period("0d").is_err());
        assert!(parse_period("99999999999999999d").is_err());
    }
}
