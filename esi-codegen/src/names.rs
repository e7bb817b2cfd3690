//! How spec names become Rust names: resources, methods, types, fields and enum variants.
//! Shared by the emitter and by tools (the CLI, the fake ESI) that must agree with it.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords that cannot be plain identifiers (strict and reserved, 2024 edition).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot even be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Resource module / feature / accessor name of a tag: `Faction Warfare` → `faction_warfare`.
pub fn resource(tag: &str) -> String {
    let snake = snake(tag);
    if snake.is_empty() {
        "default".into()
    } else {
        snake
    }
}

/// Method name of an operation id: `GetMarketsRegionIdOrders` → `get_markets_region_id_orders`.
pub fn method(operation_id: &str) -> String {
    snake(operation_id)
}

/// Constant of an SSO scope in the generated `scopes` module: the name without ESI's common
/// `esi-` prefix (the module says it), in upper snake case:
/// `esi-wallet.read_character_wallet.v1` → `WALLET_READ_CHARACTER_WALLET_V1`, `publicData` →
/// `PUBLIC_DATA`. `None` when no letter or digit is left.
///
/// ```
/// use esi_codegen::names::scope_const;
/// assert_eq!(scope_const("esi-skills.read_skills.v1").unwrap(), "SKILLS_READ_SKILLS_V1");
/// assert_eq!(scope_const("publicData").unwrap(), "PUBLIC_DATA");
/// assert_eq!(scope_const("esi-"), None);
/// ```
pub fn scope_const(scope: &str) -> Option<String> {
    let name = scope.strip_prefix("esi-").unwrap_or(scope);
    let shouty = shouty(name);
    match shouty.chars().next() {
        None => None,
        Some(c) if c.is_ascii_digit() => Some(format!("SCOPE_{shouty}")),
        Some(_) => Some(shouty),
    }
}

/// Type name: `markets_region_id_orders` → `MarketsRegionIdOrders`. Never starts with a digit.
pub fn type_name(text: &str) -> String {
    let camel = clean(text).to_upper_camel_case();
    match camel.chars().next() {
        None => "Value".into(),
        Some(c) if c.is_ascii_digit() => format!("V{camel}"),
        Some(_) => camel,
    }
}

/// Enum variant of a string value: `solarsystem` → `Solarsystem`, `10` → `V10`,
/// `en-us` → `EnUs`.
pub fn variant(value: &str) -> String {
    let name = type_name(value);
    if name == "Self" {
        "SelfValue".into()
    } else {
        name
    }
}

/// Field or argument name (snake_case; a keyword gets the `r#` prefix or a `_` suffix).
/// `None` when the text has nothing to form one from (no ASCII letter or digit): the caller
/// fails with the JSON pointer of the name rather than invent one.
pub fn field(text: &str) -> Option<String> {
    let snake = snake(text);
    let snake = match snake.chars().next() {
        None => return None,
        Some(c) if c.is_ascii_digit() => format!("n{snake}"),
        Some(_) => snake,
    };
    let ident = escape_keyword(snake);
    syn::parse_str::<syn::Ident>(&ident)
        .is_ok()
        .then_some(ident)
}

/// The identifier of a name made by [`field`], [`type_name`] or [`variant`] (raw for an
/// `r#` name).
pub(crate) fn ident(name: &str) -> proc_macro2::Ident {
    let span = proc_macro2::Span::call_site();
    match name.strip_prefix("r#") {
        Some(bare) => proc_macro2::Ident::new_raw(bare, span),
        None => proc_macro2::Ident::new(name, span),
    }
}

/// `type` → `r#type`; `self` → `self_`.
pub fn escape_keyword(ident: String) -> String {
    if NOT_RAW.contains(&ident.as_str()) {
        format!("{ident}_")
    } else if KEYWORDS.contains(&ident.as_str()) {
        format!("r#{ident}")
    } else {
        ident
    }
}

/// Words of `text` in capitals joined by `_` (`char-asset` → `CHAR_ASSET`): the body of a
/// constant's name, which may be empty or start with a digit.
pub(crate) fn shouty(text: &str) -> String {
    use heck::ToShoutySnakeCase;
    clean(text).to_shouty_snake_case()
}

fn snake(text: &str) -> String {
    clean(text).to_snake_case()
}

/// Keeps letters, digits and separators, turning anything else into a word break.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_like_esi() {
        assert_eq!(resource("Faction Warfare"), "faction_warfare");
        assert_eq!(resource("Planetary Interaction"), "planetary_interaction");
        assert_eq!(
            method("GetMarketsRegionIdOrders"),
            "get_markets_region_id_orders"
        );
        assert_eq!(
            method("get_markets_region_id_orders"),
            "get_markets_region_id_orders"
        );
        assert_eq!(
            type_name("MarketsRegionIdOrdersGet"),
            "MarketsRegionIdOrdersGet"
        );
        assert_eq!(type_name("get_status_ok"), "GetStatusOk");
        assert_eq!(variant("10"), "V10");
        assert_eq!(variant("en-us"), "EnUs");
        assert_eq!(variant("WarAdopted "), "WarAdopted");
        assert_eq!(field("type").as_deref(), Some("r#type"));
        assert_eq!(field("self").as_deref(), Some("self_"));
        assert_eq!(field("X-Pages").as_deref(), Some("x_pages"));
        assert_eq!(field("10").as_deref(), Some("n10"));
        assert_eq!(field("__"), None);
        assert_eq!(field("名前"), None);
    }
}
