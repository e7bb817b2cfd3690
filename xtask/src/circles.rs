//! `cargo xtask circles`: modules of one crate that import each other in a circle.
//!
//! Each crate root (`src/lib.rs`, `src/main.rs`, `src/bin/*.rs`) of every workspace package is
//! read with `syn`, following its `mod` declarations to files. An edge A → B is a path in A's
//! non-test code that names B: `crate::…`, `super::…` or `self::…` paths in `use` lines,
//! written-out paths, and paths inside macro calls. Doc comments are attributes, not code, and
//! are not read. A path through a name that a module re-exports leads to where the name is
//! defined (`crate::Error` → `error.rs`), and a module's `pub use` of its own descendants is
//! not an edge. Items under `#[cfg(test)]` are left out.
//!
//! The strongly connected components of more than one file are the circles; the command
//! prints each with the edges inside it; `main` exits with status 1 when there is one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// A module path inside one crate: `[]` is the root, `["redis", "cache"]` is `crate::redis::cache`.
type ModPath = Vec<String>;

/// One crate's modules, their files and the paths each file names.
#[derive(Default)]
struct Crate {
    /// Module path → the file it is written in (inline modules share their file's).
    modules: BTreeMap<ModPath, PathBuf>,
    /// Module path → name → the absolute path that module re-exports under that name.
    reexports: BTreeMap<ModPath, BTreeMap<String, ModPath>>,
    /// File → absolute paths its code names (already resolved from `super::`/`self::`).
    named: BTreeMap<PathBuf, Vec<ModPath>>,
}

/// A circle: files that import each other, with the edges among them.
pub(crate) struct Circle {
    pub(crate) files: Vec<PathBuf>,
    pub(crate) edges: Vec<(PathBuf, PathBuf)>,
}

/// Finds every circle in each crate root of `packages`, prints them with the edges inside each,
/// and returns how many there are.
pub(crate) fn run(root: &Path, packages: &[PathBuf]) -> anyhow::Result<usize> {
    let mut total = 0;
    let mut report = String::new();
    for package in packages {
        for crate_root in crate_roots(package) {
            let circles = circles_of(&crate_root)
                .with_context(|| format!("reading {}", crate_root.display()))?;
            let shown = crate_root.strip_prefix(root).unwrap_or(&crate_root);
            let _ = writeln!(report, "{}: {} circle(s)", shown.display(), circles.len());
            for circle in &circles {
                total += 1;
                let _ = writeln!(report, "  circle of {} files:", circle.files.len());
                for (from, to) in &circle.edges {
                    let _ = writeln!(
                        report,
                        "    {} -> {}",
                        from.strip_prefix(root).unwrap_or(from).display(),
                        to.strip_prefix(root).unwrap_or(to).display()
                    );
                }
            }
        }
    }
    print!("{report}");
    Ok(total)
}

/// The workspace's package folders (those holding a `Cargo.toml` with a `src/`).
pub(crate) fn workspace_packages(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let doc: toml_edit::DocumentMut = manifest.parse()?;
    let members = doc["workspace"]["members"]
        .as_array()
        .context("workspace.members is not an array")?;
    Ok(members
        .iter()
        .filter_map(|m| m.as_str())
        .map(|m| root.join(m))
        .filter(|dir| dir.join("src").is_dir())
        .collect())
}

/// `src/lib.rs`, `src/main.rs` and `src/bin/*.rs` (or `src/bin/*/main.rs`) where they exist.
fn crate_roots(package: &Path) -> Vec<PathBuf> {
    let src = package.join("src");
    let mut roots: Vec<PathBuf> = ["lib.rs", "main.rs"]
        .iter()
        .map(|f| src.join(f))
        .filter(|p| p.is_file())
        .collect();
    if let Ok(entries) = std::fs::read_dir(src.join("bin")) {
        let mut bins: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter_map(|p| {
                if p.extension().is_some_and(|e| e == "rs") {
                    Some(p)
                } else if p.join("main.rs").is_file() {
                    Some(p.join("main.rs"))
                } else {
                    None
                }
            })
            .collect();
        bins.sort();
        roots.extend(bins);
    }
    roots
}

/// The circles of the crate whose root file is `root_file`.
pub(crate) fn circles_of(root_file: &Path) -> anyhow::Result<Vec<Circle>> {
    let mut krate = Crate::default();
    read_module(&mut krate, root_file, Vec::new(), true)?;
    let mut edges: BTreeSet<(PathBuf, PathBuf)> = BTreeSet::new();
    for (file, paths) in &krate.named {
        for path in paths {
            if let Some(target) = krate.file_of(path)
                && target != *file
            {
                edges.insert((file.clone(), target));
            }
        }
    }
    Ok(strongly_connected(&edges)
        .into_iter()
        .filter(|files| files.len() > 1)
        .map(|files| {
            let set: BTreeSet<&PathBuf> = files.iter().collect();
            let inner = edges
                .iter()
                .filter(|(a, b)| set.contains(a) && set.contains(b))
                .cloned()
                .collect();
            Circle {
                files,
                edges: inner,
            }
        })
        .collect())
}

impl Crate {
    /// The file defining what `path` names: the longest module prefix, followed through
    /// re-exports.
    fn file_of(&self, path: &[String]) -> Option<PathBuf> {
        let mut path = path.to_vec();
        for _ in 0..16 {
            let module_len = (0..=path.len())
                .rev()
                .find(|n| self.modules.contains_key(&path[..*n]))?;
            let module = &path[..module_len];
            if let Some(name) = path.get(module_len)
                && let Some(target) = self.reexports.get(module).and_then(|r| r.get(name))
            {
                let mut next = target.clone();
                next.extend(path[module_len + 1..].iter().cloned());
                if next != path {
                    path = next;
                    continue;
                }
            }
            return self.modules.get(module).cloned();
        }
        None
    }
}

/// Reads the module `module` from `file`, and the modules it declares.
fn read_module(
    krate: &mut Crate,
    file: &Path,
    module: ModPath,
    owns_dir: bool,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let syntax = syn::parse_file(&text).with_context(|| format!("parsing {}", file.display()))?;
    // Where the files of child modules live.
    let dir = if owns_dir {
        file.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        file.parent().unwrap_or(Path::new("")).join(stem)
    };
    read_items(krate, file, &dir, &module, &syntax.items)
}

fn read_items(
    krate: &mut Crate,
    file: &Path,
    dir: &Path,
    module: &ModPath,
    items: &[syn::Item],
) -> anyhow::Result<()> {
    krate.modules.insert(module.clone(), file.to_path_buf());
    // Child modules first: re-exports and relative `use` lines need to know them.
    let children: BTreeSet<String> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) if !is_test(&m.attrs) => Some(m.ident.to_string()),
            _ => None,
        })
        .collect();
    for item in items {
        match item {
            syn::Item::Mod(m) if is_test(&m.attrs) => {}
            syn::Item::Mod(m) => {
                let mut child = module.clone();
                child.push(m.ident.to_string());
                if let Some((_, inline)) = &m.content {
                    read_items(krate, file, &dir.join(m.ident.to_string()), &child, inline)?;
                } else {
                    let explicit = path_attr(&m.attrs).map(|p| dir.join(p));
                    let flat = dir.join(format!("{}.rs", m.ident));
                    let nested = dir.join(m.ident.to_string()).join("mod.rs");
                    let (child_file, owns) = match explicit {
                        Some(p) => (p, true),
                        None if flat.is_file() => (flat, false),
                        None if nested.is_file() => (nested, true),
                        None => {
                            anyhow::bail!("{}: module `{}` has no file", file.display(), m.ident)
                        }
                    };
                    read_module(krate, &child_file, child, owns)?;
                }
            }
            syn::Item::Use(u) if is_test(&u.attrs) => {}
            syn::Item::Use(u) => {
                let mut leaves = Vec::new();
                flatten_use(&u.tree, Vec::new(), &mut leaves);
                let public = !matches!(u.vis, syn::Visibility::Inherited);
                for (path, name) in leaves {
                    let Some(absolute) = absolute(module, &path, &children) else {
                        continue;
                    };
                    let reexport_of_child = public && absolute.starts_with(module);
                    if let Some(name) = name {
                        krate
                            .reexports
                            .entry(module.clone())
                            .or_default()
                            .insert(name, absolute.clone());
                    }
                    if !reexport_of_child && is_anchored(&path) {
                        krate
                            .named
                            .entry(file.to_path_buf())
                            .or_default()
                            .push(absolute);
                    }
                }
            }
            other => {
                if item_is_test(other) {
                    continue;
                }
                let mut visitor = PathCollector {
                    module,
                    found: Vec::new(),
                };
                visitor.visit_item(other);
                let found = visitor.found;
                krate
                    .named
                    .entry(file.to_path_buf())
                    .or_default()
                    .extend(found);
            }
        }
    }
    Ok(())
}

/// `#[test]`, or a `#[cfg(..)]` that holds only in test builds: `test`, `all(.., test, ..)`,
/// `any(..)` of such predicates (`not(test)` and `feature = "test-util"` are not).
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("test")
            || (a.path().is_ident("cfg")
                && a.parse_args::<syn::Meta>().is_ok_and(|p| requires_test(&p)))
    })
}

/// Whether the cfg predicate `predicate` is false outside test builds.
fn requires_test(predicate: &syn::Meta) -> bool {
    match predicate {
        syn::Meta::Path(path) => path.is_ident("test"),
        syn::Meta::List(list) => {
            let parts = list.parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            );
            let Ok(parts) = parts else { return false };
            if list.path.is_ident("all") {
                parts.iter().any(requires_test)
            } else if list.path.is_ident("any") {
                !parts.is_empty() && parts.iter().all(requires_test)
            } else {
                false
            }
        }
        syn::Meta::NameValue(_) => false,
    }
}

fn item_is_test(item: &syn::Item) -> bool {
    let attrs = match item {
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        _ => return false,
    };
    is_test(attrs)
}

/// `#[path = "..."]` on a module.
fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// The leaves of a `use` tree: each full path and the name it binds (none for globs).
fn flatten_use(
    tree: &syn::UseTree,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    match tree {
        syn::UseTree::Path(p) => {
            let mut next = prefix;
            next.push(p.ident.to_string());
            flatten_use(&p.tree, next, out);
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                let bound = prefix.last().cloned();
                out.push((prefix, bound));
            } else {
                let mut path = prefix;
                path.push(name.clone());
                out.push((path, Some(name)));
            }
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix;
            let name = r.ident.to_string();
            if name != "self" {
                path.push(name);
            }
            out.push((path, Some(r.rename.to_string())));
        }
        syn::UseTree::Glob(_) => out.push((prefix, None)),
        syn::UseTree::Group(g) => {
            for item in &g.items {
                flatten_use(item, prefix.clone(), out);
            }
        }
    }
}

/// Whether a path starts at `crate`, `super` or `self` (the edges the check counts).
fn is_anchored(path: &[String]) -> bool {
    matches!(
        path.first().map(String::as_str),
        Some("crate" | "super" | "self")
    )
}

/// The absolute module path of `path` as written in `module`; relative paths count only when
/// they start at one of `children` (anything else is another crate or a local item).
fn absolute(module: &ModPath, path: &[String], children: &BTreeSet<String>) -> Option<ModPath> {
    let first = path.first()?;
    match first.as_str() {
        "crate" => Some(path[1..].to_vec()),
        "self" => {
            let mut out = module.clone();
            out.extend(path[1..].iter().cloned());
            Some(out)
        }
        "super" => {
            let mut out = module.clone();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                out.pop()?;
                rest = &rest[1..];
            }
            out.extend(rest.iter().cloned());
            Some(out)
        }
        name if children.contains(name) => {
            let mut out = module.clone();
            out.extend(path.iter().cloned());
            Some(out)
        }
        _ => None,
    }
}

/// Collects the anchored paths of an item (outside `use` lines), including those inside
/// macro calls; skips test items nested in it.
struct PathCollector<'a> {
    module: &'a ModPath,
    found: Vec<ModPath>,
}

impl PathCollector<'_> {
    fn add(&mut self, segments: Vec<String>) {
        if is_anchored(&segments)
            && let Some(abs) = absolute(self.module, &segments, &BTreeSet::new())
        {
            self.found.push(abs);
        }
    }

    fn scan_tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            match &trees[i] {
                TokenTree::Group(g) => self.scan_tokens(g.stream()),
                TokenTree::Ident(id)
                    if matches!(id.to_string().as_str(), "crate" | "super" | "self")
                        && !matches!(i.checked_sub(1).map(|p| &trees[p]),
                            Some(TokenTree::Punct(p)) if p.as_char() == '$') =>
                {
                    // ident (:: ident)*
                    let mut segments = vec![id.to_string()];
                    let mut j = i + 1;
                    while let (
                        Some(TokenTree::Punct(a)),
                        Some(TokenTree::Punct(b)),
                        Some(TokenTree::Ident(next)),
                    ) = (trees.get(j), trees.get(j + 1), trees.get(j + 2))
                        && a.as_char() == ':'
                        && b.as_char() == ':'
                    {
                        segments.push(next.to_string());
                        j += 3;
                    }
                    if segments.len() > 1 {
                        self.add(segments);
                    }
                    i = j;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for PathCollector<'_> {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.add(segments);
        syn::visit::visit_path(self, path);
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if is_test(&u.attrs) {
            return;
        }
        let mut leaves = Vec::new();
        flatten_use(&u.tree, Vec::new(), &mut leaves);
        for (path, _) in leaves {
            self.add(path);
        }
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test(&f.attrs) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }

    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {
        // Doc comments and other attributes are not code that imports.
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        self.scan_tokens(mac.tokens.clone());
    }
}

/// Tarjan's strongly connected components of the graph `edges`.
fn strongly_connected(edges: &BTreeSet<(PathBuf, PathBuf)>) -> Vec<Vec<PathBuf>> {
    let mut nodes: BTreeSet<&PathBuf> = BTreeSet::new();
    let mut out: BTreeMap<&PathBuf, Vec<&PathBuf>> = BTreeMap::new();
    for (a, b) in edges {
        nodes.insert(a);
        nodes.insert(b);
        out.entry(a).or_default().push(b);
    }
    struct State<'a> {
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        on_stack: BTreeSet<&'a PathBuf>,
        next: usize,
        components: Vec<Vec<PathBuf>>,
    }
    fn connect<'a>(
        v: &'a PathBuf,
        out: &BTreeMap<&'a PathBuf, Vec<&'a PathBuf>>,
        s: &mut State<'a>,
    ) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in out.get(v).into_iter().flatten().copied() {
            if !s.index.contains_key(w) {
                connect(w, out, s);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            component.sort();
            s.components.push(component);
        }
    }
    let mut state = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        components: Vec::new(),
    };
    for v in nodes {
        if !state.index.contains_key(v) {
            connect(v, &out, &mut state);
        }
    }
    state.components
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-circles-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_use_line_and_a_written_out_path_close_a_circle() {
        let dir = temp("basic");
        write(
            &dir,
            &[
                ("lib.rs", "mod a;\nmod b;\npub use a::A;\n"),
                ("a.rs", "use crate::b::B;\npub struct A(B);\n"),
                ("b.rs", "pub struct B;\nfn f() -> crate::a::A { todo!() }\n"),
            ],
        );
        let circles = circles_of(&dir.join("lib.rs")).unwrap();
        assert_eq!(circles.len(), 1);
        assert_eq!(circles[0].files, vec![dir.join("a.rs"), dir.join("b.rs")]);
    }

    #[test]
    fn reexports_lead_to_the_defining_file_and_a_parent_reexport_is_no_edge() {
        let dir = temp("reexport");
        write(
            &dir,
            &[
                (
                    "lib.rs",
                    "mod a;\nmod b;\npub use a::A;\npub use crate::b::B;\n",
                ),
                // `crate::A` is a.rs's own type: no edge to lib.rs, so no circle.
                ("a.rs", "pub struct A;\nfn f() -> crate::A { todo!() }\n"),
                ("b.rs", "pub struct B(crate::A);\n"),
            ],
        );
        assert!(circles_of(&dir.join("lib.rs")).unwrap().is_empty());
    }

    #[test]
    fn test_code_doc_links_and_macro_bodies() {
        let dir = temp("tests");
        write(
            &dir,
            &[
                ("lib.rs", "mod a;\nmod b;\n"),
                (
                    "a.rs",
                    "/// See [`crate::b::B`].\npub struct A;\n#[cfg(test)]\nmod tests { use crate::b::B; }\n",
                ),
                (
                    "b.rs",
                    "pub struct B;\nfn f() { let _ = format!(\"{:?}\", crate::a::A); }\n",
                ),
            ],
        );
        // b -> a through the macro body; a -> b only in a doc link and a test: no circle.
        assert!(circles_of(&dir.join("lib.rs")).unwrap().is_empty());
        write(
            &dir,
            &[("a.rs", "pub struct A;\nfn g() { vec![super::b::B]; }\n")],
        );
        assert_eq!(circles_of(&dir.join("lib.rs")).unwrap().len(), 1);
    }

    #[test]
    fn only_code_cfg_gated_on_test_is_test_code() {
        let attrs = |text: &str| {
            syn::parse_str::<syn::ItemFn>(&format!("{text} fn f() {{}}"))
                .unwrap()
                .attrs
        };
        assert!(is_test(&attrs("#[cfg(test)]")));
        assert!(is_test(&attrs("#[cfg(all(test, feature = \"redis\"))]")));
        assert!(is_test(&attrs("#[test]")));
        assert!(!is_test(&attrs("#[cfg(not(test))]")));
        assert!(!is_test(&attrs("#[cfg(feature = \"test-util\")]")));
        assert!(!is_test(&attrs("#[cfg(any(test, feature = \"x\"))]")));
    }

    #[test]
    fn nested_modules_and_super_paths() {
        let dir = temp("nested");
        write(
            &dir,
            &[
                ("lib.rs", "mod r;\nmod c;\n"),
                (
                    "r/mod.rs",
                    "mod inner;\npub struct S;\nfn f() -> crate::c::C { todo!() }\n",
                ),
                ("r/inner.rs", "fn g() -> super::S { todo!() }\n"),
                ("c.rs", "pub struct C;\nfn h() { crate::r::S; }\n"),
            ],
        );
        let circles = circles_of(&dir.join("lib.rs")).unwrap();
        assert_eq!(circles.len(), 1);
        assert_eq!(
            circles[0].files,
            vec![dir.join("c.rs"), dir.join("r/mod.rs")]
        );
    }
}
