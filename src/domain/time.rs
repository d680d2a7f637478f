//! The simulator's clock: real time plus an offset, in whole seconds, printed
//! the way the legacy API prints times.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDateTime, Utc};

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// How long a cross-account request waits for an answer.
pub const PENDING_LIFETIME_SECS: i64 = 7 * 24 * 60 * 60;

const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// The earliest reading the clock may be set to: 1970-01-01 00:00:00.
pub const EARLIEST_CLOCK: Timestamp = 0;
/// The latest: 9999-01-01 00:00:00. Times print with four-digit years, and a
/// clock set to the last second of 9999 would run past that within moments;
/// this leaves it a year.
pub const LATEST_CLOCK: Timestamp = 253_370_764_800;

/// The newest time the state records, and what recorded it: the floor below
/// which the clock may not move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewestRecord {
    pub time: Timestamp,
    /// Such as `vpc vpc-web00001 was created`.
    pub what: String,
}

/// Where the clock may move. Nothing in the state may lie in the clock's
/// future: a VPC created after now, or a request EXPIRED before its expiry,
/// is a state the rules could not have produced. So the clock moves forward
/// freely, and back only as far as the newest time the state records; a
/// reset or a snapshot restore takes it further back, with the state.
pub fn check_clock_target(
    target: Timestamp,
    newest: Option<&NewestRecord>,
) -> Result<(), crate::domain::ApiError> {
    use crate::domain::{ApiError, ErrorCode};
    if !(EARLIEST_CLOCK..=LATEST_CLOCK).contains(&target) {
        return Err(ApiError::new(
            ErrorCode::InvalidParameterValueRange,
            format!(
                "the clock must stay from {} to {}",
                format_time(EARLIEST_CLOCK),
                format_time(LATEST_CLOCK)
            ),
        ));
    }
    match newest {
        Some(newest) if target < newest.time => Err(ApiError::new(
            ErrorCode::InvalidParameterValueRange,
            format!(
                "the clock cannot move back to {}: {} at {}, and nothing in the state may lie in \
                 the clock's future; Reset or RestoreSnapshot go back further",
                format_time(target),
                newest.what,
                format_time(newest.time)
            ),
        )),
        _ => Ok(()),
    }
}

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
    fn the_clock_moves_back_only_to_the_newest_record_and_stays_in_printable_years() {
        let newest = NewestRecord {
            time: 1_452_113_767,
            what: "vpc vpc-web00001 was created".into(),
        };
        assert!(check_clock_target(newest.time, Some(&newest)).is_ok());
        assert!(check_clock_target(newest.time + 1, Some(&newest)).is_ok());
        let back = check_clock_target(newest.time - 1, Some(&newest)).unwrap_err();
        assert_eq!(
            back.code,
            crate::domain::ErrorCode::InvalidParameterValueRange
        );
        assert_eq!(
            back.message,
            "the clock cannot move back to 2016-01-06 20:56:06: vpc vpc-web00001 was created at \
             2016-01-06 20:56:07, and nothing in the state may lie in the clock's future; Reset \
             or RestoreSnapshot go back further"
        );
        assert!(check_clock_target(0, None).is_ok());
        assert!(check_clock_target(-1, None).is_err());
        assert_eq!(format_time(LATEST_CLOCK), "9999-01-01 00:00:00");
        assert!(check_clock_target(LATEST_CLOCK, None).is_ok());
        assert!(check_clock_target(LATEST_CLOCK + 1, None).is_err());
    }

    #[test]
    fn clock_applies_its_offset() {
        let clock = Clock::new(0);
        let before = clock.now();
        clock.set_offset(PENDING_LIFETIME_SECS);
        assert!(clock.now() >= before + PENDING_LIFETIME_SECS);
    }
}
