//! Fault rules: which calls a rule matches, what it does to them, and when
//! it fires. The store keeps the rules and their counters; the transport
//! applies what `decide` picks. No I/O here.
//!
//! A rule matches calls by action, the same name through every front end
//! (gRPC method, API 3.0 or legacy `Action`, see [`ActionName::parse`]), and
//! optionally by caller and region. It fails the call before the work, or
//! after the work committed (the lost answer), or delays the answer before or
//! after the work; for its next N matching calls, for a seeded share of them
//! (so that a run repeats), or until deleted.

use std::time::Duration;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{
    actions::ActionName,
    error::{ApiError, ErrorCode},
    ids::parse_uin,
    region::Region,
    time::Timestamp,
};

/// A rule's action that matches every action.
pub const ANY_ACTION: &str = "*";

/// When, relative to the call's work, a rule acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// After authentication, before anything is read or written.
    Before,
    /// Once the work is done and committed, before the answer leaves.
    After,
}

/// What a rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Answers with the rule's error and changes nothing.
    FailBefore,
    /// Does the work and commits it, then answers with the rule's error.
    FailAfterCommit,
    /// Holds the call before its work.
    DelayBefore,
    /// Holds the answer after the work.
    DelayAfter,
}

impl FaultKind {
    pub const ALL: [FaultKind; 4] = [
        Self::FailBefore,
        Self::FailAfterCommit,
        Self::DelayBefore,
        Self::DelayAfter,
    ];

    /// Its name in the API (the proto enum's) and in scenario files.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::FailBefore => "FAIL_BEFORE",
            Self::FailAfterCommit => "FAIL_AFTER_COMMIT",
            Self::DelayBefore => "DELAY_BEFORE",
            Self::DelayAfter => "DELAY_AFTER",
        }
    }

    pub fn parse(text: &str) -> Option<FaultKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub const fn phase(self) -> Phase {
        match self {
            Self::FailBefore | Self::DelayBefore => Phase::Before,
            Self::FailAfterCommit | Self::DelayAfter => Phase::After,
        }
    }

    pub const fn fails(self) -> bool {
        matches!(self, Self::FailBefore | Self::FailAfterCommit)
    }
}

/// The longest delay a rule may hold a call: ten minutes.
pub const MAX_DELAY_MS: i64 = 600_000;
/// The longest message a rule may set.
pub const MAX_MESSAGE_CHARS: usize = 256;

/// A rule as a caller or a scenario asks for it, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct FaultRequest<'a> {
    pub fault_id: &'a str,
    pub action: &'a str,
    pub uin: &'a str,
    pub region: &'a str,
    /// `None` when the request names no kind.
    pub kind: Option<FaultKind>,
    pub error_code: &'a str,
    pub message: &'a str,
    pub delay_ms: i64,
    pub times: Option<i64>,
    pub probability: Option<f64>,
    pub seed: i64,
}

/// A checked rule: what it matches and does.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// Fixed by the caller, or `None` to generate one.
    pub fault_id: Option<String>,
    /// An [`ActionName`]'s name, or [`ANY_ACTION`].
    pub action: &'static str,
    pub uin: Option<String>,
    pub region: Option<Region>,
    pub kind: FaultKind,
    /// The error a failing rule answers with.
    pub error: Option<ErrorCode>,
    /// Its message; a default that names the rule when `None`.
    pub message: Option<String>,
    pub delay: Duration,
    /// Fires on at most this many more matching calls; `None`: no limit.
    pub times: Option<u64>,
    /// Fires on this share of matching calls, drawn from `seed`.
    pub probability: Option<f64>,
    pub seed: u64,
}

/// Fault ids a caller fixes: like snapshot names, 1 to 60 letters, digits,
/// '.', '_' or '-'.
fn valid_fault_id(id: &str) -> bool {
    (1..=60).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl FaultRequest<'_> {
    /// Checks every field; errors name the field at fault.
    pub fn check(&self) -> Result<FaultSpec, ApiError> {
        let fault_id = match self.fault_id {
            "" => None,
            id if valid_fault_id(id) => Some(id.to_owned()),
            id => {
                return Err(ApiError::field(
                    ErrorCode::InvalidParameterValue,
                    "fault_id",
                    format!("fault_id {id:?} must be 1 to 60 letters, digits, '.', '_' or '-'"),
                ));
            }
        };
        let action = match self.action {
            "" => return Err(ApiError::missing("action")),
            ANY_ACTION => ANY_ACTION,
            name => ActionName::parse(name)
                .ok_or_else(|| {
                    ApiError::field(
                        ErrorCode::InvalidParameterValue,
                        "action",
                        format!(
                            "action {name:?} is not one vpcsim answers; use {ANY_ACTION} (any) or one of {}",
                            ActionName::list()
                        ),
                    )
                })?
                .as_str(),
        };
        let uin = match self.uin {
            "" => None,
            uin => Some(parse_uin(uin, "uin")?),
        };
        let region = match self.region {
            "" => None,
            name => Some(Region::parse(name).map_err(|err| {
                ApiError::field(err.code, "region", format!("region: {}", err.message))
            })?),
        };
        let kind = self.kind.ok_or_else(|| {
            ApiError::field(
                ErrorCode::MissingParameter,
                "kind",
                format!(
                    "kind is required: one of {}",
                    FaultKind::ALL.map(FaultKind::as_str).join(", ")
                ),
            )
        })?;
        let error = self.error(kind)?;
        let message = match self.message {
            "" => None,
            _ if !kind.fails() => {
                return Err(ApiError::field(
                    ErrorCode::InvalidParameter,
                    "message",
                    format!("message applies to failing rules, not to {}", kind.as_str()),
                ));
            }
            text if text.chars().count() > MAX_MESSAGE_CHARS
                || text.chars().any(char::is_control) =>
            {
                return Err(ApiError::field(
                    ErrorCode::InvalidParameterValue,
                    "message",
                    format!(
                        "message must be 1 to {MAX_MESSAGE_CHARS} characters without control characters"
                    ),
                ));
            }
            text => Some(text.to_owned()),
        };
        let delay = self.delay(kind)?;
        let times = match self.times {
            None => None,
            Some(n) if n >= 1 => Some(n as u64),
            Some(n) => {
                return Err(ApiError::field(
                    ErrorCode::InvalidParameterValueRange,
                    "times",
                    format!("times {n} must be at least 1 (leave it out for no limit)"),
                ));
            }
        };
        let probability = match self.probability {
            None => None,
            Some(p) if p > 0.0 && p <= 1.0 => Some(p),
            Some(p) => {
                return Err(ApiError::field(
                    ErrorCode::InvalidParameterValueRange,
                    "probability",
                    format!("probability {p} must be more than 0 and at most 1"),
                ));
            }
        };
        Ok(FaultSpec {
            fault_id,
            action,
            uin,
            region,
            kind,
            error,
            message,
            delay,
            times,
            probability,
            // Any 64 bits seed the draws; a negative seed is as good as any.
            seed: self.seed as u64,
        })
    }

    /// Checks a rule as stored or dumped, whose `times` may have run out
    /// (0), which a new rule may not ask for.
    pub fn check_kept(&self) -> Result<FaultSpec, ApiError> {
        let spent = self.times == Some(0);
        let mut spec = FaultRequest {
            times: if spent { Some(1) } else { self.times },
            ..self.clone()
        }
        .check()?;
        if spent {
            spec.times = Some(0);
        }
        Ok(spec)
    }

    fn error(&self, kind: FaultKind) -> Result<Option<ErrorCode>, ApiError> {
        match (kind.fails(), self.error_code) {
            (true, "") => Err(ApiError::field(
                ErrorCode::MissingParameter,
                "error_code",
                format!(
                    "error_code is required for {}: a code of README's error table",
                    kind.as_str()
                ),
            )),
            (true, code) => ErrorCode::parse(code).map(Some).ok_or_else(|| {
                ApiError::field(
                    ErrorCode::InvalidParameterValue,
                    "error_code",
                    format!(
                        "error_code {code:?} is not a code of README's error table, such as \
                         InternalError, RequestLimitExceeded or ResourceUnavailable"
                    ),
                )
            }),
            (false, "") => Ok(None),
            (false, _) => Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "error_code",
                format!(
                    "error_code applies to FAIL_BEFORE and FAIL_AFTER_COMMIT, not to {}",
                    kind.as_str()
                ),
            )),
        }
    }

    fn delay(&self, kind: FaultKind) -> Result<Duration, ApiError> {
        match (kind.fails(), self.delay_ms) {
            (true, 0) => Ok(Duration::ZERO),
            (true, _) => Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "delay_ms",
                format!(
                    "delay_ms applies to DELAY_BEFORE and DELAY_AFTER, not to {} \
                     (add a second rule to delay and fail)",
                    kind.as_str()
                ),
            )),
            (false, ms) if (1..=MAX_DELAY_MS).contains(&ms) => Ok(Duration::from_millis(ms as u64)),
            (false, ms) => Err(ApiError::field(
                ErrorCode::InvalidParameterValueRange,
                "delay_ms",
                format!(
                    "delay_ms {ms} must be 1 to {MAX_DELAY_MS} for {}",
                    kind.as_str()
                ),
            )),
        }
    }
}

/// A rule in force, with its counters.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub fault_id: String,
    pub spec: FaultSpec,
    /// Matching calls it drew for (the index of its next draw).
    pub matched: u64,
    /// Matching calls it acted on.
    pub fired: u64,
    pub create_time: Timestamp,
}

/// What a rule is matched against: a call's action, caller and region.
#[derive(Debug, Clone, Copy)]
pub struct FaultTarget<'a> {
    pub action: ActionName,
    pub uin: &'a str,
    pub region: Region,
}

impl FaultRule {
    /// Whether it may still fire: a rule whose `times` ran out stays listed
    /// (with its counters) but does nothing.
    pub fn active(&self) -> bool {
        self.spec.times != Some(0)
    }

    /// Whether it would draw for `call` in `phase`; `succeeded` says whether
    /// the work did (a rule fails a call after commit only when there was
    /// something to commit).
    pub fn applies(&self, call: FaultTarget<'_>, phase: Phase, succeeded: bool) -> bool {
        let spec = &self.spec;
        self.active()
            && spec.kind.phase() == phase
            && (spec.kind != FaultKind::FailAfterCommit || succeeded)
            && (spec.action == ANY_ACTION || spec.action == call.action.as_str())
            && spec.uin.as_deref().is_none_or(|uin| uin == call.uin)
            && spec.region.is_none_or(|region| region == call.region)
    }

    /// Draws for one matching call: whether the rule fires on it. Moves
    /// its counters either way, so the n-th matching call always gets the
    /// n-th draw of the seed.
    fn draw(&mut self) -> bool {
        let index = self.matched;
        self.matched += 1;
        let fires = self
            .spec
            .probability
            .is_none_or(|p| unit_draw(self.spec.seed, index) < p);
        if fires {
            self.fired += 1;
            if let Some(left) = self.spec.times.as_mut() {
                *left = left.saturating_sub(1);
            }
        }
        fires
    }

    /// The error a failing rule answers with.
    pub fn error(&self) -> Option<ApiError> {
        let code = self.spec.error?;
        let message = match &self.spec.message {
            Some(message) => message.clone(),
            None => format!(
                "injected by vpcsim fault rule {} (AdminService ListFaults shows it)",
                self.fault_id
            ),
        };
        Some(ApiError::new(code, message))
    }

    /// What it did, as its event and log line say: the error code, or the delay.
    pub fn effect(&self) -> String {
        match self.spec.error {
            Some(code) => code.as_str().to_owned(),
            None => format!("delay {}ms", self.spec.delay.as_millis()),
        }
    }
}

/// The `index`-th number in [0, 1) of `seed`'s sequence. ChaCha8's output
/// is fixed by its definition, and the mapping to [0, 1) is ours (the top
/// 53 bits of one 64-bit output), so a seed gives the same draws on every
/// machine and version, and the sequence can resume at any index.
fn unit_draw(seed: u64, index: u64) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // One 64-bit output is two 32-bit words.
    rng.set_word_pos(u128::from(index) * 2);
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Which rules act on a call in `phase`, in the order they were added:
/// every matching delay that fires, and the first matching failure that
/// fires (later failures are not tried, so their counters do not move).
/// Returns the positions of the rules that drew, and of those that fired.
pub fn decide(
    rules: &mut [FaultRule],
    call: FaultTarget<'_>,
    phase: Phase,
    succeeded: bool,
) -> Decision {
    let mut decision = Decision::default();
    let mut failed = false;
    for (at, rule) in rules.iter_mut().enumerate() {
        if !rule.applies(call, phase, succeeded) || (failed && rule.spec.kind.fails()) {
            continue;
        }
        decision.drew.push(at);
        if rule.draw() {
            failed |= rule.spec.kind.fails();
            decision.fired.push(at);
        }
    }
    decision
}

/// The rules one call drew and fired, by position.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub drew: Vec<usize>,
    pub fired: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(kind: FaultKind) -> FaultRequest<'static> {
        FaultRequest {
            action: "CreateVpc",
            kind: Some(kind),
            error_code: if kind.fails() { "InternalError" } else { "" },
            delay_ms: if kind.fails() { 0 } else { 100 },
            ..Default::default()
        }
    }

    fn rule(id: &str, req: FaultRequest<'_>) -> FaultRule {
        FaultRule {
            fault_id: id.into(),
            spec: req.check().unwrap(),
            matched: 0,
            fired: 0,
            create_time: 0,
        }
    }

    const GZ: Region = crate::domain::region::DEFAULT_REGION;

    fn call(action: &'static str) -> FaultTarget<'static> {
        FaultTarget {
            action: ActionName::parse(action).expect("an action"),
            uin: "100001",
            region: GZ,
        }
    }

    #[test]
    fn requests_are_checked_field_by_field() {
        let bad = |req: FaultRequest<'_>| req.check().unwrap_err();
        let base = request(FaultKind::FailBefore);
        assert_eq!(
            bad(FaultRequest {
                action: "",
                ..base.clone()
            })
            .field,
            Some("action")
        );
        let err = bad(FaultRequest {
            action: "CreateSecurityGroup",
            ..base.clone()
        });
        assert!(
            err.message.contains("CreateVpcPeeringConnection"),
            "{}",
            err.message
        );
        assert_eq!(
            bad(FaultRequest {
                kind: None,
                ..base.clone()
            })
            .code,
            ErrorCode::MissingParameter
        );
        assert_eq!(
            bad(FaultRequest {
                error_code: "",
                ..base.clone()
            })
            .field,
            Some("error_code")
        );
        assert_eq!(
            bad(FaultRequest {
                error_code: "NoSuchCode",
                ..base.clone()
            })
            .code,
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            bad(FaultRequest {
                delay_ms: 5,
                ..base.clone()
            })
            .field,
            Some("delay_ms")
        );
        assert_eq!(
            bad(FaultRequest {
                times: Some(0),
                ..base.clone()
            })
            .field,
            Some("times")
        );
        for p in [0.0, -0.5, 1.5, f64::NAN] {
            assert_eq!(
                bad(FaultRequest {
                    probability: Some(p),
                    ..base.clone()
                })
                .field,
                Some("probability"),
                "{p}"
            );
        }
        assert_eq!(
            bad(FaultRequest {
                uin: "x1",
                ..base.clone()
            })
            .field,
            Some("uin")
        );
        assert_eq!(
            bad(FaultRequest {
                region: "mars",
                ..base.clone()
            })
            .field,
            Some("region")
        );
        assert_eq!(
            bad(FaultRequest {
                fault_id: "a b",
                ..base.clone()
            })
            .field,
            Some("fault_id")
        );
        let delay = request(FaultKind::DelayAfter);
        assert_eq!(
            bad(FaultRequest {
                delay_ms: 0,
                ..delay.clone()
            })
            .field,
            Some("delay_ms")
        );
        assert_eq!(
            bad(FaultRequest {
                delay_ms: MAX_DELAY_MS + 1,
                ..delay.clone()
            })
            .field,
            Some("delay_ms")
        );
        assert_eq!(
            bad(FaultRequest {
                error_code: "InternalError",
                ..delay.clone()
            })
            .field,
            Some("error_code")
        );
        assert_eq!(
            bad(FaultRequest {
                message: "m",
                ..delay
            })
            .field,
            Some("message")
        );
        let spec = FaultRequest {
            action: "DescribeVpcs",
            ..base
        }
        .check()
        .unwrap();
        assert_eq!(spec.action, "DescribeVpcEx");
    }

    #[test]
    fn rules_match_by_action_caller_region_and_phase() {
        let any = rule(
            "a",
            FaultRequest {
                action: "*",
                ..request(FaultKind::FailBefore)
            },
        );
        assert!(any.applies(call("DeleteVpc"), Phase::Before, true));
        assert!(!any.applies(call("DeleteVpc"), Phase::After, true));
        let narrow = rule(
            "n",
            FaultRequest {
                uin: "100002",
                region: "ap-shanghai",
                ..request(FaultKind::FailBefore)
            },
        );
        assert!(!narrow.applies(call("CreateVpc"), Phase::Before, true));
        let shanghai = Region::parse("ap-shanghai").unwrap();
        let theirs = FaultTarget {
            action: ActionName::CreateVpc,
            uin: "100002",
            region: shanghai,
        };
        assert!(narrow.applies(theirs, Phase::Before, true));
        let after = rule("f", request(FaultKind::FailAfterCommit));
        assert!(after.applies(call("CreateVpc"), Phase::After, true));
        assert!(
            !after.applies(call("CreateVpc"), Phase::After, false),
            "nothing was committed"
        );
        let delay = rule("d", request(FaultKind::DelayAfter));
        assert!(delay.applies(call("CreateVpc"), Phase::After, false));
    }

    #[test]
    fn times_runs_out_and_the_first_failure_wins() {
        let mut rules = vec![
            rule("d", request(FaultKind::DelayBefore)),
            rule(
                "f1",
                FaultRequest {
                    times: Some(2),
                    ..request(FaultKind::FailBefore)
                },
            ),
            rule("f2", request(FaultKind::FailBefore)),
        ];
        let c = call("CreateVpc");
        let d = decide(&mut rules, c, Phase::Before, true);
        assert_eq!(
            d,
            Decision {
                drew: vec![0, 1],
                fired: vec![0, 1]
            }
        );
        decide(&mut rules, c, Phase::Before, true);
        assert!(!rules[1].active());
        let d = decide(&mut rules, c, Phase::Before, true);
        assert_eq!(d.fired, vec![0, 2], "f1 is spent, so f2 fails the call");
        assert_eq!((rules[1].matched, rules[1].fired), (2, 2));
        assert_eq!((rules[2].matched, rules[2].fired), (1, 1));
        assert_eq!(rules[2].error().unwrap().code, ErrorCode::InternalError);
        assert!(rules[2].error().unwrap().message.contains("f2"));
        assert_eq!(rules[0].effect(), "delay 100ms");
    }

    #[test]
    fn a_seed_repeats_its_sequence_and_resumes_where_it_stopped() {
        let seeded = |seed| {
            rule(
                "p",
                FaultRequest {
                    probability: Some(0.5),
                    seed,
                    ..request(FaultKind::FailBefore)
                },
            )
        };
        let run = |seed, n| {
            let mut rules = vec![seeded(seed)];
            (0..n)
                .map(|_| {
                    !decide(&mut rules, call("CreateVpc"), Phase::Before, true)
                        .fired
                        .is_empty()
                })
                .collect::<Vec<bool>>()
        };
        let a = run(7, 40);
        assert_eq!(a, run(7, 40));
        assert_ne!(a, run(8, 40));
        let fired = a.iter().filter(|f| **f).count();
        assert!((10..=30).contains(&fired), "about half of 40: {fired}");
        // A rule loaded with its counters continues the same sequence.
        let mut resumed = vec![seeded(7)];
        resumed[0].matched = 25;
        let rest: Vec<bool> = (25..40)
            .map(|_| {
                !decide(&mut resumed, call("CreateVpc"), Phase::Before, true)
                    .fired
                    .is_empty()
            })
            .collect();
        assert_eq!(rest, a[25..]);
    }
}
