//! The UI's message catalog: every string a page or an error shows, in Simplified
//! Chinese (the default) and English. One table, so a missing translation cannot exist.

use std::collections::HashMap;
use std::sync::LazyLock;

pub use qiaolian_core::account::Locale;

tokio::task_local! {
    /// The locale of the request being handled, for errors rendered far from it.
    pub static LOCALE: Locale;
}

pub fn current() -> Locale {
    LOCALE.try_with(|l| *l).unwrap_or(Locale::ZhCn)
}

/// One language's catalog, as its data file says: `key = text` lines, `#` comments,
/// `\\n` for a line break inside a text.
fn parse(file: &'static str) -> Vec<(&'static str, String)> {
    // Lines are not trimmed: a text may end in a space that a sentence after it needs.
    file.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), unescape(v)))
        .collect()
}

fn unescape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            (c, false) => out.push(c),
        }
    }
    out
}

const ZH_CN: &str = include_str!("../messages/zh-CN.txt");
const EN: &str = include_str!("../messages/en.txt");

/// Both catalogs by key. The texts live as long as the process, like the files they
/// are read from.
static INDEX: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> = LazyLock::new(|| {
    let en: HashMap<&str, String> = parse(EN).into_iter().collect();
    parse(ZH_CN)
        .into_iter()
        .filter_map(|(k, zh)| {
            let en = en.get(k)?.clone();
            Some((k, (&*zh.leak(), &*en.leak())))
        })
        .collect()
});

/// The message for `key`; an unknown key shows itself, which tests catch.
pub fn t(locale: Locale, key: &str) -> &'static str {
    match (INDEX.get(key), locale) {
        (Some((zh, _)), Locale::ZhCn) => zh,
        (Some((_, en)), Locale::En) => en,
        (None, _) => {
            tracing::error!(key, "missing catalog key");
            "?"
        }
    }
}

/// `t` with `{n}` replaced.
pub fn tn(locale: Locale, key: &str, n: impl std::fmt::Display) -> String {
    t(locale, key).replace("{n}", &n.to_string())
}

pub fn has(key: &str) -> bool {
    INDEX.contains_key(key)
}

/// `t` with named placeholders (`{d}`, `{p}` …) replaced.
pub fn tv(locale: Locale, key: &str, vars: &[(&str, String)]) -> String {
    vars.iter().fold(t(locale, key).to_owned(), |s, (k, v)| {
        s.replace(&format!("{{{k}}}"), v)
    })
}

/// A limit as readers write it: whole ten-thousands as 万 in Chinese (20 万), thousands
/// separated in English (200,000), small numbers as they are.
pub fn count(locale: Locale, n: usize) -> String {
    if n < 10_000 {
        return n.to_string();
    }
    match locale {
        Locale::ZhCn if n.is_multiple_of(10_000) => format!("{} 万", n / 10_000),
        Locale::ZhCn => n.to_string(),
        Locale::En => qiaolian_core::money::group_thousands(&n.to_string()),
    }
}

/// `tn` with a limit as [`count`] writes it: "最多 20 万行", not "最多 20 万 行".
pub fn tn_count(locale: Locale, key: &str, n: usize) -> String {
    let shown = count(locale, n);
    let text = t(locale, key);
    match shown.strip_suffix(" 万") {
        Some(wan) => text.replace("{n} ", &format!("{wan} 万")),
        None => text.replace("{n}", &shown),
    }
}

/// The message for a field error.
pub fn field_message(locale: Locale, e: &qiaolian_core::FieldError) -> String {
    let key = format!("err.{}", e.code);
    match e.limit {
        Some(n) => tn_count(locale, &key, n),
        None => t(locale, &key).to_owned(),
    }
}

/// The best UI language for an `Accept-Language` header: English only when it comes
/// before any Chinese.
pub fn from_accept_language(header: &str) -> Option<Locale> {
    header.split(',').find_map(|part| {
        let tag = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Locale::ZhCn)
        } else if tag.starts_with("en") {
            Some(Locale::En)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_as_readers_write_them() {
        assert_eq!(count(Locale::ZhCn, 200_000), "20 万");
        assert_eq!(count(Locale::ZhCn, 12_345), "12345");
        assert_eq!(count(Locale::ZhCn, 3), "3");
        assert_eq!(count(Locale::En, 200_000), "200,000");
        assert_eq!(count(Locale::En, 1_234_567), "1,234,567");
        assert_eq!(count(Locale::En, 9_999), "9999");
        assert_eq!(
            tn_count(Locale::ZhCn, "export.button_hint", 200_000),
            "按当前筛选条件导出全部记录（最多 20 万行）"
        );
        assert_eq!(
            tn_count(Locale::ZhCn, "err.export_too_large", 3),
            "一次最多导出 3 行，请先缩小筛选范围"
        );
    }

    #[test]
    fn keys_are_unique_and_translated() {
        for (name, file, other) in [("zh-CN", ZH_CN, EN), ("en", EN, ZH_CN)] {
            let mut seen = std::collections::HashSet::new();
            let theirs: std::collections::HashSet<&str> =
                parse(other).into_iter().map(|(k, _)| k).collect();
            for line in file
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            {
                assert!(line.contains(" = "), "{name}: not `key = text`: {line}");
            }
            for (k, text) in parse(file) {
                assert!(seen.insert(k), "{name}: duplicate key {k}");
                assert!(!text.trim().is_empty(), "{name}: empty text for {k}");
                assert!(
                    theirs.contains(k),
                    "{name} has {k}, the other language has not"
                );
            }
        }
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        source_files(&root.join("templates"), &mut files);
        source_files(&root.join("src"), &mut files);
        assert!(files.len() > 20, "templates and sources were not found");
        let re_like = ["t(\"", "tn(\""];
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for pat in re_like {
                for (i, _) in text.match_indices(pat) {
                    // `format("` also ends in `t("`: only whole words count.
                    if text[..i]
                        .chars()
                        .last()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    {
                        continue;
                    }
                    let rest = &text[i + pat.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    if key.contains('{') || key.is_empty() || key.ends_with('.') {
                        continue;
                    }
                    assert!(has(key), "{}: unknown catalog key {key}", f.display());
                }
            }
        }
    }

    /// Rust sources and templates below `dir`.
    fn source_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                source_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
                out.push(p);
            }
        }
    }

    #[test]
    fn every_field_error_code_of_core_has_a_message() {
        let mut files = Vec::new();
        source_files(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../core/src")),
            &mut files,
        );
        for f in files {
            let text = std::fs::read_to_string(f).unwrap();
            for pat in ["FieldError::new(\"", ".add(\"", "Error::field(\""] {
                for (i, _) in text.match_indices(pat) {
                    let rest = &text[i + pat.len()..];
                    let mut parts = rest.split('"');
                    let first = parts.next().unwrap();
                    // `.add("field", "code")` and `Error::field("field", "code")` name the field first.
                    let code = if pat == "FieldError::new(\"" {
                        first
                    } else {
                        parts.nth(1).unwrap_or(first)
                    };
                    assert!(
                        has(&format!("err.{code}")),
                        "no message for error code {code}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_value_shown_through_a_label_prefix_has_a_message() {
        use qiaolian_core::{account, agreement, org, plan, supervision, task};
        let mut keys: Vec<String> = Vec::new();
        keys.extend(org::OrgKind::ALL.iter().map(|v| format!("kind.{v}")));
        keys.extend(org::OrgLevel::ALL.iter().map(|v| format!("level.{v}")));
        keys.extend(account::Role::ALL.iter().map(|v| format!("role.{v}")));
        keys.extend(account::Locale::ALL.iter().map(|v| format!("lang.{v}")));
        keys.extend(
            agreement::AgreementKind::ALL
                .iter()
                .map(|v| format!("agreement_kind.{v}")),
        );
        keys.extend(
            agreement::AgreementStatus::ALL
                .iter()
                .map(|v| format!("agreement_status.{v}")),
        );
        keys.extend(
            agreement::PartyRole::ALL
                .iter()
                .map(|v| format!("party_role.{v}")),
        );
        keys.extend(
            plan::PlanStatus::ALL
                .iter()
                .map(|v| format!("plan_status.{v}")),
        );
        keys.extend(
            supervision::Cadence::ALL
                .iter()
                .map(|v| format!("cadence.{v}")),
        );
        keys.extend(
            supervision::Colour::ALL
                .iter()
                .map(|v| format!("colour.{v}")),
        );
        keys.extend(supervision::Colour::ALL.iter().map(|v| format!("why.{v}")));
        keys.extend(task::TaskStatus::ALL.iter().map(|v| format!("status.{v}")));
        keys.extend(task::Step::ALL.iter().map(|v| format!("step.{v}")));
        keys.extend(task::Step::ALL.iter().map(|v| format!("event.{v}")));
        keys.extend(
            qiaolian_core::pairing::PairingLevel::ALL
                .iter()
                .map(|v| format!("pairing_level.{v}")),
        );
        keys.extend(
            qiaolian_core::pairing::PairingStatus::ALL
                .iter()
                .map(|v| format!("pairing_status.{v}")),
        );
        keys.extend(
            qiaolian_core::meeting::ResolutionStatus::ALL
                .iter()
                .map(|v| format!("resolution_status.{v}")),
        );
        keys.extend(
            qiaolian_core::project::ProjectStatus::ALL
                .iter()
                .map(|v| format!("project_status.{v}")),
        );
        keys.extend(
            qiaolian_core::project::LandingBy::ALL
                .iter()
                .map(|v| format!("landing_by.{v}")),
        );
        keys.extend(
            qiaolian_core::exchange::ExchangeKind::ALL
                .iter()
                .map(|v| format!("exchange_kind.{v}")),
        );
        keys.extend(
            qiaolian_core::talent::TalentLevel::ALL
                .iter()
                .map(|v| format!("talent_level.{v}")),
        );
        keys.extend(
            qiaolian_core::article::Language::ALL
                .iter()
                .map(|v| format!("language.{v}")),
        );
        keys.extend(
            qiaolian_core::donation::DonationStatus::ALL
                .iter()
                .map(|v| format!("donation_status.{v}")),
        );
        keys.extend(
            qiaolian_core::donation::DonationForm::ALL
                .iter()
                .map(|v| format!("donation_form.{v}")),
        );
        keys.extend(
            qiaolian_core::person::Category::ALL
                .iter()
                .map(|v| format!("person_category.{v}")),
        );
        keys.extend(
            qiaolian_core::person::Sharing::ALL
                .iter()
                .map(|v| format!("sharing.{v}")),
        );
        keys.extend(
            qiaolian_core::person::LegalBasis::ALL
                .iter()
                .map(|v| format!("legal_basis.{v}")),
        );
        keys.extend(
            qiaolian_core::person::Gender::ALL
                .iter()
                .map(|v| format!("gender.{v}")),
        );
        keys.extend(
            qiaolian_core::person::ContactKind::ALL
                .iter()
                .map(|v| format!("contact_kind.{v}")),
        );
        keys.extend(
            qiaolian_core::audit::AuditAction::ALL
                .iter()
                .map(|v| format!("audit_action.{v}")),
        );
        keys.extend(
            qiaolian_core::timeline::TimelineKind::ALL
                .iter()
                .map(|v| format!("timeline_kind.{v}")),
        );
        for k in [
            "event.created",
            "event.edited",
            "event.report",
            "event.comment",
            "event.carried_forward",
            "event.closed_by_revision",
        ] {
            keys.push(k.into());
        }
        for k in keys {
            assert!(has(&k), "no message for {k}");
        }
    }

    #[test]
    fn accept_language_prefers_the_first_known_language() {
        assert_eq!(
            from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(from_accept_language("zh-TW,en;q=0.5"), Some(Locale::ZhCn));
        assert_eq!(from_accept_language("fr"), None);
    }
}
