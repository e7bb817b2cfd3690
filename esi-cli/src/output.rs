//! Output helpers: lines and JSON on stdout that end quietly when the reader goes away, text
//! from servers made safe for a terminal, and progress that is a bar on a terminal and plain
//! lines otherwise (so scripts and logs stay readable).
//!
//! Invariant: every line of the commands' stdout goes through [`line()`], [`text`] or [`json`],
//! and every piece of text that came from a server (ESI, the SSO, the token database) passes
//! [`printable`] before it reaches stdout or stderr.

use std::borrow::Cow;
use std::fmt;
use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

/// Prints a line on stdout: `out!("{} items", n)?`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}
pub(crate) use out;

/// Stdout was closed by its reader (`esi call --list | head -1`): the command stops, quietly
/// and successfully, as Unix tools do.
#[derive(Debug)]
pub(crate) struct StdoutClosed;

impl fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stdout was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Whether `error` (or anything in its chain) is a closed stdout.
pub(crate) fn is_stdout_closed(error: &anyhow::Error) -> bool {
    error.chain().any(|e| e.is::<StdoutClosed>())
}

/// Writes `text` to stdout and flushes it.
pub(crate) fn text(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(stdout_error)
}

/// Writes one line to stdout (see [`out!`]).
pub(crate) fn line(args: fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"))
        .map_err(stdout_error)
}

fn stdout_error(error: std::io::Error) -> anyhow::Error {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        anyhow::Error::new(StdoutClosed)
    } else {
        anyhow::Error::new(error).context("cannot write to stdout")
    }
}

/// Prints JSON, pretty. (JSON escapes control characters in strings, so server text is safe.)
pub(crate) fn json(value: &serde_json::Value) -> anyhow::Result<()> {
    let mut pretty = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    pretty.push('\n');
    text(&pretty)
}

/// `text` with every character that could steer a terminal written as an escape (`\u{1b}`):
/// control characters (C0, DEL, C1, so ESC and CSI never reach the terminal) and the Unicode
/// bidirectional overrides that reorder what is shown. Everything else is kept as it is.
///
/// Use it on any text a server sent (error bodies, OAuth errors, names) before printing it.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(steers_terminal) {
        return Cow::Borrowed(text);
    }
    let mut clean = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if steers_terminal(c) {
            clean.extend(c.escape_unicode());
        } else {
            clean.push(c);
        }
    }
    Cow::Owned(clean)
}

fn steers_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Progress of a job of `total` steps.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    /// Tenths already reported as plain lines.
    reported: std::sync::atomic::AtomicU64,
}

impl Progress {
    /// A bar when stderr is a terminal, else plain lines on stderr.
    pub(crate) fn new(label: &str, total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label.to_string());
            bar
        });
        Progress {
            bar,
            label: label.to_string(),
            reported: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// `done` of `total` steps are finished.
    pub(crate) fn set(&self, done: u64, total: u64) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(total);
                bar.set_position(done);
            }
            None => {
                // Plain lines: one per tenth of the job, and the last.
                let tenth = done * 10 / total.max(1);
                let before = self
                    .reported
                    .fetch_max(tenth, std::sync::atomic::Ordering::Relaxed);
                if tenth > before || (done == total && before == 0 && tenth == 0) {
                    eprintln!("{}: {done}/{total}", self.label);
                }
            }
        }
    }

    /// Done.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_what_steers_a_terminal() {
        assert!(matches!(printable("plain text, é ✓"), Cow::Borrowed(_)));
        assert_eq!(printable("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(printable("a\nb\tc\u{7f}"), "a\\u{a}b\\u{9}c\\u{7f}");
        assert_eq!(printable("\u{9b}2J"), "\\u{9b}2J", "C1 CSI");
        assert_eq!(printable("x\u{202e}y"), "x\\u{202e}y", "bidi override");
    }
}
