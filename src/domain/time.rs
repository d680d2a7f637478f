//! The simulator's clock: real time plus an offset, in whole seconds, printed
//! the way the legacy API prints times.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDateTime, Utc};

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// How long a cross-account request waits for an answer.
pub const PENDING_LIFETIME_SECS: i64 = 7 * 24 * 60 * 60;

const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// `2016-01-06 20:56:07`, UTC.
pub fn format_time(t: Timestamp) -> String {
    DateTime::<Utc>::from_timestamp(t, 0)
        .map(|d| d.format(FORMAT).to_string())
        .unwrap_or_default()
}

/// Parses `YYYY-MM-DD HH:MM:SS` (UTC) or RFC 3339.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    NaiveDateTime::parse_from_str(text, FORMAT)
        .map(|d| d.and_utc().timestamp())
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|d| d.timestamp())
        })
}

/// Real time shifted by an offset that tests may move.
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    pub fn new(offset_secs: i64) -> Self {
        Self {
            offset_secs: AtomicI64::new(offset_secs),
        }
    }

    pub fn now(&self) -> Timestamp {
        self.now_with_offset(self.offset())
    }

    /// Real time plus a given offset, for a caller that read the offset itself.
    pub fn now_with_offset(&self, offset_secs: i64) -> Timestamp {
        Utc::now().timestamp() + offset_secs
    }

    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    pub fn set_offset(&self, offset_secs: i64) {
        self.offset_secs.store(offset_secs, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_legacy_times() {
        assert_eq!(format_time(1_452_113_767), "2016-01-06 20:56:07");
        assert_eq!(parse_time("2016-01-06 20:56:07"), Some(1_452_113_767));
        assert_eq!(parse_time("2016-01-06T20:56:07Z"), Some(1_452_113_767));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn clock_applies_its_offset() {
        let clock = Clock::new(0);
        let before = clock.now();
        clock.set_offset(PENDING_LIFETIME_SECS);
        assert!(clock.now() >= before + PENDING_LIFETIME_SECS);
    }
}
