//! docs/BENCHMARKS.md belongs to xtask: each benchmark produces its section as markdown, and
//! this is the one place that puts a section on the page.
//!
//! `cargo bench` targets write their section to the file named by [`SECTION_FILE_VAR`] (xtask
//! sets it), so they stay free of page handling and can also be run on their own.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The environment variable through which xtask tells a bench target where to write its
/// section.
pub(crate) const SECTION_FILE_VAR: &str = "NUNCHI_BENCH_SECTION";

/// The page.
pub(crate) fn page(root: &Path) -> PathBuf {
    root.join("docs").join("BENCHMARKS.md")
}

/// Where the bench `name` writes its section for xtask to pick up.
pub(crate) fn section_file(root: &Path, name: &str) -> PathBuf {
    root.join("target")
        .join("bench-sections")
        .join(format!("{name}.md"))
}

/// Moves the section the bench `name` wrote onto the page.
pub(crate) fn record_from_file(root: &Path, name: &str) -> anyhow::Result<()> {
    let file = section_file(root, name);
    let section = std::fs::read_to_string(&file)
        .with_context(|| format!("the {name} bench wrote no section to {}", file.display()))?;
    record(root, name, &section)
}

/// Replaces the section between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->`,
/// or appends it, leaving the rest of the page alone.
pub(crate) fn record(root: &Path, name: &str, section: &str) -> anyhow::Result<()> {
    let doc = page(root);
    let current =
        std::fs::read_to_string(&doc).with_context(|| format!("reading {}", doc.display()))?;
    std::fs::write(&doc, with_section(&current, name, section))
        .with_context(|| format!("writing {}", doc.display()))?;
    eprintln!("bench: wrote the {name} section of {}", doc.display());
    Ok(())
}

fn with_section(page: &str, name: &str, section: &str) -> String {
    let (start, end) = (
        format!("<!-- bench:{name}:start -->"),
        format!("<!-- bench:{name}:end -->"),
    );
    let block = format!("{start}\n{}\n{end}", section.trim_end());
    match (page.find(&start), page.find(&end)) {
        (Some(s), Some(e)) if s < e => format!("{}{block}{}", &page[..s], &page[e + end.len()..]),
        _ => format!("{}\n\n{block}\n", page.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_its_own_section_and_leaves_the_others() {
        let page = "# B\n\n<!-- bench:a:start -->\nold a\n<!-- bench:a:end -->\n\n\
                    <!-- bench:b:start -->\nb\n<!-- bench:b:end -->\n";
        let out = with_section(page, "a", "new a\n");
        assert!(out.contains("<!-- bench:a:start -->\nnew a\n<!-- bench:a:end -->"));
        assert!(out.contains("<!-- bench:b:start -->\nb\n<!-- bench:b:end -->"));
        assert!(!out.contains("old a"));
        let appended = with_section("# B\n", "c", "c");
        assert_eq!(
            appended,
            "# B\n\n<!-- bench:c:start -->\nc\n<!-- bench:c:end -->\n"
        );
    }
}
