//! Parsing of free text from forms and JSON: trimmed, bounded, never empty when required.

use pinyin::ToPinyin;

use crate::error::FieldError;

/// Short texts: names, titles, phones.
pub const SHORT: usize = 200;
/// Long texts: notes, addresses, descriptions.
pub const LONG: usize = 10_000;

/// A required text of at most `max` characters, trimmed.
pub fn required(s: &str, max: usize) -> Result<String, FieldError> {
    match optional(s, max)? {
        Some(v) => Ok(v),
        None => Err(FieldError::new("required")),
    }
}

/// An optional text: blank becomes `None`; control characters other than line breaks
/// and tabs are refused because they only ever arrive by mistake or malice.
pub fn optional(s: &str, max: usize) -> Result<Option<String>, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > max {
        return Err(FieldError::too_long(max));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new("control_chars"));
    }
    Ok(Some(t.to_owned()))
}

/// A phone number: digits with optional `+`, spaces, dashes and parentheses;
/// international formats are welcome, letters are not.
pub fn phone(s: &str) -> Result<Option<String>, FieldError> {
    let Some(t) = optional(s, 40)? else {
        return Ok(None);
    };
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let ok = t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
    if !ok || !(5..=20).contains(&digits) || t[1..].contains('+') {
        return Err(FieldError::new("bad_phone"));
    }
    Ok(Some(t))
}

/// A date as typed (`YYYY-MM-DD`); blank is `None`.
pub fn date(s: &str) -> Result<Option<chrono::NaiveDate>, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| FieldError::new("bad_date"))
}

/// A value as a URL's query carries it: unreserved characters as they are, every other
/// byte percent-encoded.
pub fn url_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The days a dated list covers: those of `year` (if given) from `from` to `to` (each
/// `YYYY-MM-DD`, either open). A year and a range that do not meet cover no day, which
/// lists as nothing; a `to` before its `from` is a mistake and a field error.
pub fn period(
    check: &mut crate::error::Check,
    year: Option<i32>,
    from: Option<&str>,
    to: Option<&str>,
) -> (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>) {
    use chrono::NaiveDate;
    let year = year.filter(|y| {
        let ok = (1900..=2200).contains(y);
        if !ok {
            check.add("year", "unknown_value");
        }
        ok
    });
    let from = check.take("from", date(from.unwrap_or(""))).flatten();
    let to = check.take("to", date(to.unwrap_or(""))).flatten();
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        check.add("to", "before_from");
    }
    let start = year.and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1));
    let end = year.and_then(|y| NaiveDate::from_ymd_opt(y, 12, 31));
    (start.max(from), [end, to].into_iter().flatten().min())
}

/// The day of a recorded step (a project's or a donation's): today when left blank,
/// never in the future, never before the record began (`too_early` names why).
pub fn step_day(
    check: &mut crate::error::Check,
    field: &'static str,
    typed: &str,
    began: chrono::NaiveDate,
    too_early: &'static str,
) -> Option<chrono::NaiveDate> {
    let today = crate::settings::today();
    let day = check.take(field, date(typed)).map(|d| d.unwrap_or(today));
    if day.is_some_and(|d| d > today) {
        check.add(field, "date_in_future");
    }
    if day.is_some_and(|d| d < began) {
        check.add(field, too_early);
    }
    day
}

/// A number from a query string, where a blank field means no filter.
pub fn blank_as_none<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    match <Option<String> as serde::Deserialize>::deserialize(d)?
        .as_deref()
        .map(str::trim)
    {
        None | Some("") => Ok(None),
        Some(s) => s.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// Traditional → simplified, one character at a time (OpenCC's character table).
static T2S: std::sync::LazyLock<std::collections::HashMap<char, char>> =
    std::sync::LazyLock::new(|| {
        include_str!("../../data/t2s.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (t, s) = l.split_once('\t')?;
                Some((t.chars().next()?, s.chars().next()?))
            })
            .collect()
    });

/// Text folded for matching: simplified characters, half-width letters and digits,
/// lowercase — so 重慶 meets 重庆 and ＡＢＣ meets abc.
pub fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => T2S.get(&c).copied().unwrap_or(c),
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// A name folded for matching: no spaces or dots, lowercase, half-width, simplified,
/// so `Li Ming`, `LI MING` and `ＬＩ　Ｍｉｎｇ` are one key, and 陳志明 and 陈志明.
pub fn fold_name(name: &str) -> String {
    fold(name)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '.' | '•' | '・'))
        .collect()
}

/// Pinyin of a name, syllables apart, lowercase; other characters kept as they are.
pub fn pinyin_of(name: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    for (c, p) in name.chars().zip(name.to_pinyin()) {
        match p {
            Some(p) => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                out.push(p.plain().to_owned());
            }
            None if c.is_alphanumeric() => word.extend(c.to_lowercase()),
            None => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_required_text_is_refused() {
        assert_eq!(required("  ", 10), Err(FieldError::new("required")));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(required("重庆市侨联", 5).as_deref(), Ok("重庆市侨联"));
        assert_eq!(required("重庆市侨联会", 5), Err(FieldError::too_long(5)));
    }

    #[test]
    fn control_characters_are_refused() {
        assert_eq!(
            optional("a\u{0}b", 10),
            Err(FieldError::new("control_chars"))
        );
        assert_eq!(optional("a\nb", 10), Ok(Some("a\nb".into())));
    }

    #[test]
    fn phones_allow_international_formats_only() {
        assert_eq!(
            phone("+86 23 6385-1234").unwrap_or_default().as_deref(),
            Some("+86 23 6385-1234")
        );
        assert!(phone("023-63851234").is_ok());
        assert_eq!(phone("call me"), Err(FieldError::new("bad_phone")));
        assert_eq!(phone("12+34567"), Err(FieldError::new("bad_phone")));
        assert_eq!(phone(""), Ok(None));
    }

    #[test]
    fn folding_meets_simplified_traditional_and_full_width() {
        assert_eq!(fold("重慶市僑聯"), "重庆市侨联");
        assert_eq!(fold("ＣＨＥＮ　陳"), "chen 陈");
        assert_eq!(fold("重庆"), "重庆", "simplified text is left alone");
    }
}
