//! The `Deserialize` impl of a model struct, written out instead of derived: one visitor that
//! reads a JSON object field by field, matching keys through the runtime's shared field table
//! (`esi_runtime::__private::model_de`). It decodes what serde's derive decodes from an object
//! (unknown keys skipped, a duplicate or missing required key an error with the same message,
//! `null` or a missing key as `None` for an optional field, date-times through the runtime's
//! parser) in a fraction of the code: no field enum and identifier visitor per model, no
//! decoding of a struct from an array. Untagged one-of enums keep serde's derive.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{DefBody, Field, Placement, Ty, TypeDef};
use crate::names;

/// `impl Deserialize` for `def` when it is a struct (emitted in `module`); other definitions
/// derive theirs or are aliases.
pub(super) fn impl_for(def: &TypeDef, place: &Placement, module: &str) -> Option<TokenStream> {
    match &def.body {
        DefBody::Struct(fields) => {
            let types: Vec<TokenStream> =
                fields.iter().map(|f| f.rust_type(place, module)).collect();
            Some(struct_impl(&def.name, fields, &types))
        }
        _ => None,
    }
}

/// `impl Deserialize for #name` reading `fields` (in the struct's order), whose Rust types
/// (`Option` included) are `types`.
fn struct_impl(name: &str, fields: &[Field], types: &[TokenStream]) -> TokenStream {
    let ident = format_ident!("{}", name);
    let expecting = format!("struct {name}");
    let keys = fields.iter().map(|f| f.json.as_str());
    let slots = (0..fields.len()).map(|i| format_ident!("f{}", i));
    let slot_decls = slots
        .clone()
        .zip(types)
        .map(|(slot, ty)| quote!(let mut #slot: Option<#ty> = None;));
    let index = proc_macro2::Literal::usize_unsuffixed;
    let arms = fields
        .iter()
        .zip(slots.clone())
        .enumerate()
        .map(|(i, (f, slot))| {
            let i = index(i);
            let fill = match (&f.ty, f.optional) {
                (Ty::DateTime, false) => {
                    quote!(de::fill_seed(&mut #slot, &mut map, FIELDS[#i], de::Timestamp))
                }
                (Ty::DateTime, true) => {
                    quote!(de::fill_seed(&mut #slot, &mut map, FIELDS[#i], de::OptionTimestamp))
                }
                _ => quote!(de::fill(&mut #slot, &mut map, FIELDS[#i])),
            };
            quote!(Some(#i) => #fill?,)
        });
    let inits = fields.iter().zip(slots).enumerate().map(|(i, (f, slot))| {
        let i = index(i);
        let field = names::ident(&f.ident);
        if f.optional {
            quote!(#field: #slot.flatten(),)
        } else {
            quote!(#field: de::required(#slot, FIELDS[#i])?,)
        }
    });
    quote! {
        impl<'de> serde::Deserialize<'de> for #ident {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use crate::runtime::__private::model_de as de;
                const FIELDS: &[&str] = &[#(#keys),*];
                struct Visitor;
                impl<'de> serde::de::Visitor<'de> for Visitor {
                    type Value = #ident;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<#ident, A::Error> {
                        #(#slot_decls)*
                        let mut keys = de::Keys::new(FIELDS);
                        while let Some(field) = keys.next(&mut map)? {
                            match field {
                                #(#arms)*
                                _ => de::skip(&mut map)?,
                            }
                        }
                        Ok(#ident { #(#inits)* })
                    }
                }
                deserializer.deserialize_struct(#name, FIELDS, Visitor)
            }
        }
    }
}
