//! Short names between the wasm module and its JS glue.
//!
//! wasm-bindgen names every import after the JS function and a hash
//! (`__wbg_setTimeout_06477c23d31efef1`) and every closure export after its mangled Rust path.
//! Both files carry each name once; the hashes do not compress. `wasm-opt
//! --minify-imports-and-exports-and-modules` renames them all to one or two letters (and the
//! import module `wbg` to `a`) and prints the mapping, which is applied here to the glue.
//! Measured: 3.8 KB brotli off the bundle (wasm 2.1, glue 1.8).
//!
//! The rewrite is checked, not hopeful: every import must be defined exactly once in the glue,
//! every export the glue used must be found, and no old name may remain. Any surprise (a new
//! wasm-bindgen writing its glue differently) fails the build instead of shipping a bundle
//! that cannot start.

use anyhow::{Context, bail, ensure};
use std::path::Path;

#[derive(serde::Deserialize)]
struct Mapping {
    /// `[module, old name, new name]`
    imports: Vec<(String, String, String)>,
    /// `[old name, new name]`
    exports: Vec<(String, String)>,
}

/// The wasm-opt pass that renames, printing the mapping on standard output. It reads the
/// module's features from its target-features section: with `--all-features` instead,
/// binaryen writes compact imports that Chromium cannot read.
pub(crate) const WASM_OPT_FLAG: &str = "--minify-imports-and-exports-and-modules";

/// Applies the `mapping` wasm-opt printed to the glue `js`.
pub(crate) fn apply(mapping: &[u8], js: &Path) -> anyhow::Result<()> {
    let mapping: Mapping =
        serde_json::from_slice(mapping).context("wasm-opt printed no name mapping as JSON")?;
    let glue = std::fs::read_to_string(js)?;
    let glue = rename(&glue, &mapping)?;
    std::fs::write(js, glue)?;
    eprintln!(
        "dist: short names for {} imports and {} exports",
        mapping.imports.len(),
        mapping.exports.len()
    );
    Ok(())
}

/// The glue with the mapping applied.
fn rename(glue: &str, mapping: &Mapping) -> anyhow::Result<String> {
    let mut glue = glue.to_owned();
    let modules = "imports.wbg = {};";
    ensure!(
        glue.matches(modules).count() == 1,
        "the glue does not declare `{modules}` once"
    );
    glue = glue.replace(modules, "imports.a = {};");
    for (module, old, new) in &mapping.imports {
        ensure!(
            module == "wbg",
            "an import from module `{module}`, not `wbg`"
        );
        let from = format!("imports.wbg.{old} = ");
        ensure!(
            glue.matches(&from).count() == 1,
            "the glue does not define the import `{old}` once"
        );
        glue = glue.replace(&from, &format!("imports.a.{new} = "));
    }
    for (old, new) in &mapping.exports {
        glue = replace_member(&glue, old, new);
    }
    ensure!(
        !glue.contains("imports.wbg"),
        "the glue still uses the module `wbg`"
    );
    if let Some((old, _)) = mapping
        .exports
        .iter()
        .find(|(old, _)| contains_member(&glue, old))
    {
        bail!("the glue still uses the export `{old}`");
    }
    Ok(glue)
}

/// Replaces `wasm.OLD` (a whole identifier) with `wasm.NEW`.
fn replace_member(glue: &str, old: &str, new: &str) -> String {
    let from = format!("wasm.{old}");
    let mut out = String::with_capacity(glue.len());
    let mut rest = glue;
    while let Some(at) = rest.find(&from) {
        let after = &rest[at + from.len()..];
        out.push_str(&rest[..at]);
        if after.starts_with(is_identifier_char) {
            out.push_str(&from);
        } else {
            out.push_str("wasm.");
            out.push_str(new);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn contains_member(glue: &str, name: &str) -> bool {
    let from = format!("wasm.{name}");
    glue.match_indices(&from)
        .any(|(at, _)| !glue[at + from.len()..].starts_with(is_identifier_char))
}

fn is_identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> Mapping {
        Mapping {
            imports: vec![("wbg".into(), "__wbg_now_69d7".into(), "A".into())],
            exports: vec![
                ("boot".into(), "Jb".into()),
                ("__wbindgen_malloc".into(), "Ub".into()),
            ],
        }
    }

    #[test]
    fn renames_imports_and_whole_export_names_only() {
        let glue = "imports.wbg = {};\nimports.wbg.__wbg_now_69d7 = function() {};\n\
                    wasm.boot(); wasm.__wbindgen_malloc(1); wasm.__wbindgen_malloc_other();";
        let out = rename(glue, &mapping()).unwrap();
        assert_eq!(
            out,
            "imports.a = {};\nimports.a.A = function() {};\n\
             wasm.Jb(); wasm.Ub(1); wasm.__wbindgen_malloc_other();"
        );
    }

    #[test]
    fn an_import_the_glue_does_not_define_fails_the_build() {
        let glue = "imports.wbg = {};\nwasm.boot();";
        assert!(rename(glue, &mapping()).is_err());
    }
}
