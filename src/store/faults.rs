//! Fault rules in the database and the model: added, listed, deleted, and
//! drawn for calls. Which rules act on a call is `domain::faults::decide`;
//! this module runs it in the writer, so that counters ("the next 3
//! calls", the seeded draws) move exactly once per call however many
//! callers race, and each firing is recorded as an event in the same
//! transaction as the counters it moved.

use std::sync::atomic::Ordering;

use sqlx::SqliteConnection;

use super::{
    Actor, Store, Tx,
    events::{self, Change},
};
use crate::domain::{
    ApiError, ApiResult, ErrorCode,
    faults::{FaultKind, FaultRequest, FaultRule, FaultSpec, FaultTarget, Phase, decide},
    region::Region,
    time::Timestamp,
};

#[derive(sqlx::FromRow)]
struct FaultRow {
    fault_id: String,
    action: String,
    uin: Option<String>,
    region: Option<String>,
    kind: String,
    error_code: Option<String>,
    message: Option<String>,
    delay_ms: i64,
    times: Option<i64>,
    probability: Option<f64>,
    seed: i64,
    matched: i64,
    fired: i64,
    create_time: Timestamp,
}

impl FaultRow {
    /// The rule, checked as a new one would be; `None` for a row no
    /// version of vpcsim wrote (logged, and left out).
    fn into_rule(self) -> Option<FaultRule> {
        let request = FaultRequest {
            fault_id: &self.fault_id,
            action: &self.action,
            uin: self.uin.as_deref().unwrap_or(""),
            region: self.region.as_deref().unwrap_or(""),
            kind: FaultKind::parse(&self.kind),
            error_code: self.error_code.as_deref().unwrap_or(""),
            message: self.message.as_deref().unwrap_or(""),
            delay_ms: self.delay_ms,
            times: self.times,
            probability: self.probability,
            seed: self.seed,
        };
        match request.check_kept() {
            Ok(spec) => Some(FaultRule {
                fault_id: self.fault_id,
                spec,
                matched: self.matched.max(0) as u64,
                fired: self.fired.max(0) as u64,
                create_time: self.create_time,
            }),
            Err(err) => {
                tracing::warn!(fault_id = %self.fault_id, error = %err, "a stored fault rule is not valid; it is ignored");
                None
            }
        }
    }
}

/// Every rule, in the order they are tried.
pub(super) async fn load_rules(conn: &mut SqliteConnection) -> Result<Vec<FaultRule>, sqlx::Error> {
    let rows: Vec<FaultRow> = sqlx::query_as(
        "SELECT fault_id, action, uin, region, kind, error_code, message, delay_ms, times,
                probability, seed, matched, fired, create_time
         FROM faults ORDER BY position",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().filter_map(FaultRow::into_rule).collect())
}

/// Writes a new rule's row, after those already there.
pub(super) async fn insert_rule(
    conn: &mut SqliteConnection,
    rule: &FaultRule,
) -> Result<(), sqlx::Error> {
    let spec = &rule.spec;
    sqlx::query(
        "INSERT INTO faults (fault_id, action, uin, region, kind, error_code, message, delay_ms,
                             times, probability, seed, matched, fired, create_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&rule.fault_id)
    .bind(spec.action)
    .bind(spec.uin.as_deref())
    .bind(spec.region.map(|r| r.name))
    .bind(spec.kind.as_str())
    .bind(spec.error.map(ErrorCode::as_str))
    .bind(spec.message.as_deref())
    .bind(spec.delay.as_millis() as i64)
    .bind(spec.times.map(|n| n as i64))
    .bind(spec.probability)
    .bind(spec.seed as i64)
    .bind(rule.matched as i64)
    .bind(rule.fired as i64)
    .bind(rule.create_time)
    .execute(conn)
    .await?;
    Ok(())
}

fn not_found(fault_id: &str) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidFaultNotFound,
        format!("fault rule {fault_id:?} does not exist (ListFaults lists them)"),
    )
}

fn record(
    tx: &mut Tx,
    actor: &Actor,
    fault_id: &str,
    kind: &'static str,
    states: [Option<&str>; 2],
) {
    events::record(
        tx,
        actor,
        Change {
            resource_type: "fault",
            resource_id: fault_id,
            kind,
            old_state: states[0],
            new_state: states[1],
        },
    );
}

/// A call as the writer keeps it while it decides.
struct OwnedTarget {
    action: crate::domain::actions::ActionName,
    uin: String,
    region: Region,
}

impl Store {
    /// Adds a rule after the others. A rule that names a caller needs that
    /// account to exist, and a fixed id must be free.
    pub async fn add_fault(&self, actor: Actor, spec: FaultSpec) -> ApiResult<FaultRule> {
        self.write(move |tx| {
            Box::pin(async move {
                let create_time = tx.now;
                let model = tx.model().await?;
                if let Some(uin) = &spec.uin
                    && model.account(uin).is_none()
                {
                    return Err(ApiError::field(
                        ErrorCode::InvalidAccountNotFound,
                        "uin",
                        format!("account {uin} does not exist"),
                    ));
                }
                let fault_id = match &spec.fault_id {
                    Some(id) if model.faults.iter().any(|r| &r.fault_id == id) => {
                        return Err(ApiError::field(
                            ErrorCode::InvalidParameterValue,
                            "fault_id",
                            format!("fault rule {id:?} already exists"),
                        ));
                    }
                    Some(id) => id.clone(),
                    None => loop {
                        let id = tx.ids.fault_id();
                        let model = tx.model().await?;
                        if !model.faults.iter().any(|r| r.fault_id == id) {
                            break id;
                        }
                    },
                };
                let rule = FaultRule {
                    fault_id,
                    spec,
                    matched: 0,
                    fired: 0,
                    create_time,
                };
                insert_rule(&mut tx.conn, &rule).await?;
                tx.model().await?.faults.push(rule.clone());
                record(
                    tx,
                    &actor,
                    &rule.fault_id,
                    "created",
                    [None, Some(rule.spec.kind.as_str())],
                );
                Ok(rule)
            })
        })
        .await
    }

    /// Every rule, in the order they are tried, with its counters.
    pub async fn list_faults(&self) -> ApiResult<Vec<FaultRule>> {
        self.with_model(|model| model.faults.clone()).await
    }

    /// Deletes one rule, and answers it as it was.
    pub async fn delete_fault(&self, actor: Actor, fault_id: String) -> ApiResult<FaultRule> {
        self.write(move |tx| {
            Box::pin(async move {
                let model = tx.model().await?;
                let at = model
                    .faults
                    .iter()
                    .position(|r| r.fault_id == fault_id)
                    .ok_or_else(|| not_found(&fault_id))?;
                let rule = model.faults.remove(at);
                sqlx::query("DELETE FROM faults WHERE fault_id = ?")
                    .bind(&rule.fault_id)
                    .execute(&mut tx.conn)
                    .await?;
                record(tx, &actor, &rule.fault_id, "deleted", [None, None]);
                Ok(rule)
            })
        })
        .await
    }

    /// Deletes every rule; answers how many there were.
    pub async fn clear_faults(&self, actor: Actor) -> ApiResult<u64> {
        self.write(move |tx| {
            Box::pin(async move {
                let rules = std::mem::take(&mut tx.model().await?.faults);
                sqlx::query("DELETE FROM faults")
                    .execute(&mut tx.conn)
                    .await?;
                for rule in &rules {
                    record(tx, &actor, &rule.fault_id, "deleted", [None, None]);
                }
                Ok(rules.len() as u64)
            })
        })
        .await
    }

    /// Whether some rule is in force: one atomic read, so that a server
    /// without rules pays nothing per call.
    pub fn faults_armed(&self) -> bool {
        self.faults_armed.load(Ordering::Acquire)
    }

    /// The rules that act on `call` in `phase` (see `domain::faults::decide`),
    /// as they are once their counters moved; each one's firing is an event
    /// of `actor` (the caller, with the call's request id). `succeeded`
    /// says whether the call's work did. Without a matching rule, no write.
    pub async fn inject_faults(
        &self,
        actor: Actor,
        call: FaultTarget<'_>,
        phase: Phase,
        succeeded: bool,
    ) -> ApiResult<Vec<FaultRule>> {
        if !self.faults_armed() {
            return Ok(Vec::new());
        }
        let applies = self
            .with_model(|model| {
                model
                    .faults
                    .iter()
                    .any(|rule| rule.applies(call, phase, succeeded))
            })
            .await?;
        if !applies {
            return Ok(Vec::new());
        }
        let target = OwnedTarget {
            action: call.action,
            uin: call.uin.to_owned(),
            region: call.region,
        };
        self.write(move |tx| {
            Box::pin(async move {
                let model = tx.model().await?;
                let key = FaultTarget {
                    action: target.action,
                    uin: &target.uin,
                    region: target.region,
                };
                let decision = decide(&mut model.faults, key, phase, succeeded);
                let drew: Vec<FaultRule> = decision
                    .drew
                    .iter()
                    .map(|&at| model.faults[at].clone())
                    .collect();
                let fired: Vec<FaultRule> = decision
                    .fired
                    .iter()
                    .map(|&at| model.faults[at].clone())
                    .collect();
                for rule in &drew {
                    sqlx::query(
                        "UPDATE faults SET times = ?, matched = ?, fired = ? WHERE fault_id = ?",
                    )
                    .bind(rule.spec.times.map(|n| n as i64))
                    .bind(rule.matched as i64)
                    .bind(rule.fired as i64)
                    .bind(&rule.fault_id)
                    .execute(&mut tx.conn)
                    .await?;
                }
                for rule in &fired {
                    let effect = rule.effect();
                    record(
                        tx,
                        &actor,
                        &rule.fault_id,
                        "injected",
                        [Some(target.action.as_str()), Some(&effect)],
                    );
                }
                Ok(fired)
            })
        })
        .await
    }
}
