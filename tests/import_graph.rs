//! The core's modules import one another in one direction only: no circles.
//!
//! Each file under `src/` is a room; a room leans on another when its code names a path into it
//! (`use crate::a::B`, `super::C`, `crate::a::f()` in an expression, a path inside a macro). A
//! path through a re-export (`crate::Error`, `pub use error::Error` in lib.rs) leans on the room
//! that defines the item. Test modules (`#[cfg(test)]`) are left out: they may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

type ModPath = Vec<String>;

/// One use of another room: where it was seen, as written.
#[derive(Clone)]
struct Reference {
    target: ModPath,
    text: String,
}

struct Room {
    file: PathBuf,
    /// Names each module of the file (itself or inline) imports, with the path they stand for.
    imports: BTreeMap<ModPath, BTreeMap<String, ModPath>>,
    references: Vec<(ModPath, ModPath, String)>, // (module in file, absolute path, text)
}

fn module_path(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: ModPath = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    match last.as_str() {
        "lib.rs" | "mod.rs" => {}
        name => parts.push(name.trim_end_matches(".rs").to_string()),
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    use quote::ToTokens;
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta.to_token_stream().to_string().replace(' ', "") == "cfg(test)"
    })
}

/// Collects the paths of one file, module by module.
struct Collector<'a> {
    /// Every module of the crate (files and inline modules).
    modules: &'a BTreeSet<ModPath>,
    module: ModPath,
    imports: BTreeMap<ModPath, BTreeMap<String, ModPath>>,
    references: Vec<(ModPath, ModPath, String)>,
}

impl Collector<'_> {
    /// The absolute form of a path written in the current module, if it points into the crate.
    fn absolute(&self, segments: &[String]) -> Option<ModPath> {
        let (first, rest) = segments.split_first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.module.clone(),
            "super" => {
                let mut m = self.module.clone();
                m.pop()?;
                m
            }
            name => {
                let mut child = self.module.clone();
                child.push(name.to_string());
                if self.modules.contains(&child) {
                    return Some(child.into_iter().chain(rest.iter().cloned()).collect());
                }
                return None;
            }
        };
        let mut rest = rest;
        while rest.first().is_some_and(|s| s == "super") {
            base.pop()?;
            rest = &rest[1..];
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn reference(&mut self, segments: &[String], text: String) {
        if let Some(abs) = self.absolute(segments) {
            self.references.push((self.module.clone(), abs, text));
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                self.import(prefix, &n.ident.to_string(), &n.ident.to_string())
            }
            syn::UseTree::Rename(r) => {
                self.import(prefix, &r.ident.to_string(), &r.rename.to_string())
            }
            syn::UseTree::Glob(_) => {
                let text = format!("use {}::*", prefix.join("::"));
                self.reference(&prefix.clone(), text);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }

    fn import(&mut self, prefix: &[String], name: &str, alias: &str) {
        let mut segments = prefix.to_vec();
        if name != "self" {
            segments.push(name.to_string());
        }
        if let Some(abs) = self.absolute(&segments) {
            let text = format!("use {}", segments.join("::"));
            self.imports
                .entry(self.module.clone())
                .or_default()
                .insert(alias.to_string(), abs.clone());
            self.references.push((self.module.clone(), abs, text));
        }
    }

    /// `crate::a::b`, `super::c`, `self::d` inside a macro's tokens.
    fn macro_tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            if let TokenTree::Group(g) = &trees[i] {
                self.macro_tokens(g.stream());
            }
            if let TokenTree::Ident(id) = &trees[i] {
                let word = id.to_string();
                if matches!(word.as_str(), "crate" | "super" | "self") {
                    let mut segments = vec![word];
                    let mut j = i + 1;
                    while let (
                        Some(TokenTree::Punct(a)),
                        Some(TokenTree::Punct(b)),
                        Some(TokenTree::Ident(next)),
                    ) = (trees.get(j), trees.get(j + 1), trees.get(j + 2))
                    {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        segments.push(next.to_string());
                        j += 3;
                    }
                    if segments.len() > 1 {
                        let text = segments.join("::");
                        self.reference(&segments, text);
                    }
                    i = j;
                    continue;
                }
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            _ => &[],
        };
        if is_test_only(attrs) {
            return;
        }
        match item {
            syn::Item::Use(u) => self.use_tree(&mut Vec::new(), &u.tree),
            syn::Item::Mod(m) if m.content.is_some() => {
                self.module.push(m.ident.to_string());
                for item in &m.content.as_ref().unwrap().1 {
                    self.visit_item(item);
                }
                self.module.pop();
            }
            _ => syn::visit::visit_item(self, item),
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 {
            let text = segments.join("::");
            self.reference(&segments, text);
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.macro_tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

fn inline_modules(prefix: &ModPath, items: &[syn::Item], out: &mut BTreeSet<ModPath>) {
    for item in items {
        if let syn::Item::Mod(m) = item {
            if let Some((_, inner)) = &m.content {
                let mut p = prefix.clone();
                p.push(m.ident.to_string());
                out.insert(p.clone());
                inline_modules(&p, inner, out);
            }
        }
    }
}

/// The room (file module) an absolute path leans on, following imports and re-exports.
fn resolve(
    path: &ModPath,
    files: &BTreeSet<ModPath>,
    modules: &BTreeSet<ModPath>,
    imports: &BTreeMap<ModPath, BTreeMap<String, ModPath>>,
    depth: usize,
) -> ModPath {
    // The longest prefix that is a module.
    let mut n = path.len();
    while n > 0 && !modules.contains(&path[..n]) {
        n -= 1;
    }
    let module = path[..n].to_vec();
    if depth < 8 {
        if let Some(name) = path.get(n) {
            if let Some(target) = imports.get(&module).and_then(|m| m.get(name)) {
                let mut next = target.clone();
                next.extend(path[n + 1..].iter().cloned());
                return resolve(&next, files, modules, imports, depth + 1);
            }
        }
    }
    // An inline module belongs to its file.
    let mut room = module;
    while !files.contains(&room) {
        room.pop();
    }
    room
}

fn name(m: &ModPath) -> String {
    if m.is_empty() {
        "lib".into()
    } else {
        m.join("::")
    }
}

/// Strongly connected components with more than one room (Tarjan).
fn circles(edges: &BTreeMap<ModPath, BTreeMap<ModPath, Reference>>) -> Vec<Vec<ModPath>> {
    struct State<'a> {
        edges: &'a BTreeMap<ModPath, BTreeMap<ModPath, Reference>>,
        index: BTreeMap<ModPath, usize>,
        low: BTreeMap<ModPath, usize>,
        stack: Vec<ModPath>,
        on_stack: BTreeSet<ModPath>,
        out: Vec<Vec<ModPath>>,
    }
    fn connect(s: &mut State, v: &ModPath) {
        let i = s.index.len();
        s.index.insert(v.clone(), i);
        s.low.insert(v.clone(), i);
        s.stack.push(v.clone());
        s.on_stack.insert(v.clone());
        for w in s
            .edges
            .get(v)
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if !s.index.contains_key(&w) {
                connect(s, &w);
                let l = s.low[v].min(s.low[&w]);
                s.low.insert(v.clone(), l);
            } else if s.on_stack.contains(&w) {
                let l = s.low[v].min(s.index[&w]);
                s.low.insert(v.clone(), l);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            loop {
                let w = s.stack.pop().unwrap();
                s.on_stack.remove(&w);
                let done = &w == v;
                component.push(w);
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            connect(&mut s, v);
        }
    }
    s.out
}

type Edges = BTreeMap<ModPath, BTreeMap<ModPath, Reference>>;

/// Which room leans on which, for the crate whose `lib.rs` is in `src`.
fn graph(src: &Path) -> Edges {
    let mut paths = Vec::new();
    rust_files(src, &mut paths);
    paths.sort();

    let mut files = BTreeSet::new();
    let mut modules = BTreeSet::new();
    let mut parsed = Vec::new();
    for path in &paths {
        let m = module_path(src, path);
        let ast = syn::parse_file(&std::fs::read_to_string(path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        files.insert(m.clone());
        modules.insert(m.clone());
        inline_modules(&m, &ast.items, &mut modules);
        parsed.push((m, path.clone(), ast));
    }

    let mut rooms = Vec::new();
    for (m, path, ast) in &parsed {
        let mut c = Collector {
            modules: &modules,
            module: m.clone(),
            imports: BTreeMap::new(),
            references: Vec::new(),
        };
        for item in &ast.items {
            c.visit_item(item);
        }
        rooms.push(Room {
            file: path.clone(),
            imports: c.imports,
            references: c.references,
        });
    }
    let imports: BTreeMap<ModPath, BTreeMap<String, ModPath>> =
        rooms.iter().flat_map(|r| r.imports.clone()).collect();

    let mut edges = Edges::new();
    for ((m, _, _), room) in parsed.iter().zip(&rooms) {
        edges.entry(m.clone()).or_default();
        for (_, abs, text) in &room.references {
            let target = resolve(abs, &files, &modules, &imports, 0);
            if &target != m {
                let text = format!("{}: {text}", room.file.strip_prefix(src).unwrap().display());
                edges
                    .entry(m.clone())
                    .or_default()
                    .entry(target.clone())
                    .or_insert(Reference { target, text });
            }
        }
    }
    edges
}

/// The circles, each with the references that close it.
fn describe(edges: &Edges, found: &[Vec<ModPath>]) -> String {
    let mut report = String::new();
    for component in found {
        report += &format!("circle of {} rooms:\n", component.len());
        for from in component {
            for (to, r) in &edges[from] {
                if component.contains(to) {
                    report += &format!("  {} -> {}   ({})\n", name(from), name(&r.target), r.text);
                }
            }
        }
    }
    report
}

/// Each room's floor: 0 for a room that leans on no other, else one above the highest it leans
/// on. Printed with `--nocapture`, it is the README's drawing of the rooms.
fn floors(edges: &Edges) -> BTreeMap<usize, Vec<String>> {
    fn floor(m: &ModPath, edges: &Edges, memo: &mut BTreeMap<ModPath, usize>) -> usize {
        if let Some(&f) = memo.get(m) {
            return f;
        }
        let f = edges[m]
            .keys()
            .map(|t| floor(t, edges, memo) + 1)
            .max()
            .unwrap_or(0);
        memo.insert(m.clone(), f);
        f
    }
    let mut memo = BTreeMap::new();
    let mut out: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for m in edges.keys() {
        out.entry(floor(m, edges, &mut memo))
            .or_default()
            .push(name(m));
    }
    out
}

#[test]
fn the_core_has_no_import_circles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = graph(&src);
    let found = circles(&edges);
    assert!(found.is_empty(), "{}", describe(&edges, &found));
    let drawing: String = floors(&edges)
        .iter()
        .rev()
        .map(|(floor, rooms)| format!("{floor:2}: {}\n", rooms.join(" ")))
        .collect();
    print!("{drawing}");
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = &readme[readme
        .find("## Architecture")
        .expect("README: ## Architecture")..];
    let start = section.find("```text\n").expect("README: the drawing") + 8;
    let end = start + section[start..].find("```").unwrap();
    assert_eq!(
        section[start..end],
        drawing,
        "README's Architecture drawing is not the code's"
    );
}

/// The check finds a circle closed through each kind of reference it reads: a `use`, a path in
/// an expression, `super::`, a re-export, a macro's tokens; and none through test modules.
#[test]
fn the_check_sees_every_kind_of_reference() {
    let dir = std::env::temp_dir().join(format!("import-graph-{}", std::process::id()));
    let write = |files: &[(&str, &str)]| {
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let edges = graph(&dir);
        circles(&edges)
            .iter()
            .map(|c| c.iter().map(name).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
    };
    let lib = "mod a; mod b; mod c; pub use c::Thing;";
    let a_uses_b = "use crate::b::f; pub fn g() { f() }";
    let cases = [
        ("pub fn f() { crate::a::g() }", vec!["a b"]),
        ("pub fn f() { super::a::g() }", vec!["a b"]),
        (
            "pub fn f() { format!(\"{:?}\", crate::a::g()); }",
            vec!["a b"],
        ),
        ("pub fn f() { crate::Thing::new(); }", vec![]),
        (
            "pub fn f() {}\n#[cfg(test)]\nmod tests { use crate::a::g; }",
            vec![],
        ),
    ];
    let abc = |b, c| {
        write(&[
            ("lib.rs", lib),
            ("a.rs", a_uses_b),
            ("b.rs", b),
            ("c.rs", c),
        ])
    };
    for (b, want) in cases {
        let c = "pub struct Thing; impl Thing { pub fn new() {} }";
        assert_eq!(abc(b, c), want, "b.rs: {b}");
    }
    // Through a re-export: b -> lib's `Thing` -> c, and c -> a.
    let c = "pub struct Thing; impl Thing { pub fn new() { crate::a::g() } }";
    assert_eq!(abc("pub fn f() { crate::Thing::new(); }", c), vec!["a b c"]);
    // A child that names what its parent defines, while the parent uses the child.
    let parent = "mod kid; pub struct P; pub fn f() { kid::g() }";
    let kid = "use super::P; pub fn g() {}";
    assert_eq!(
        write(&[
            ("lib.rs", "mod m;"),
            ("m/mod.rs", parent),
            ("m/kid.rs", kid)
        ]),
        vec!["m m::kid"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
