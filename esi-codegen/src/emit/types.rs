//! Schemas → Rust type definitions, named once over the whole API.
//!
//! Names are decided over every operation of the spec, before any resource is filtered out,
//! so a type keeps its name whichever resource features are on. Inline objects are named after
//! their parent (`MarketsRegionIdOrdersGetItem`), inline string enums after their property
//! when that is unambiguous (`OrderType`, `Range`), and identical enums are emitted once.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Api, FloatFormat, IntFormat, Schema, SchemaKind, StringFormat};
use crate::names;

/// A Rust type expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    /// A generated type, by its Rust name.
    Named(String),
    Bool,
    I32,
    I64,
    F32,
    F64,
    String,
    DateTime,
    Date,
    Value,
    Vec(Box<Ty>),
    Map(Box<Ty>),
    Unit,
}

impl Ty {
    /// Renames the named types this expression mentions that `renames` lists.
    pub(crate) fn rename(&mut self, renames: &BTreeMap<String, String>) {
        match self {
            Ty::Named(n) => {
                if let Some(new) = renames.get(n) {
                    n.clone_from(new);
                }
            }
            Ty::Vec(inner) | Ty::Map(inner) => inner.rename(renames),
            _ => {}
        }
    }

    /// Named types this expression mentions.
    pub(crate) fn named(&self, out: &mut BTreeSet<String>) {
        match self {
            Ty::Named(n) => {
                out.insert(n.clone());
            }
            Ty::Vec(inner) | Ty::Map(inner) => inner.named(out),
            _ => {}
        }
    }
}

/// One generated type.
#[derive(Debug, Clone)]
pub(crate) struct TypeDef {
    pub name: String,
    pub doc: String,
    pub body: DefBody,
    /// What the shaping stage may name a merged type after.
    pub origin: Origin,
}

/// Where a type comes from, for naming the merged copies of one shape (`shape`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Origin {
    /// A named schema of the spec (its name is the type's).
    pub component: bool,
    /// The schema's `title`.
    pub title: Option<String>,
    /// The property it is the value of (`Position` for `position`), or the items of
    /// (`AgentsItem` for `agents`), as a type name.
    pub property: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum DefBody {
    Struct(Vec<Field>),
    Enum(Vec<String>),
    OneOf(Vec<Variant>),
    Alias(Ty),
}

#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub json: String,
    pub ident: String,
    pub ty: Ty,
    /// Wrapped in `Option` (optional or nullable).
    pub optional: bool,
    pub required: bool,
    pub doc: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub name: String,
    /// `Some((json, ident, ty))` for a single-property object alternative.
    pub single: Option<(String, String, Ty)>,
    pub ty: Ty,
    pub doc: String,
}

impl Field {
    /// The field's Rust type in `module`: `Option` around it when it is optional.
    pub(crate) fn rust_type(&self, place: &Placement, module: &str) -> TokenStream {
        let ty = place.tokens(&self.ty, module);
        if self.optional {
            quote!(Option<#ty>)
        } else {
            ty
        }
    }
}

impl TypeDef {
    /// Renames the named types its fields, variants or target mention that `renames` lists.
    pub(crate) fn rename_types(&mut self, renames: &BTreeMap<String, String>) {
        match &mut self.body {
            DefBody::Struct(fields) => fields.iter_mut().for_each(|f| f.ty.rename(renames)),
            DefBody::Enum(_) => {}
            DefBody::OneOf(vs) => vs.iter_mut().for_each(|v| {
                v.ty.rename(renames);
                if let Some((_, _, ty)) = &mut v.single {
                    ty.rename(renames);
                }
            }),
            DefBody::Alias(ty) => ty.rename(renames),
        }
    }

    fn deps(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        match &self.body {
            DefBody::Struct(fields) => fields.iter().for_each(|f| f.ty.named(&mut out)),
            DefBody::Enum(_) => {}
            DefBody::OneOf(vs) => vs.iter().for_each(|v| v.ty.named(&mut out)),
            DefBody::Alias(ty) => ty.named(&mut out),
        }
        out
    }
}

/// Every type of the API, with its name.
pub(crate) struct Registry<'a> {
    api: &'a Api,
    pub defs: BTreeMap<String, TypeDef>,
    components: BTreeMap<String, String>,
    taken: BTreeSet<String>,
    /// JSON pointer of what is being typed (a named schema, an operation), for problems.
    pub origin: String,
    /// Names no Rust identifier can be formed from, as (JSON pointer, message).
    pub problems: Vec<(String, String)>,
}

impl<'a> Registry<'a> {
    /// Reserves `reserved` (operation struct names) and defines every named component.
    pub(crate) fn new(api: &'a Api, reserved: impl IntoIterator<Item = String>) -> Self {
        let mut reg = Registry {
            api,
            defs: BTreeMap::new(),
            components: BTreeMap::new(),
            taken: reserved.into_iter().collect(),
            origin: String::new(),
            problems: Vec::new(),
        };
        for name in api.schemas.keys() {
            let rust = reg.unique(&names::type_name(name));
            reg.components.insert(name.clone(), rust);
        }
        let schemas_pointer = match api.kind {
            crate::model::SpecKind::Swagger2 => "/definitions",
            _ => "/components/schemas",
        };
        for (name, schema) in &api.schemas {
            let rust = reg.components[name].clone();
            reg.origin = crate::error::child(schemas_pointer, name);
            reg.define_component(&rust, schema);
        }
        reg
    }

    /// Whether no type, operation or root item has `name` yet.
    pub(crate) fn is_free(&self, name: &str) -> bool {
        !self.taken.contains(name)
    }

    /// Takes `name` (the shaping stage's name for a merged type).
    pub(crate) fn take(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    fn unique(&mut self, wanted: &str) -> String {
        let mut name = wanted.to_string();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{wanted}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    fn define_component(&mut self, rust: &str, schema: &Schema) {
        let doc = docs_of(schema);
        let body = match &schema.kind {
            SchemaKind::Enum(values) => DefBody::Enum(values.clone()),
            SchemaKind::Object { properties, .. } if !properties.is_empty() => {
                DefBody::Struct(self.fields(rust, schema))
            }
            SchemaKind::OneOf(alts) => DefBody::OneOf(self.variants(rust, alts)),
            _ => DefBody::Alias(self.ty(schema, rust, None)),
        };
        self.defs.insert(
            rust.to_string(),
            TypeDef {
                name: rust.to_string(),
                doc,
                body,
                origin: Origin {
                    component: true,
                    title: schema.title.clone(),
                    property: None,
                },
            },
        );
    }

    /// The type of `schema` at a position whose inline type would be called `ctx`.
    /// `hint` is the property or parameter name, used to name inline enums.
    pub(crate) fn ty(&mut self, schema: &Schema, ctx: &str, hint: Option<&str>) -> Ty {
        match &schema.kind {
            SchemaKind::Ref(name) => match self.components.get(name) {
                Some(rust) => Ty::Named(rust.clone()),
                None => Ty::Value,
            },
            SchemaKind::Boolean => Ty::Bool,
            SchemaKind::Integer(IntFormat::I32) => Ty::I32,
            SchemaKind::Integer(IntFormat::I64) => Ty::I64,
            SchemaKind::Number(FloatFormat::F32) => Ty::F32,
            SchemaKind::Number(FloatFormat::F64) => Ty::F64,
            SchemaKind::String(StringFormat::DateTime) => Ty::DateTime,
            SchemaKind::String(StringFormat::Date) => Ty::Date,
            SchemaKind::String(_) => Ty::String,
            SchemaKind::Enum(values) => Ty::Named(self.enum_type(values, ctx, hint, schema)),
            SchemaKind::Array { items, .. } => {
                Ty::Vec(Box::new(self.ty(items, &format!("{ctx}Item"), hint)))
            }
            SchemaKind::Object {
                properties,
                additional,
            } => match (properties.is_empty(), additional) {
                (true, Some(value)) => {
                    Ty::Map(Box::new(self.ty(value, &format!("{ctx}Value"), None)))
                }
                (true, None) => Ty::Value,
                (false, _) => {
                    let name = self.unique(ctx);
                    let fields = self.fields(&name, schema);
                    self.insert(&name, schema, DefBody::Struct(fields));
                    self.note_property(&name, ctx, hint);
                    Ty::Named(name)
                }
            },
            SchemaKind::OneOf(alts) => {
                let name = self.unique(ctx);
                let variants = self.variants(&name, alts);
                self.insert(&name, schema, DefBody::OneOf(variants));
                Ty::Named(name)
            }
            SchemaKind::Any => Ty::Value,
        }
    }

    fn insert(&mut self, name: &str, schema: &Schema, body: DefBody) {
        self.defs.insert(
            name.to_string(),
            TypeDef {
                name: name.to_string(),
                doc: docs_of(schema),
                body,
                origin: Origin {
                    title: schema.title.clone(),
                    ..Origin::default()
                },
            },
        );
    }

    /// Records the property an inline object at `ctx` is the value (or an item) of.
    fn note_property(&mut self, name: &str, ctx: &str, hint: Option<&str>) {
        let Some(property) = hint.map(names::type_name) else {
            return;
        };
        let property = if ctx.ends_with(&property) {
            property
        } else if ctx.ends_with(&format!("{property}Item")) {
            format!("{property}Item")
        } else {
            return;
        };
        if let Some(def) = self.defs.get_mut(name) {
            def.origin.property = Some(property);
        }
    }

    /// Inline enums: the property's name when free or already this enum, else the parent path.
    fn enum_type(
        &mut self,
        values: &[String],
        ctx: &str,
        hint: Option<&str>,
        schema: &Schema,
    ) -> String {
        let short = hint.map(names::type_name);
        for candidate in short.iter().map(String::as_str).chain([ctx]) {
            if let Some(existing) = self.defs.get(candidate) {
                if matches!(&existing.body, DefBody::Enum(v) if same_values(v, values)) {
                    return candidate.to_string();
                }
                continue;
            }
            if !self.taken.contains(candidate) {
                self.taken.insert(candidate.to_string());
                self.insert(candidate, schema, DefBody::Enum(values.to_vec()));
                return candidate.to_string();
            }
        }
        let name = self.unique(ctx);
        self.insert(&name, schema, DefBody::Enum(values.to_vec()));
        name
    }

    fn fields(&mut self, parent: &str, schema: &Schema) -> Vec<Field> {
        let SchemaKind::Object { properties, .. } = &schema.kind else {
            return Vec::new();
        };
        let mut used = BTreeSet::new();
        let mut fields = Vec::new();
        for prop in properties {
            let ctx = format!("{parent}{}", names::type_name(&prop.name));
            let ty = self.ty(&prop.schema, &ctx, Some(&prop.name));
            let Some(mut ident) = names::field(&prop.name) else {
                self.unnamed(&prop.name, parent);
                continue;
            };
            while !used.insert(ident.clone()) {
                ident.push('_');
            }
            fields.push(Field {
                json: prop.name.clone(),
                ident,
                ty,
                optional: !prop.required || prop.schema.nullable,
                required: prop.required,
                doc: docs_of(&prop.schema),
            });
        }
        fields
    }

    /// Records a property no field name can be formed from.
    fn unnamed(&mut self, property: &str, parent: &str) {
        self.problems.push((
            self.origin.clone(),
            format!(
                "property `{property}` (of `{parent}`) has no name usable in Rust \
                 (it needs an ASCII letter or digit)"
            ),
        ));
    }

    fn variants(&mut self, parent: &str, alts: &[Schema]) -> Vec<Variant> {
        let mut used = BTreeSet::new();
        let mut out = Vec::new();
        for (i, alt) in alts.iter().enumerate() {
            let alt_resolved = self.api.resolve(alt);
            let single = match &alt_resolved.kind {
                SchemaKind::Object { properties, .. } if properties.len() == 1 => {
                    Some(&properties[0])
                }
                _ => None,
            };
            let base = alt
                .title
                .as_deref()
                .or(single.map(|p| p.name.as_str()))
                .map(names::variant)
                .unwrap_or_else(|| format!("Variant{}", i + 1));
            let mut name = base.clone();
            let mut n = 2;
            while !used.insert(name.clone()) || name == "Other" {
                name = format!("{base}{n}");
                n += 1;
            }
            let (single, ty) = match single {
                Some(prop) => {
                    let ctx = format!("{parent}{}", names::type_name(&prop.name));
                    let ty = self.ty(&prop.schema, &ctx, Some(&prop.name));
                    let Some(field) = names::field(&prop.name) else {
                        self.unnamed(&prop.name, parent);
                        continue;
                    };
                    (Some((prop.name.clone(), field, ty.clone())), ty)
                }
                None => (None, self.ty(alt, &format!("{parent}{name}"), None)),
            };
            out.push(Variant {
                name,
                single,
                ty,
                doc: docs_of(alt_resolved),
            });
        }
        out
    }

    /// Every named type reachable from `roots`.
    pub(crate) fn closure(&self, roots: &BTreeSet<String>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = roots.iter().cloned().collect();
        while let Some(name) = stack.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(def) = self.defs.get(&name) {
                stack.extend(def.deps());
            }
        }
        seen
    }
}

/// Two enums are the same when they list the same values, in any order.
fn same_values(a: &[String], b: &[String]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort();
    b.sort();
    a == b
}

fn docs_of(schema: &Schema) -> String {
    schema.description.clone().unwrap_or_default()
}

/// Where each type lives and how to write paths to it.
pub(crate) struct Placement {
    /// Type name → the module defining it (`models`, for every model).
    pub home: BTreeMap<String, String>,
    /// Resource module → the models its operations reach, re-exported there.
    pub exports: BTreeMap<String, BTreeSet<String>>,
    /// Resource module → the deprecated names of merged shapes its operations reached before
    /// merging, re-exported there.
    pub alias_exports: BTreeMap<String, BTreeSet<String>>,
    /// Deprecated name of a merged shape → the merged type.
    pub aliases: BTreeMap<String, String>,
    /// Named types that are aliases of integers (`CharacterId = i64`).
    pub integer_aliases: BTreeSet<String>,
}

/// The module defining every model.
pub(crate) const SHARED_MODULE: &str = "models";

impl Placement {
    /// Whether `ty` names an alias of an integer type.
    pub(crate) fn is_integer_alias(&self, ty: &Ty) -> bool {
        matches!(ty, Ty::Named(name) if self.integer_aliases.contains(name))
    }

    /// Tokens for `ty` as written inside module `current`.
    pub(crate) fn tokens(&self, ty: &Ty, current: &str) -> TokenStream {
        match ty {
            Ty::Named(name) => {
                let ident = format_ident!("{}", name);
                match self.home.get(name).map(String::as_str) {
                    Some(home) if home != current => {
                        let module = format_ident!("{}", home);
                        quote!(super::#module::#ident)
                    }
                    _ => quote!(#ident),
                }
            }
            Ty::Bool => quote!(bool),
            Ty::I32 => quote!(i32),
            Ty::I64 => quote!(i64),
            Ty::F32 => quote!(f32),
            Ty::F64 => quote!(f64),
            Ty::String => quote!(String),
            Ty::DateTime => quote!(chrono::DateTime<chrono::Utc>),
            Ty::Date => quote!(chrono::NaiveDate),
            Ty::Value => quote!(serde_json::Value),
            Ty::Vec(inner) => {
                let inner = self.tokens(inner, current);
                quote!(Vec<#inner>)
            }
            Ty::Map(inner) => {
                let inner = self.tokens(inner, current);
                quote!(std::collections::HashMap<String, #inner>)
            }
            Ty::Unit => quote!(()),
        }
    }
}

/// Emits the deprecated alias `old` of the merged shape `target`.
pub(crate) fn emit_alias(old: &str, target: &str) -> TokenStream {
    let (old_ident, target_ident) = (format_ident!("{}", old), format_ident!("{}", target));
    let doc = format!(
        " The former name of [`{target}`], a model of the same shape merged into it; kept for \
         one release."
    );
    let note = format!("the same shape as `{target}`, merged into it");
    quote! {
        #[doc = #doc]
        #[deprecated(note = #note)]
        pub type #old_ident = #target_ident;
    }
}

/// `#[derive(Serialize)]` for a model requests send (`sent`), else the same behind the
/// client's `serialize` feature (answers are decoded, never encoded, by the client itself).
fn derive_serialize(sent: bool) -> TokenStream {
    if sent {
        quote!(#[derive(serde::Serialize)])
    } else {
        quote!(#[cfg_attr(feature = "serialize", derive(serde::Serialize))])
    }
}

/// A `#[serde(..)]` field attribute for `Serialize`, under the same condition as its derive.
fn serde_attr(sent: bool, args: TokenStream) -> TokenStream {
    if sent {
        quote!(#[serde(#args)])
    } else {
        quote!(#[cfg_attr(feature = "serialize", serde(#args))])
    }
}

/// Emits one type definition (a struct's `Deserialize` impl is `deserialize`'s). `sent`: some
/// request sends it (it always implements `Serialize`).
pub(crate) fn emit_def(def: &TypeDef, place: &Placement, module: &str, sent: bool) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let doc = super::docs::attrs(if def.doc.is_empty() {
        &def.name
    } else {
        &def.doc
    });
    match &def.body {
        DefBody::Alias(ty) => {
            let ty = place.tokens(ty, module);
            quote! { #doc pub type #name = #ty; }
        }
        DefBody::Enum(values) => {
            let mut used = BTreeSet::new();
            let variants = values.iter().map(|value| {
                let mut v = names::variant(value);
                while !used.insert(v.clone()) || v == "Unknown" {
                    v.push('_');
                }
                let v = format_ident!("{}", v);
                quote!(#v = #value,)
            });
            quote! {
                crate::esi_enum! { #doc pub enum #name { #(#variants)* } }
            }
        }
        DefBody::Struct(fields) => {
            let fields = fields.iter().map(|f| {
                let ty = f.rust_type(place, module);
                // ESI describes most fields, not all; rustdoc wants every public item documented.
                let fallback = format!("`{}`", f.json);
                let ident = names::ident(&f.ident);
                let doc = super::docs::attrs(if f.doc.is_empty() { &fallback } else { &f.doc });
                let bare = f.ident.trim_start_matches("r#");
                let rename = (bare != f.json).then(|| {
                    let json = &f.json;
                    quote!(rename = #json,)
                });
                // What `Serialize` needs: the JSON name, and no `null` for an absent optional.
                let serde = match (f.optional && !f.required, rename) {
                    (true, rename) => serde_attr(
                        sent,
                        quote!(#rename skip_serializing_if = "Option::is_none"),
                    ),
                    (false, Some(rename)) => serde_attr(sent, rename),
                    (false, None) => TokenStream::new(),
                };
                quote! { #doc #serde pub #ident: #ty, }
            });
            let serialize = derive_serialize(sent);
            quote! {
                #doc
                #[derive(Debug, Clone)]
                #[cfg_attr(feature = "partial-eq", derive(PartialEq))]
                #serialize
                pub struct #name { #(#fields)* }
            }
        }
        DefBody::OneOf(variants) => {
            let vs = variants.iter().map(|v| {
                let vname = format_ident!("{}", v.name);
                let fallback = format!("The `{}` form.", v.name);
                let doc = super::docs::attrs(if v.doc.is_empty() { &fallback } else { &v.doc });
                match &v.single {
                    Some((json, ident, ty)) => {
                        let ident = names::ident(ident);
                        let ty = place.tokens(ty, module);
                        let bare = ident.to_string();
                        let rename = (bare.trim_start_matches("r#") != json)
                            .then(|| quote!(#[serde(rename = #json)]));
                        let field_doc = format!(" `{json}`");
                        quote! { #doc #vname { #[doc = #field_doc] #rename #ident: #ty }, }
                    }
                    None => {
                        let ty = place.tokens(&v.ty, module);
                        quote! { #doc #vname(#ty), }
                    }
                }
            });
            let serialize = derive_serialize(sent);
            quote! {
                #doc
                #[derive(Debug, Clone, serde::Deserialize)]
                #[cfg_attr(feature = "partial-eq", derive(PartialEq))]
                #serialize
                #[serde(untagged)]
                pub enum #name {
                    #(#vs)*
                    /// A shape this version of the client does not know.
                    Other(serde_json::Value),
                }
            }
        }
    }
}
