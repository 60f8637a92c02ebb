//! Writing playlist text without `core::fmt`: a media playlist of 1800
//! segments is mostly numbers, and formatting them by hand keeps rendering
//! well inside its budget.

use alloc::string::String;

/// Appends `n` in decimal.
pub(crate) fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // ASCII digits: always UTF-8.
    out.push_str(core::str::from_utf8(&buf[i..]).unwrap_or_default());
}

/// Appends a duration in seconds with three decimals (`6.006`).
pub(crate) fn push_seconds_ms(out: &mut String, ms: u64) {
    push_u64(out, ms / 1000);
    let frac = ms % 1000;
    let buf = [
        b'.',
        b'0' + (frac / 100) as u8,
        b'0' + (frac / 10 % 10) as u8,
        b'0' + (frac % 10) as u8,
    ];
    out.push_str(core::str::from_utf8(&buf).unwrap_or_default());
}

/// Appends a playlist value that must stay on its line and inside its
/// quotes: CR, LF and `"` (which no legal value holds) become `_`.
pub(crate) fn push_clean(out: &mut String, s: &str) {
    for c in s.chars() {
        out.push(if matches!(c, '\r' | '\n' | '"') {
            '_'
        } else {
            c
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_durations_render_exactly() {
        let mut s = String::new();
        push_u64(&mut s, 0);
        s.push(' ');
        push_u64(&mut s, u64::MAX);
        s.push(' ');
        push_seconds_ms(&mut s, 6006);
        s.push(' ');
        push_seconds_ms(&mut s, 40);
        s.push(' ');
        push_clean(&mut s, "a\"b\nc");
        assert_eq!(s, "0 18446744073709551615 6.006 0.040 a_b_c");
    }
}
