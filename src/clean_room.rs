//! Running the ecosystems' own programs (`cargo metadata`, `npm config get`, `go env`, pip) in a
//! clean room: from a working directory no other user can prepare, with a time limit, and with
//! bounded output.
//!
//! These programs read configuration from their working directory and every directory above it
//! (`.cargo/config.toml`, `.npmrc`, `go.mod` with a `toolchain` line, Python's `sys.path[0]`),
//! and some of that configuration runs programs (`rustc-wrapper`, a toolchain to download, a
//! module to import). So the working directory is never the audited tree, and never the system's
//! temporary directory (where every local user may create `/tmp/.cargo/config.toml`): it is a
//! folder in fundament's cache directory, or `/`, whichever has no ancestor that a user other
//! than this one (or root) can write.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The working directory for the ecosystems' programs: `<cache>/clean-room` when it and every
/// folder above it are writable only by this user or root, else `/` when that is, else why
/// neither can be used.
pub fn working_dir(cache_dir: Option<&Path>) -> Result<PathBuf, String> {
    let mut why = Vec::new();
    if let Some(cache) = cache_dir {
        let dir = cache.join("clean-room");
        let created = {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(&dir)
        };
        match created
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))
            .and_then(|()| std::fs::canonicalize(&dir).map_err(|e| e.to_string()))
            .and_then(|dir| safe(&dir).map(|()| dir))
        {
            Ok(dir) => return Ok(dir),
            Err(reason) => why.push(reason),
        }
    }
    let root = PathBuf::from("/");
    match safe(&root) {
        Ok(()) => Ok(root),
        Err(reason) => {
            why.push(reason);
            Err(why.join("; "))
        }
    }
}

/// Whether `dir` and every folder above it can be written only by this user or root.
#[cfg(unix)]
fn safe(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt as _;
    // SAFETY: getuid has no preconditions and cannot fail.
    let me = unsafe { libc::getuid() };
    for folder in dir.ancestors() {
        let meta = std::fs::metadata(folder)
            .map_err(|e| format!("cannot inspect {}: {e}", folder.display()))?;
        if meta.mode() & 0o022 != 0 {
            return Err(format!(
                "{} can be written by other users (so can its `.cargo`, `.npmrc`, `go.mod`)",
                folder.display()
            ));
        }
        if meta.uid() != me && meta.uid() != 0 {
            return Err(format!("{} belongs to another user", folder.display()));
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn safe(_: &Path) -> Result<(), String> {
    Ok(())
}

/// What a program run in the clean room gave.
#[derive(Debug)]
pub struct Ran {
    pub success: bool,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Why a program gave nothing.
#[derive(Debug)]
pub enum RunError {
    /// The program could not be started.
    Start(std::io::Error),
    /// It did not finish in time and was killed.
    TimedOut(Duration),
}

/// Runs `command` (its working directory already set) with stdin closed, killing it after
/// `limit`; of its output, at most `max_output` bytes per stream are kept.
pub fn run(mut command: Command, limit: Duration, max_output: u64) -> Result<Ran, RunError> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(RunError::Start)?;
    let drain = |stream: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            if let Some(stream) = stream {
                let mut stream = stream.take(max_output);
                let _ = stream.read_to_end(&mut kept);
                // Whatever is left is read and dropped, so that the program never blocks on a
                // full pipe.
                let _ = std::io::copy(&mut stream.into_inner(), &mut std::io::sink());
            }
            kept
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    );
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::TimedOut(limit));
            }
        }
    };
    Ok(Ran {
        success: status.success(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_folder_others_can_write_is_no_clean_room() {
        let tmp = tempfile::tempdir().unwrap();
        // The system's temporary directory is writable by everyone: a cache inside it is no
        // clean room, and `/` is used instead.
        let dir = working_dir(Some(tmp.path())).unwrap();
        if safe(Path::new("/")).is_ok() {
            assert_eq!(dir, PathBuf::from("/"));
        }
        assert!(safe(&std::env::temp_dir()).is_err());
    }

    #[test]
    fn programs_that_do_not_finish_are_killed() {
        let mut sleeper = Command::new("sleep");
        sleeper.arg("30");
        let started = Instant::now();
        let result = run(sleeper, Duration::from_millis(200), 1024);
        assert!(matches!(result, Err(RunError::TimedOut(_))));
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn output_is_bounded() {
        let mut yes = Command::new("sh");
        yes.args(["-c", "head -c 100000 /dev/zero"]);
        let ran = run(yes, Duration::from_secs(30), 1000).unwrap();
        assert!(ran.success);
        assert_eq!(ran.stdout.len(), 1000);
    }
}
