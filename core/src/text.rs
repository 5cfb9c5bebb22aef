//! Small text helpers shared by the validators.

use unicode_normalization::UnicodeNormalization;

/// NFKC-normalises `input` (full-width digits and letters become half-width).
/// ASCII is its own NFKC form, so it is copied as is (the common case:
/// codes read back from a store).
pub(crate) fn nfkc(input: &str) -> String {
    // ASCII, and most Japanese text, is NFKC already: the quick check
    // says so without normalising (the result is the same either way).
    if input.is_ascii()
        || unicode_normalization::is_nfkc_quick(input.chars())
            == unicode_normalization::IsNormalized::Yes
    {
        return input.to_owned();
    }
    input.nfkc().collect()
}

/// NFKC-normalises and trims surrounding white space.
pub(crate) fn nfkc_trimmed(input: &str) -> String {
    if input.is_ascii() {
        return input.trim().to_owned();
    }
    nfkc(input).trim().to_owned()
}

/// True when every character is an ASCII digit and there are exactly `len` of them.
pub(crate) fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// The numeric values of an ASCII digit string (callers check [`is_digits`] first).
pub(crate) fn digit_values(s: &str) -> impl DoubleEndedIterator<Item = u32> + '_ {
    s.bytes().map(|b| u32::from(b.wrapping_sub(b'0')))
}
