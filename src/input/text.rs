//! Values echoed in messages: text clipped to a length, numbers in a readable notation.

/// A number for a message: plain from 1e-4 to below 1e16 (and 0), else in `e` notation, so that
/// 1e300 is not printed with 300 digits.
pub fn readable(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-4..1e16).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// `s` for a message: at most `max` characters, with the length of the rest when cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}... ({} characters)", &s[..i], s.chars().count()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_short_text_and_cuts_long_text_on_a_character() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("ééééé", 2), "éé... (5 characters)");
    }

    #[test]
    fn readable_numbers_use_e_notation_outside_a_plain_range() {
        assert_eq!(readable(1e300), "1e300");
        assert_eq!(readable(-2.5e-7), "-2.5e-7");
        assert_eq!(readable(12.5), "12.5");
        assert_eq!(readable(0.0), "0");
    }
}
