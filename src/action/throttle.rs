//! Throttling like the real API's request limits: at most N requests per
//! second per account and action, through every front end; calls over it
//! fail with `RequestLimitExceeded`. Off by default (`serve --rate-limit`,
//! AdminService SetRateLimit). A limit is a token bucket of N per second
//! holding up to N (governor's GCRA): a burst of 50 calls at 20 per second
//! passes about 20 at once and refills one every 50 ms.
//!
//! Real time, not the simulator's clock: moving the clock does not refill.

use std::{
    collections::BTreeMap,
    fmt,
    num::NonZeroU32,
    str::FromStr,
    sync::{
        Arc, RwLock,
        atomic::{AtomicBool, Ordering},
    },
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::domain::{ApiError, ErrorCode, actions::ActionName, faults::ANY_ACTION};

/// One limit: an action (or every action, `*`) and its rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSetting {
    /// An [`ActionName`]'s name, or [`ANY_ACTION`] for those without their own.
    pub action: &'static str,
    /// Requests per second; 0 removes the limit.
    pub per_second: u32,
}

impl RateLimitSetting {
    /// A limit from an API request; errors name its fields.
    pub fn new(action: &str, per_second: i64) -> Result<Self, ApiError> {
        let action = match action {
            "" | ANY_ACTION => ANY_ACTION,
            name => ActionName::parse(name)
                .ok_or_else(|| {
                    ApiError::field(
                        ErrorCode::InvalidParameterValue,
                        "action",
                        format!(
                            "action {name:?} is not one vpcsim answers; use {ANY_ACTION} (every action) or one of {}",
                            ActionName::list()
                        ),
                    )
                })?
                .as_str(),
        };
        let per_second = u32::try_from(per_second)
            .ok()
            .filter(|n| *n <= 1_000_000)
            .ok_or_else(|| {
                ApiError::field(
                    ErrorCode::InvalidParameterValueRange,
                    "requests_per_second",
                    format!("requests_per_second {per_second} must be 0 (no limit) to 1000000"),
                )
            })?;
        Ok(Self { action, per_second })
    }
}

/// `--rate-limit 20` (every action) or `--rate-limit CreateVpc=5`.
impl FromStr for RateLimitSetting {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (action, rate) = text.split_once('=').unwrap_or(("", text));
        let rate: i64 = rate.trim().parse().map_err(|_| {
            format!("{text:?} is not N or ACTION=N, N requests per second (0: no limit)")
        })?;
        Self::new(action.trim(), rate).map_err(|err| err.message)
    }
}

impl fmt::Display for RateLimitSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.action, self.per_second)
    }
}

type Key = (String, &'static str);

struct Limiter {
    per_second: NonZeroU32,
    buckets: Arc<DefaultKeyedRateLimiter<Key>>,
}

/// The limits in force, each with its buckets.
#[derive(Default)]
pub struct Throttle {
    /// Whether any limit is set: a server without one checks this alone.
    on: AtomicBool,
    limits: RwLock<BTreeMap<&'static str, Limiter>>,
}

impl Throttle {
    pub fn new(settings: &[RateLimitSetting]) -> Self {
        let throttle = Self::default();
        for setting in settings {
            throttle.set(*setting);
        }
        throttle
    }

    /// Sets (or with 0 removes) one limit, with fresh buckets; answers
    /// every limit in force.
    pub fn set(&self, setting: RateLimitSetting) -> Vec<RateLimitSetting> {
        let mut limits = self.limits.write().unwrap_or_else(|e| e.into_inner());
        match NonZeroU32::new(setting.per_second) {
            None => {
                limits.remove(setting.action);
            }
            Some(per_second) => {
                let buckets = Arc::new(RateLimiter::keyed(Quota::per_second(per_second)));
                limits.insert(
                    setting.action,
                    Limiter {
                        per_second,
                        buckets,
                    },
                );
            }
        }
        self.on.store(!limits.is_empty(), Ordering::Release);
        limits
            .iter()
            .map(|(action, limit)| RateLimitSetting {
                action,
                per_second: limit.per_second.get(),
            })
            .collect()
    }

    /// Whether any limit is set.
    pub fn on(&self) -> bool {
        self.on.load(Ordering::Acquire)
    }

    /// Takes one request of `uin` for `action` from its bucket, or refuses it.
    pub fn check(&self, uin: &str, action: ActionName) -> Result<(), ApiError> {
        let action = action.as_str();
        if !self.on() {
            return Ok(());
        }
        let limit = {
            let limits = self.limits.read().unwrap_or_else(|e| e.into_inner());
            limits
                .get(action)
                .or_else(|| limits.get(ANY_ACTION))
                .map(|l| (l.per_second, l.buckets.clone()))
        };
        let Some((per_second, buckets)) = limit else {
            return Ok(());
        };
        buckets.check_key(&(uin.to_owned(), action)).map_err(|_| {
            ApiError::new(
                ErrorCode::RequestLimitExceeded,
                format!(
                    "the rate limit of {action} is {per_second}/s per account; try again later"
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_from_the_command_line() {
        let all: RateLimitSetting = "20".parse().unwrap();
        assert_eq!((all.action, all.per_second), ("*", 20));
        let one: RateLimitSetting = "DescribeVpcs=5".parse().unwrap();
        assert_eq!((one.action, one.per_second), ("DescribeVpcEx", 5));
        assert!("CreateSecurityGroup=5".parse::<RateLimitSetting>().is_err());
        assert!("fast".parse::<RateLimitSetting>().is_err());
        assert!("-1".parse::<RateLimitSetting>().is_err());
    }

    #[test]
    fn a_burst_passes_the_bucket_and_no_more_per_account_and_action() {
        let throttle = Throttle::new(&["3".parse().unwrap(), "CreateVpc=1".parse().unwrap()]);
        let passed = |uin, action: &str| {
            let action = ActionName::parse(action).unwrap();
            (0..10)
                .filter(|_| throttle.check(uin, action).is_ok())
                .count()
        };
        assert_eq!(passed("1", "DeleteVpc"), 3);
        assert_eq!(
            passed("2", "DeleteVpc"),
            3,
            "each account has its own bucket"
        );
        assert_eq!(passed("1", "DescribeVpcEx"), 3, "and each action");
        assert_eq!(passed("1", "CreateVpc"), 1, "an action's own limit wins");
        let err = throttle.check("1", ActionName::CreateVpc).unwrap_err();
        assert_eq!(err.code, ErrorCode::RequestLimitExceeded);
        let left = throttle.set(RateLimitSetting::new("", 0).unwrap());
        assert_eq!(
            left,
            vec![RateLimitSetting {
                action: "CreateVpc",
                per_second: 1
            }]
        );
        assert_eq!(passed("1", "DeleteVpc"), 10, "no limit for the rest");
        throttle.set(RateLimitSetting::new("CreateVpc", 0).unwrap());
        assert_eq!(passed("1", "CreateVpc"), 10);
    }
}
