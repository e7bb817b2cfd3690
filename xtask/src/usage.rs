//! What the kernel counts of a process's resources (`getrusage`): the benchmarks' CPU times
//! and peak memory.

use std::time::Duration;

/// Whose use to read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Whose {
    /// This process (all threads).
    This,
    /// Every descendant this process has waited for.
    Children,
}

fn rusage(whose: Whose) -> libc::rusage {
    let who = match whose {
        Whose::This => libc::RUSAGE_SELF,
        Whose::Children => libc::RUSAGE_CHILDREN,
    };
    // SAFETY: getrusage only writes the struct it is given.
    unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(who, &mut usage);
        usage
    }
}

/// User plus system CPU time so far.
pub(crate) fn cpu_time(whose: Whose) -> Duration {
    let usage = rusage(whose);
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The peak resident memory in KiB: of this process, or of the largest descendant waited for.
pub(crate) fn max_rss_kib(whose: Whose) -> u64 {
    u64::try_from(rusage(whose).ru_maxrss).unwrap_or(0)
}
