//! `nunchi export`: pull responses from a running collector into a file.
//!
//! It goes through the export API with a key, rather than reading a data directory, because
//! that is what a data team has: a URL and an export key for its site, not a shell on the
//! collector's machine. It is also the only way that works while the collector runs (sled
//! locks its directory), and the key's scope decides what can be read.
//!
//! The file is written next to its final name and renamed into place only when the whole
//! export has arrived; then `--cursor-file` is updated. A pull that fails leaves the old file
//! and the old cursor, so running the same command again (every minute, from cron) gets every
//! response exactly once.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use futures_util::StreamExt as _;
use indicatif::{ProgressBar, ProgressStyle};

use crate::export::NEXT_CURSOR;

#[derive(Debug, Args)]
pub struct ExportCommand {
    /// The collector, such as https://collector.example.
    #[arg(long, env = "NUNCHI_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// An export key for the site (or an admin key).
    #[arg(long, env = "NUNCHI_KEY", hide_env_values = true)]
    pub key: String,
    /// The site whose responses to export.
    #[arg(long)]
    pub site: String,
    /// Only this survey (required for CSV: one column per question).
    #[arg(long)]
    pub survey: Option<String>,
    /// csv or ndjson.
    #[arg(long, default_value = "csv", value_parser = ["csv", "ndjson"])]
    pub format: String,
    /// Received at or after: RFC 3339, a UTC date (2025-11-23) or epoch milliseconds.
    #[arg(long)]
    pub from: Option<String>,
    /// Received before (same spellings as --from).
    #[arg(long)]
    pub to: Option<String>,
    /// web, kiosk, receipt or app (repeat for several).
    #[arg(long)]
    pub channel: Vec<String>,
    /// A store id (repeat for several).
    #[arg(long)]
    pub store: Vec<String>,
    /// pre_purchase, purchase or post_purchase (repeat for several).
    #[arg(long)]
    pub journey_stage: Vec<String>,
    /// Start a CSV with a UTF-8 byte order mark, so that Excel reads Korean text correctly.
    #[arg(long)]
    pub bom: bool,
    /// Only responses after this cursor (from an earlier export).
    #[arg(long, conflicts_with = "cursor_file")]
    pub cursor: Option<u64>,
    /// Read the cursor from this file if it exists, and write the next one to it after a
    /// complete export: run the same command again for the responses since.
    #[arg(long)]
    pub cursor_file: Option<PathBuf>,
    /// The file to write.
    #[arg(long, short)]
    pub output: PathBuf,
}

pub async fn run(command: ExportCommand) -> anyhow::Result<()> {
    let cursor = match (&command.cursor, &command.cursor_file) {
        (Some(c), _) => Some(*c),
        (None, Some(path)) => read_cursor(path)?,
        (None, None) => None,
    };
    let mut query: Vec<(&str, String)> = vec![("format", command.format.clone())];
    let optional = [
        ("survey", &command.survey),
        ("from", &command.from),
        ("to", &command.to),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            query.push((name, value.clone()));
        }
    }
    for (name, values) in [
        ("channel", &command.channel),
        ("store", &command.store),
        ("journey_stage", &command.journey_stage),
    ] {
        query.extend(values.iter().map(|v| (name, v.clone())));
    }
    if command.bom {
        query.push(("bom", "true".into()));
    }
    if let Some(cursor) = cursor {
        query.push(("cursor", cursor.to_string()));
    }

    let base = command.url.trim_end_matches('/');
    let url = format!("{base}/v1/admin/sites/{}/export", command.site);
    let response = super::client()?
        .get(&url)
        .query(&query)
        .bearer_auth(&command.key)
        .send()
        .await
        .with_context(|| format!("could not reach the collector at {base}"))?;
    if !response.status().is_success() {
        return Err(super::api_error(response).await);
    }
    let next_cursor: u64 = response
        .headers()
        .get(NEXT_CURSOR)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .context("the collector sent no Nunchi-Next-Cursor: is it a nunchi collector?")?;

    let partial = with_suffix(&command.output, ".part");
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(&partial)
            .with_context(|| format!("could not create {}", partial.display()))?,
    );
    let progress = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg} · {bytes} · {bytes_per_sec} · {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    progress.enable_steady_tick(Duration::from_millis(120));
    let mut rows = RowCounter::new(command.format == "csv");
    let mut body = response.bytes_stream();
    let written = async {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.context("the export was cut off (the collector stopped, or the key was revoked); nothing was kept")?;
            file.write_all(&chunk)?;
            rows.feed(&chunk);
            progress.inc(chunk.len() as u64);
            progress.set_message(format!("{} rows", rows.rows()));
        }
        file.into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        anyhow::Ok(())
    }
    .await;
    progress.finish_and_clear();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, &command.output)
        .with_context(|| format!("could not write {}", command.output.display()))?;
    if let Some(path) = &command.cursor_file {
        write_cursor(path, next_cursor)?;
    }
    eprintln!(
        "wrote {} rows to {} · next cursor {next_cursor}",
        rows.rows(),
        command.output.display()
    );
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn read_cursor(path: &Path) -> anyhow::Result<Option<u64>> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .trim()
            .parse()
            .map(Some)
            .with_context(|| format!("{} does not hold a cursor", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
    }
}

/// Written beside and renamed into place, so a crash leaves the old cursor or the new one.
fn write_cursor(path: &Path, cursor: u64) -> anyhow::Result<()> {
    let partial = with_suffix(path, ".part");
    std::fs::write(&partial, format!("{cursor}\n"))?;
    std::fs::rename(&partial, path)
        .with_context(|| format!("could not write {}", path.display()))?;
    Ok(())
}

/// Counts records as the bytes go by: lines of NDJSON, or CSV rows, whose quoted cells may
/// hold line breaks (a `"` toggles quoting; an escaped `""` toggles twice).
#[derive(Debug)]
struct RowCounter {
    csv: bool,
    quoted: bool,
    lines: u64,
}

impl RowCounter {
    fn new(csv: bool) -> Self {
        Self {
            csv,
            quoted: false,
            lines: 0,
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'"' if self.csv => self.quoted = !self.quoted,
                b'\n' if !self.quoted => self.lines += 1,
                _ => {}
            }
        }
    }

    /// Rows of responses: a CSV's header line is not one.
    fn rows(&self) -> u64 {
        if self.csv {
            self.lines.saturating_sub(1)
        } else {
            self.lines
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_counted_across_chunks_and_quoted_line_breaks() {
        let csv = "seq,why\n1,\"line one\nline two\"\n2,\"say \"\"hi\"\"\"\n3,plain\n";
        for split in 0..csv.len() {
            let mut counter = RowCounter::new(true);
            counter.feed(&csv.as_bytes()[..split]);
            counter.feed(&csv.as_bytes()[split..]);
            assert_eq!(counter.rows(), 3, "split at {split}");
        }
        let mut ndjson = RowCounter::new(false);
        ndjson.feed(b"{\"a\":\"\\\"\"}\n{}\n");
        assert_eq!(ndjson.rows(), 2);
    }
}
