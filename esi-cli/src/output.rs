//! Output helpers: JSON printing and progress that is a bar on a terminal and plain lines
//! otherwise (so scripts and logs stay readable).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Prints JSON, pretty.
pub(crate) fn json(value: &serde_json::Value) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(_) => println!("{value}"),
    }
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
