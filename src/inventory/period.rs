//! Rotation periods: `90d`, `12w`, `1y`, `monthly`, `quarterly`, `yearly`.
//!
//! Months are deliberately not a unit: "3m" reads as minutes to some and
//! months to others, and calendar months differ in length. Named periods map
//! to the number of days an auditor would count.

use super::model::Period;

pub const PERIOD_HELP: &str =
    "write a period as a number and a unit, e.g. `90d`, `12w`, `1y`, or `monthly`, `quarterly`, `yearly`";

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
