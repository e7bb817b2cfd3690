//! Spec prose → rustdoc attributes that never break `cargo doc` or doctests.

use proc_macro2::TokenStream;
use quote::quote;

/// Cleans spec prose for rustdoc: trims indentation (so nothing becomes a doctest code block)
/// and neutralises code fences.
pub(crate) fn clean(text: &str) -> String {
    text.lines()
        .map(|line| line.trim().replace("```", "'''"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// `#[doc = "..."]` attributes for each paragraph line of `text` (nothing for empty text).
pub(crate) fn attrs(text: &str) -> TokenStream {
    let cleaned = clean(text);
    if cleaned.is_empty() {
        return TokenStream::new();
    }
    let lines = cleaned.lines().map(|l| format!(" {l}"));
    quote! { #(#[doc = #lines])* }
}

/// Joins optional pieces of prose into one text, separated by blank lines.
pub(crate) fn join<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut out: Vec<String> = Vec::new();
    for part in parts.into_iter().flatten() {
        let part = clean(part);
        if !part.is_empty() && !out.contains(&part) {
            out.push(part);
        }
    }
    out.join("\n\n")
}
