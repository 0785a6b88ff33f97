//! Progress on stderr, only for work that takes long enough to wonder about.
//!
//! A spinner appears when stderr is a terminal, `--quiet` is off, and the work has been running
//! for a while; it never appears in CI logs or redirected output, and nothing of it reaches
//! stdout.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

/// How long the work must run before a spinner is shown.
const SHOW_AFTER: Duration = Duration::from_millis(500);

/// A handle to the progress display; cheap to share between threads.
pub struct Progress {
    bar: Option<ProgressBar>,
    running: Mutex<Vec<String>>,
}

impl Progress {
    /// Progress on stderr when it is a terminal and `quiet` is false.
    pub fn stderr(quiet: bool) -> Progress {
        let enabled = !quiet && std::io::stderr().is_terminal();
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed:>3} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            let delayed = bar.clone();
            std::thread::spawn(move || {
                std::thread::sleep(SHOW_AFTER);
                if !delayed.is_finished() {
                    delayed.set_draw_target(ProgressDrawTarget::stderr());
                    delayed.enable_steady_tick(Duration::from_millis(120));
                }
            });
            bar
        });
        Progress {
            bar,
            running: Mutex::new(Vec::new()),
        }
    }

    /// No progress at all (library use, tests).
    pub fn hidden() -> Progress {
        Progress {
            bar: None,
            running: Mutex::new(Vec::new()),
        }
    }

    /// Marks the start of a task; the task ends when the returned guard is dropped.
    pub fn task(&self, message: String) -> Task<'_> {
        // Messages name directories of the audited tree: escaped for the terminal.
        let message = crate::report::escape::line(&message).into_owned();
        if let (Some(bar), Ok(mut running)) = (&self.bar, self.running.lock()) {
            running.push(message.clone());
            bar.set_message(message.clone());
        }
        Task {
            progress: self,
            message,
        }
    }

    /// A task with a known number of steps, shown as a bar (`message 312/1000`).
    pub fn counter(&self, message: String, total: u64) -> Counter<'_> {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(0);
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed:>3} {msg} {bar:30} {pos}/{len}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
        Counter {
            task: self.task(message),
        }
    }

    /// Removes the spinner for good, before the report is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A running counted task; dropping it returns the display to a spinner.
pub struct Counter<'a> {
    task: Task<'a>,
}

impl Counter<'_> {
    /// One more step done (safe from any thread).
    pub fn inc(&self) {
        if let Some(bar) = &self.task.progress.bar {
            bar.inc(1);
        }
    }
}

impl Drop for Counter<'_> {
    fn drop(&mut self) {
        if let Some(bar) = &self.task.progress.bar {
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed:>3} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
        }
    }
}

/// A running task; dropping it removes its message.
pub struct Task<'a> {
    progress: &'a Progress,
    message: String,
}

impl Drop for Task<'_> {
    fn drop(&mut self) {
        if let (Some(bar), Ok(mut running)) = (&self.progress.bar, self.progress.running.lock()) {
            if let Some(position) = running.iter().position(|m| m == &self.message) {
                running.remove(position);
            }
            if let Some(last) = running.last() {
                bar.set_message(last.clone());
            }
        }
    }
}
