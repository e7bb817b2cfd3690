//! String enums that survive new values: ESI adds enum values without a new compatibility
//! date, so every generated enum has an `Unknown(String)` variant instead of failing to decode.

/// Declares an ESI string enum with an `Unknown(String)` fallback, `as_str`, `Display`,
/// `FromStr`, `From<&str>` and serde support. Used by the generated code.
///
/// ```
/// esi_runtime::esi_enum! {
///     /// Which orders.
///     pub enum Side { Buy = "buy", Sell = "sell", }
/// }
/// let side: Side = serde_json::from_str("\"sell\"").unwrap();
/// assert_eq!(side, Side::Sell);
/// let new: Side = serde_json::from_str("\"swap\"").unwrap();
/// assert_eq!(new, Side::Unknown("swap".into()));
/// assert_eq!(serde_json::to_string(&new).unwrap(), "\"swap\"");
/// ```
#[macro_export]
macro_rules! esi_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $($variant:ident = $value:literal,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        $vis enum $name {
            $(
                #[doc = concat!("`", $value, "`")]
                $variant,
            )*
            /// A value this version of the client does not know yet.
            Unknown(String),
        }

        impl $name {
            /// Every value the spec lists, in spec order.
            pub const VALUES: &'static [&'static str] = &[$($value),*];

            /// The value as ESI spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(other) => other,
                }
            }
        }

        impl ::core::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = ::core::convert::Infallible;
            fn from_str(value: &str) -> ::core::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::ParamValue for $name {
            fn write_param(&self, out: &mut String) {
                out.push_str(self.as_str());
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                // A visitor, so known values are matched without allocating a String.
                struct Visitor;
                impl<'de> $crate::__private::serde::de::Visitor<'de> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }
                    fn visit_str<E: $crate::__private::serde::de::Error>(self, v: &str) -> ::core::result::Result<$name, E> {
                        Ok($name::from(v))
                    }
                }
                d.deserialize_str(Visitor)
            }
        }
    };
}

crate::esi_enum! {
    /// Languages ESI answers in (`Accept-Language`).
    pub enum Language {
        En = "en",
        De = "de",
        Fr = "fr",
        Ja = "ja",
        Ru = "ru",
        Zh = "zh",
        Ko = "ko",
        Es = "es",
    }
}

impl Language {
    /// The value for Swagger specs' `language` query parameter (`en-us` for English).
    pub fn swagger_value(&self) -> &str {
        match self {
            Language::En => "en-us",
            other => other.as_str(),
        }
    }
}
