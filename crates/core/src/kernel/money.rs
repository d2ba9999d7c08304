//! Money: integer fen (分) everywhere, parsed from yuan as typed and shown in the
//! units clerks read — 元, 万元, 亿元.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// An amount in fen; never negative once parsed from input.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    sqlx::Type,
    utoipa::ToSchema,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct Fen(pub i64);

/// The largest amount accepted: 10^16 fen, a hundred trillion yuan.
const MAX_FEN: i64 = 10_000_000_000_000_000;

impl Fen {
    /// Parses yuan as typed: digits, an optional point and at most two decimals;
    /// thousands separators (, or ，) and surrounding spaces are allowed.
    pub fn parse_yuan(s: &str) -> Result<Fen, FieldError> {
        let t: String = s
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        if t.is_empty() {
            return Err(FieldError::new("required"));
        }
        if t.starts_with('-') {
            return Err(FieldError::new("negative_amount"));
        }
        let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(FieldError::new("bad_amount"));
        }
        if frac.len() > 2 {
            return Err(FieldError::new("too_many_decimals"));
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole
                .parse()
                .map_err(|_| FieldError::new("amount_too_large"))?
        };
        let frac: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
        let fen = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or(FieldError::new("amount_too_large"))?;
        if fen > MAX_FEN {
            return Err(FieldError::new("amount_too_large"));
        }
        Ok(Fen(fen))
    }

    /// Plain yuan with two decimals, e.g. `1234.50`: the form value and exports.
    pub fn yuan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", a / 100, a % 100)
    }

    /// For reading: 亿元 from a hundred million yuan, 万元 from ten thousand, else 元;
    /// two decimals, trailing zeros dropped.
    pub fn display_zh(self) -> String {
        let yuan = self.0 as f64 / 100.0;
        let (value, unit) = if yuan.abs() >= 1e8 {
            (yuan / 1e8, "亿元")
        } else if yuan.abs() >= 1e4 {
            (yuan / 1e4, "万元")
        } else {
            (yuan, "元")
        };
        let s = format!("{value:.2}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        format!("{s} {unit}")
    }
}

impl Fen {
    /// For English readers: billion, million or plain yuan.
    pub fn display_en(self) -> String {
        let yuan = self.0 as f64 / 100.0;
        let (value, unit) = if yuan.abs() >= 1e9 {
            (yuan / 1e9, " billion yuan")
        } else if yuan.abs() >= 1e6 {
            (yuan / 1e6, " million yuan")
        } else {
            (yuan, " yuan")
        };
        let s = format!("{value:.2}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        // Below a million the figure is written out, grouped by thousands: 200,000 yuan.
        format!("{}{unit}", group_thousands(s))
    }

    /// Yuan with two decimals grouped by thousands, e.g. `1,234,567.50`: the figure
    /// receipts and ledgers print beside the words.
    pub fn figures(self) -> String {
        group_thousands(&self.yuan())
    }
}

/// A decimal number with its whole part grouped by thousands: `-1234567.5` →
/// `-1,234,567.5`.
pub fn group_thousands(number: &str) -> String {
    let (int, frac) = number
        .split_once('.')
        .map_or((number, None), |(i, f)| (i, Some(f)));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::with_capacity(number.len() + digits.len() / 3);
    grouped.push_str(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if let Some(f) = frac {
        grouped.push('.');
        grouped.push_str(f);
    }
    grouped
}

/// Chinese numerals as written on receipts and cheques (大写).
const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];

/// 1–9999 in 大写, with 零 for every run of zeros between digits.
fn upper_below_10k(n: u64) -> String {
    let mut s = String::new();
    let mut zero = false;
    for (unit, div) in [("仟", 1000), ("佰", 100), ("拾", 10), ("", 1)] {
        let d = (n / div % 10) as usize;
        if d == 0 {
            zero = !s.is_empty();
        } else {
            if zero {
                s.push('零');
                zero = false;
            }
            s.push(DIGITS[d]);
            s.push_str(unit);
        }
    }
    s
}

/// A whole number of yuan above 0 in 大写: groups of four digits under 万 and 亿.
fn upper_whole(n: u64) -> String {
    let (high, rest, unit, gap) = if n >= 100_000_000 {
        (n / 100_000_000, n % 100_000_000, "亿", 10_000_000)
    } else if n >= 10_000 {
        (n / 10_000, n % 10_000, "万", 1000)
    } else {
        return upper_below_10k(n);
    };
    let mut s = upper_whole(high) + unit;
    if rest > 0 {
        // 壹万零伍拾: a missing leading digit of the lower group is read as 零.
        if rest < gap {
            s.push('零');
        }
        s.push_str(&upper_whole(rest));
    }
    s
}

impl Fen {
    /// The amount in Chinese uppercase as receipts write it (大写), e.g. 12,345.60 →
    /// 壹万贰仟叁佰肆拾伍元陆角整: 整 when there are no fen, 零 for skipped places.
    pub fn upper_zh(self) -> String {
        let sign = if self.0 < 0 { "负" } else { "" };
        let a = self.0.unsigned_abs();
        let (yuan, jiao, fen) = (a / 100, (a / 10 % 10) as usize, (a % 10) as usize);
        let mut s = sign.to_owned();
        if yuan > 0 {
            s.push_str(&upper_whole(yuan));
            s.push('元');
        }
        if jiao > 0 {
            s.push(DIGITS[jiao]);
            s.push('角');
        } else if yuan > 0 && fen > 0 {
            s.push('零');
        }
        if fen > 0 {
            s.push(DIGITS[fen]);
            s.push('分');
        } else if yuan > 0 || jiao > 0 {
            s.push('整');
        } else {
            s.push_str("零元整");
        }
        s
    }
}

impl std::ops::Add for Fen {
    type Output = Fen;
    fn add(self, o: Fen) -> Fen {
        Fen(self.0.saturating_add(o.0))
    }
}

impl std::iter::Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        iter.fold(Fen(0), |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn figures_group_thousands() {
        assert_eq!(Fen(1_234_560).figures(), "12,345.60");
        assert_eq!(Fen(2_247_000_000).figures(), "22,470,000.00");
        assert_eq!(Fen(5).figures(), "0.05");
        assert_eq!(Fen(-100_000).figures(), "-1,000.00");
        assert_eq!(group_thousands("1234567"), "1,234,567");
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn yuan_as_typed_becomes_fen() {
        assert_eq!(Fen::parse_yuan("1234.5"), Ok(Fen(123_450)));
        assert_eq!(Fen::parse_yuan(" 3,000,000,000 "), Ok(Fen(300_000_000_000)));
        assert_eq!(Fen::parse_yuan("0.07"), Ok(Fen(7)));
        assert_eq!(Fen::parse_yuan(".5"), Ok(Fen(50)));
        assert_eq!(
            Fen::parse_yuan("-1"),
            Err(FieldError::new("negative_amount"))
        );
        assert_eq!(
            Fen::parse_yuan("12.345"),
            Err(FieldError::new("too_many_decimals"))
        );
        assert_eq!(Fen::parse_yuan("三百"), Err(FieldError::new("bad_amount")));
        assert_eq!(Fen::parse_yuan("1e5"), Err(FieldError::new("bad_amount")));
        assert_eq!(Fen::parse_yuan("."), Err(FieldError::new("bad_amount")));
        assert_eq!(Fen::parse_yuan(""), Err(FieldError::new("required")));
        assert_eq!(
            Fen::parse_yuan("99999999999999999999"),
            Err(FieldError::new("amount_too_large"))
        );
    }

    #[test]
    fn amounts_read_in_wan_and_yi() {
        assert_eq!(Fen(3_000_000_000_000).display_zh(), "300 亿元");
        assert_eq!(Fen(2_247_000_000).display_zh(), "2247 万元");
        assert_eq!(Fen(1_234_567).display_zh(), "1.23 万元");
        assert_eq!(Fen(9_999).display_zh(), "99.99 元");
        assert_eq!(Fen(0).display_zh(), "0 元");
        assert_eq!(Fen(3_000_000_000_000).display_en(), "30 billion yuan");
        assert_eq!(Fen(2_247_000_000).display_en(), "22.47 million yuan");
        assert_eq!(Fen(20_000_000).display_en(), "200,000 yuan");
        assert_eq!(Fen(-123_456).display_en(), "-1,234.56 yuan");
    }

    #[test]
    fn uppercase_amounts_follow_the_receipt_rules() {
        let up = |s: &str| Fen::parse_yuan(s).map(Fen::upper_zh);
        assert_eq!(up("12345.60"), Ok("壹万贰仟叁佰肆拾伍元陆角整".into()));
        assert_eq!(up("0"), Ok("零元整".into()));
        assert_eq!(up("10"), Ok("壹拾元整".into()));
        assert_eq!(up("100.05"), Ok("壹佰元零伍分".into()));
        assert_eq!(up("100000000"), Ok("壹亿元整".into()));
        assert_eq!(up("22470000.00"), Ok("贰仟贰佰肆拾柒万元整".into()));
        assert_eq!(up("0.05"), Ok("伍分".into()));
        assert_eq!(up("0.5"), Ok("伍角整".into()));
        assert_eq!(up("1.23"), Ok("壹元贰角叁分".into()));
        assert_eq!(up("1005"), Ok("壹仟零伍元整".into()));
        assert_eq!(up("1010"), Ok("壹仟零壹拾元整".into()));
        assert_eq!(up("10050"), Ok("壹万零伍拾元整".into()));
        assert_eq!(up("1001000"), Ok("壹佰万壹仟元整".into()));
        assert_eq!(up("100010000"), Ok("壹亿零壹万元整".into()));
        assert_eq!(up("101000000"), Ok("壹亿零壹佰万元整".into()));
        assert_eq!(up("1000000000000"), Ok("壹万亿元整".into()));
        assert_eq!(
            up("123400005678.9"),
            Ok("壹仟贰佰叁拾肆亿零伍仟陆佰柒拾捌元玖角整".into())
        );
    }

    proptest! {
        #[test]
        fn printed_yuan_parses_back_to_the_same_fen(fen in 0i64..MAX_FEN) {
            prop_assert_eq!(Fen::parse_yuan(&Fen(fen).yuan()), Ok(Fen(fen)));
        }

        #[test]
        fn sums_do_not_depend_on_order(mut xs in proptest::collection::vec(0i64..1_000_000_000_000, 0..20)) {
            let a: Fen = xs.iter().map(|x| Fen(*x)).sum();
            xs.reverse();
            let b: Fen = xs.iter().map(|x| Fen(*x)).sum();
            prop_assert_eq!(a, b);
        }
    }
}
