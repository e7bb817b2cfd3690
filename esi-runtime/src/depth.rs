//! How deep a JSON answer nests, found before the fast decoder sees it. sonic-rs recurses once
//! per level while it validates and skips values (unknown fields, untagged enums) with no limit
//! of its own, so a hostile answer of a few kilobytes of `[[[[…` would overflow a task's stack
//! and abort the process. Answers nested deeper than [`MAX_DEPTH`] go to serde_json, whose own
//! limit (128 levels) turns them into a decode error.

/// The deepest nesting of arrays and objects handed to the fast decoder. ESI's answers nest a
/// handful of levels.
pub(crate) const MAX_DEPTH: usize = 64;

/// Byte classes outside strings: 0 nothing, 1 opens, 2 closes, 3 starts a string.
const OUTSIDE: [u8; 256] = {
    let mut table = [0u8; 256];
    table[b'[' as usize] = 1;
    table[b'{' as usize] = 1;
    table[b']' as usize] = 2;
    table[b'}' as usize] = 2;
    table[b'"' as usize] = 3;
    table
};

/// Whether `body` nests arrays and objects deeper than `limit` (brackets inside strings, and
/// escaped quotes, are not counted). Linear, no recursion, no allocation.
pub(crate) fn nests_deeper_than(body: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut i = 0;
    let n = body.len();
    while i < n {
        match OUTSIDE[body[i] as usize] {
            0 => i += 1,
            1 => {
                depth += 1;
                if depth > limit {
                    return true;
                }
                i += 1;
            }
            2 => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => {
                // Skip the string: to the next quote not escaped by a backslash.
                i += 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', &body[i.min(n)..]) {
                        None => return false,
                        Some(at) if body[i + at] == b'\\' => i += at + 2,
                        Some(at) => {
                            i += at + 1;
                            break;
                        }
                    }
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_nesting_outside_strings_only() {
        assert!(!nests_deeper_than(br#"[{"a": [1, {"b": []}]}]"#, 5));
        assert!(nests_deeper_than(br#"[{"a": [1, {"b": []}]}]"#, 4));
        // Brackets and escaped quotes inside strings do not count.
        assert!(!nests_deeper_than(
            br#"["[[[[", "\"[[[[", {"k]]": "\\"}]"#,
            2
        ));
        // Closing brackets in strings cannot hide real depth.
        let sneaky = format!("{}1{}", r#"["]]]]", "#.repeat(100), "]".repeat(100));
        assert!(nests_deeper_than(sneaky.as_bytes(), 64));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(nests_deeper_than(deep.as_bytes(), MAX_DEPTH));
        // Broken input ends the scan without a panic.
        assert!(!nests_deeper_than(br#"["unterminated \"#, 4));
        assert!(!nests_deeper_than(b"", 4));
    }
}
