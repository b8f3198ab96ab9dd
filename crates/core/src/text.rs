//! Text from outside (metadata keys and values, secret names, release notes, proposal titles,
//! Governor descriptions, method names read from CBOR) is hostile until escaped.
//!
//! [`escape`] renders any string so that a terminal shows every character for what it is:
//! control characters, terminal escape sequences, line breaks, bidirectional overrides and
//! zero-width or other format characters become visible `\u{…}` escapes, so a string cannot
//! rewrite the lines around it. [`key_hazards`] says why a key (metadata key, secret name) is
//! dangerous to show to a signer at all: the same characters, or letters of several scripts that
//! let it pass for another key.
//!
//! The refused code points are the fixed list of `docs/text-rules.md`, the list the policy
//! contract enforces, so both sides agree whatever Unicode version a library ships.

use std::fmt::Write as _;

/// Code points (inclusive ranges) that are controls, line or paragraph separators, or Unicode
/// format (Cf) characters: `docs/text-rules.md`, mirrored from `contracts/libraries/Utf8Text.sol`.
const HIDDEN_RANGES: &[(u32, u32)] = &[
    (0x0000, 0x001F),
    (0x007F, 0x009F),
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// Whether `c` is a control, separator or format character (invisible, or able to move or
/// reorder what a terminal shows).
pub fn is_hidden(c: char) -> bool {
    let code = c as u32;
    HIDDEN_RANGES.iter().any(|(low, high)| (*low..=*high).contains(&code))
}

/// `text` with every hidden character (see [`is_hidden`]) and every backslash escaped, so that
/// what a terminal shows is exactly the characters the text holds.
///
/// `\` becomes `\\` (so an escape in the text cannot pass for one of ours), `\n`, `\r` and `\t`
/// keep their usual names, and every other hidden character becomes `\u{XXXX}`.
pub fn escape(text: &str) -> String {
    if !text.chars().any(|c| c == '\\' || is_hidden(c)) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c) => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// [`escape`] of text that no hash covers, labelled so that nobody mistakes it for checked data.
pub fn unverified(text: &str) -> String {
    format!("{} (unverified: no hash covers this text)", escape(text))
}

/// The writing systems [`key_hazards`] tells apart. Digits, punctuation and symbols belong to
/// none (they mix freely).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Cherokee,
    FullwidthLatin,
    Other,
}

fn script_of(c: char) -> Option<Script> {
    let code = c as u32;
    if !c.is_alphabetic() {
        return None;
    }
    Some(match code {
        0x0041..=0x005A | 0x0061..=0x007A | 0x00C0..=0x024F | 0x1E00..=0x1EFF => Script::Latin,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x0530..=0x058F => Script::Armenian,
        0x13A0..=0x13FF | 0xAB70..=0xABBF => Script::Cherokee,
        0xFF21..=0xFF3A | 0xFF41..=0xFF5A => Script::FullwidthLatin,
        _ => Script::Other,
    })
}

/// Letters of other scripts that look like ASCII letters: the part of Unicode's confusables
/// table a key is most likely to be forged with.
fn ascii_lookalike(c: char) -> Option<char> {
    let code = c as u32;
    if (0xFF01..=0xFF5E).contains(&code) {
        // Fullwidth forms of ASCII.
        return char::from_u32(code - 0xFF01 + 0x21);
    }
    Some(match c {
        'а' => 'a',
        'е' => 'e',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'у' => 'y',
        'х' => 'x',
        'і' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'һ' => 'h',
        'ӏ' => 'l',
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'Х' => 'X',
        'І' => 'I',
        'Ј' => 'J',
        'Ѕ' => 'S',
        'ο' => 'o',
        'ν' => 'v',
        'α' => 'a',
        'ι' => 'i',
        'κ' => 'k',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        'ı' => 'i',
        _ => return None,
    })
}

/// The ASCII skeleton of `text`: every look-alike letter replaced by the ASCII letter it
/// imitates. Two keys with the same skeleton look the same to a reader.
pub fn skeleton(text: &str) -> String {
    text.chars().map(|c| ascii_lookalike(c).unwrap_or(c)).collect()
}

/// Why a key (metadata key or secret name) must not be shown to a signer as if it were plain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyHazard {
    /// It holds control, separator or format characters (the code points, in order).
    HiddenCharacters(Vec<u32>),
    /// It mixes letters of several scripts (e.g. Latin with Cyrillic), the classic disguise.
    MixedScripts,
    /// It is written with look-alike letters of another script and reads as this ASCII text.
    LooksLike(String),
}

impl std::fmt::Display for KeyHazard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::HiddenCharacters(codes) => {
                let list: Vec<String> = codes.iter().map(|c| format!("U+{c:04X}")).collect();
                write!(f, "holds hidden control or format characters ({})", list.join(", "))
            }
            Self::MixedScripts => f.write_str("mixes letters of several scripts"),
            Self::LooksLike(ascii) => {
                write!(f, "is made of look-alike letters and reads as \"{}\"", escape(ascii))
            }
        }
    }
}

/// Every reason `key` is dangerous to show (empty: none).
pub fn key_hazards(key: &str) -> Vec<KeyHazard> {
    let mut hazards = Vec::new();
    let hidden: Vec<u32> = key.chars().filter(|c| is_hidden(*c)).map(|c| c as u32).collect();
    if !hidden.is_empty() {
        hazards.push(KeyHazard::HiddenCharacters(hidden));
    }
    let mut scripts: Vec<Script> = key.chars().filter_map(script_of).collect();
    scripts.sort();
    scripts.dedup();
    if scripts.len() > 1 {
        hazards.push(KeyHazard::MixedScripts);
    }
    let looks = skeleton(key);
    if looks != key && looks.is_ascii() {
        hazards.push(KeyHazard::LooksLike(looks));
    }
    hazards
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_shows_every_hidden_character_and_leaves_plain_text_alone() {
        assert_eq!(escape("net.oasis.rofl.version"), "net.oasis.rofl.version");
        assert_eq!(escape("café 日本 🚀"), "café 日本 🚀");
        assert_eq!(escape("a\nb\tc\rd"), "a\\nb\\tc\\rd");
        assert_eq!(escape("\u{1b}[2Jok"), "\\u{001b}[2Jok");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("zero\u{200b}width"), "zero\\u{200b}width");
        assert_eq!(escape("tag\u{e0041}"), "tag\\u{e0041}");
        // A literal backslash-u in the text cannot pass for an escape of ours.
        assert_eq!(escape("\\u{202e}"), "\\\\u{202e}");
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            assert!(!escape(&c.to_string()).contains(c), "U+{:04X} escaped", c as u32);
        }
    }

    #[test]
    fn hazards_catch_hidden_mixed_and_lookalike_keys() {
        assert!(key_hazards("net.oasis.rofl.version").is_empty());
        assert!(key_hazards("日本語のキー").is_empty());
        assert!(key_hazards("ключ").is_empty(), "plain Cyrillic is not a disguise");
        assert_eq!(key_hazards("a\u{202e}b"), vec![KeyHazard::HiddenCharacters(vec![0x202e])]);
        // Cyrillic "о" inside a Latin word.
        let forged = "net.оasis.rofl.version";
        let hazards = key_hazards(forged);
        assert!(hazards.contains(&KeyHazard::MixedScripts));
        assert!(hazards.contains(&KeyHazard::LooksLike("net.oasis.rofl.version".into())));
        // All-Cyrillic look-alike of an ASCII word.
        assert_eq!(key_hazards("АРІ"), vec![KeyHazard::LooksLike("API".into())]);
        // Fullwidth ASCII.
        assert!(key_hazards("ＡＰＩ_KEY").contains(&KeyHazard::LooksLike("API_KEY".into())));
    }
}
