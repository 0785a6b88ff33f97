//! How tests show that an algorithm grows linearly, without asserting a wall-clock time.
//!
//! [`assert_linear`] measures the same work on an input of size `n` and of size `4n`, in one
//! process, alternating the two sizes eleven times and keeping the fastest run of each; each run
//! repeats the work so that it lasts a few milliseconds on the small input. What is measured is
//! the CPU time of the measuring thread (`CLOCK_THREAD_CPUTIME_ID`), not the wall clock: time
//! the thread spends waiting for a core on a busy machine does not count, which makes the ratio
//! steady (4.6 ± 0.1 for a linear parser on a machine loaded ten times over its cores). Linear work takes about 4 times as
//! long on the larger input, quadratic work about 16 times; the assertion allows up to 9 times,
//! a margin wide enough for noise and narrow enough that a quadratic algorithm cannot pass.
//! Absolute numbers are measured by benchmarks (docs/benchmarks.md), never asserted.

use std::time::Duration;

/// The CPU time this thread has used.
#[cfg(unix)]
fn thread_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

#[cfg(not(unix))]
fn thread_time() -> Duration {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

/// How often the two sizes are timed, alternately.
const ROUNDS: usize = 11;

/// How much slower the work on `4n` may be than on `n`.
pub const ALLOWED_RATIO: f64 = 9.0;

/// Asserts that `work(input)` grows at most linearly from `small` to `large` (built for `n`
/// and `4n`): see the module documentation.
pub fn assert_linear<T>(what: &str, small: &T, large: &T, work: impl Fn(&T)) {
    // One measurement at a time in this process (tests run in parallel threads).
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    // Each sample repeats the work often enough to last a few milliseconds on the small
    // input, so that the timer's resolution and a single interruption count for little.
    let started = thread_time();
    work(small);
    let once = (thread_time() - started).max(Duration::from_micros(1));
    let repeats = (Duration::from_millis(2).as_nanos() / once.as_nanos()).clamp(1, 200) as u32;
    let mut best = [Duration::MAX, Duration::MAX];
    for _ in 0..ROUNDS {
        for (slot, input) in [small, large].into_iter().enumerate() {
            let started = thread_time();
            for _ in 0..repeats {
                work(input);
            }
            best[slot] = best[slot].min(thread_time() - started);
        }
    }
    let ratio = best[1].as_secs_f64() / best[0].as_secs_f64().max(1e-9);
    assert!(
        ratio < ALLOWED_RATIO,
        "{what}: 4 times the input took {ratio:.1} times as long ({:?} against {:?}); \
         linear work takes about 4 times, quadratic about 16",
        best[1],
        best[0]
    );
}
