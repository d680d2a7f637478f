//! Accounts and quotas.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, SqliteConnection};

use super::{
    Actor, Store, Tx,
    events::{self, Change},
    records::{Account, Quota},
    states,
};
use crate::domain::{
    ApiError, ApiResult, ErrorCode, peering::PeeringState, quota::QuotaName, region::Region,
    time::Timestamp,
};

/// A validated CreateAccount request.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub uin: String,
    pub name: String,
    pub app_id: Option<i64>,
    pub secret_id: Option<String>,
    pub secret_key: Option<String>,
}

/// A validated SetQuota request.
#[derive(Debug, Clone)]
pub struct QuotaUpdate {
    pub uin: String,
    pub region: Region,
    pub quota: QuotaName,
    pub limit: i64,
}

/// The first app id handed out when none is given.
const FIRST_APP_ID: i64 = 1_250_000_001;

pub async fn create_account(tx: &mut Tx, actor: &Actor, new: NewAccount) -> ApiResult<Account> {
    let taken: Option<(String,)> = sqlx::query_as(
        "SELECT CASE WHEN uin = ?1 THEN 'uin' WHEN secret_id = ?2 THEN 'secret_id' ELSE 'app_id' END
         FROM accounts WHERE uin = ?1 OR secret_id = ?2 OR app_id = ?3 LIMIT 1",
    )
    .bind(&new.uin)
    .bind(new.secret_id.as_deref())
    .bind(new.app_id)
    .fetch_optional(&mut tx.conn)
    .await?;
    if let Some((what,)) = taken {
        let message = match what.as_str() {
            "uin" => format!("account {} already exists", new.uin),
            "secret_id" => "the secret_id is already in use by another account".to_owned(),
            _ => format!(
                "app_id {} is already in use by another account",
                new.app_id.unwrap_or_default()
            ),
        };
        return Err(ApiError::new(
            ErrorCode::InvalidAccountAlreadyExists,
            message,
        ));
    }
    let app_id = match new.app_id {
        Some(id) => id,
        None => {
            let (max,): (Option<i64>,) = sqlx::query_as("SELECT MAX(app_id) FROM accounts")
                .fetch_one(&mut tx.conn)
                .await?;
            max.map_or(FIRST_APP_ID, |m| m.max(FIRST_APP_ID - 1) + 1)
        }
    };
    let account = Account {
        secret_id: new.secret_id.unwrap_or_else(|| tx.ids.secret_id()),
        secret_key: new.secret_key.unwrap_or_else(|| tx.ids.secret_key()),
        uin: new.uin,
        name: new.name,
        app_id,
        create_time: tx.now,
    };
    sqlx::query(
        "INSERT INTO accounts (uin, name, app_id, secret_id, secret_key, create_time) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&account.uin)
    .bind(&account.name)
    .bind(account.app_id)
    .bind(&account.secret_id)
    .bind(&account.secret_key)
    .bind(account.create_time)
    .execute(&mut tx.conn)
    .await?;
    events::record(
        tx,
        actor,
        Change {
            resource_type: "account",
            resource_id: &account.uin,
            kind: "created",
            old_state: None,
            new_state: None,
        },
    )
    .await?;
    if let Some(model) = tx.loaded_model() {
        model.set_app_id(&account.uin, account.app_id);
    }
    Ok(account)
}

pub async fn set_quota(tx: &mut Tx, actor: &Actor, update: QuotaUpdate) -> ApiResult<Quota> {
    require_account(&mut tx.conn, &update.uin).await?;
    let old = quota_limit(&mut tx.conn, &update.uin, update.region, update.quota).await?;
    let used = quota_used(
        &mut tx.conn,
        &update.uin,
        update.region,
        update.quota,
        tx.now,
    )
    .await?;
    // A quota below what is in use would leave the state breaking its own
    // rules; free resources first.
    if update.limit < used {
        return Err(ApiError::field(
            ErrorCode::InvalidParameterValueRange,
            "limit",
            format!(
                "limit {} is below the {used} already in use for {} of account {} in {}",
                update.limit,
                update.quota.as_str(),
                update.uin,
                update.region.name
            ),
        ));
    }
    sqlx::query(
        "INSERT INTO quotas (uin, region, quota_name, quota_limit) VALUES (?, ?, ?, ?)
         ON CONFLICT (uin, region, quota_name) DO UPDATE SET quota_limit = excluded.quota_limit",
    )
    .bind(&update.uin)
    .bind(update.region.name)
    .bind(update.quota.as_str())
    .bind(update.limit)
    .execute(&mut tx.conn)
    .await?;
    let resource = format!(
        "{}/{}/{}",
        update.uin,
        update.region.name,
        update.quota.as_str()
    );
    let (old, new) = (old.to_string(), update.limit.to_string());
    events::record(
        tx,
        actor,
        Change {
            resource_type: "quota",
            resource_id: &resource,
            kind: "set",
            old_state: Some(&old),
            new_state: Some(&new),
        },
    )
    .await?;
    let used = quota_used(
        &mut tx.conn,
        &update.uin,
        update.region,
        update.quota,
        tx.now,
    )
    .await?;
    if let Some(model) = tx.loaded_model() {
        model.set_limit(&update.uin, update.region.name, update.quota, update.limit);
    }
    Ok(Quota {
        quota_name: update.quota.as_str().to_owned(),
        limit: update.limit,
        used,
    })
}

async fn require_account(conn: &mut SqliteConnection, uin: &str) -> ApiResult<()> {
    let found: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM accounts WHERE uin = ?")
        .bind(uin)
        .fetch_optional(conn)
        .await?;
    found.map(|_| ()).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidAccountNotFound,
            format!("account {uin} does not exist"),
        )
    })
}

/// The limit in force: the account's own setting, or the default.
pub(super) async fn quota_limit(
    conn: &mut SqliteConnection,
    uin: &str,
    region: Region,
    quota: QuotaName,
) -> Result<i64, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT quota_limit FROM quotas WHERE uin = ? AND region = ? AND quota_name = ?",
    )
    .bind(uin)
    .bind(region.name)
    .bind(quota.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.map_or(quota.default_limit(), |(limit,)| limit))
}

/// Current use of a quota: VPCs in the region, or for the per-VPC quotas the
/// highest use among the account's VPCs there.
async fn quota_used(
    conn: &mut SqliteConnection,
    uin: &str,
    region: Region,
    quota: QuotaName,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    // The highest count among the account's VPCs in the region of their
    // peerings that `condition` keeps.
    let per_vpc_peerings = |condition: String| {
        format!(
            "SELECT COALESCE(MAX((SELECT COUNT(*) FROM peerings p
                 WHERE (p.vpc = v.id OR p.peer_vpc = v.id) AND {condition} AND ?3 = ?3)), 0)
             FROM vpcs v WHERE v.uin = ?1 AND v.region = ?2 AND v.deleted = 0"
        )
    };
    let sql = match quota {
        QuotaName::MaxVpcs => {
            "SELECT COUNT(*) FROM vpcs WHERE uin = ?1 AND region = ?2 AND deleted = 0 AND ?3 = ?3"
                .to_owned()
        }
        QuotaName::MaxVpcPeers => per_vpc_peerings(states::live("p.", "?3")),
        QuotaName::MaxAvailableVpcPeers => {
            per_vpc_peerings(states::is("p.", PeeringState::Active))
        }
        QuotaName::MaxAssistantCidrs => {
            "SELECT COALESCE(MAX(CASE WHEN assistant_cidr_blocks = '' THEN 0
                 ELSE LENGTH(assistant_cidr_blocks) - LENGTH(REPLACE(assistant_cidr_blocks, ',', '')) + 1 END), 0)
             FROM vpcs WHERE uin = ?1 AND region = ?2 AND deleted = 0 AND ?3 = ?3"
                .to_owned()
        }
    };
    let (used,): (i64,) = sqlx::query_as(AssertSqlSafe(sql))
        .bind(uin)
        .bind(region.name)
        .bind(now)
        .fetch_one(conn)
        .await?;
    Ok(used)
}

/// Accounts by SecretId, as authentication found them. A SecretId never
/// changes; accounts go away only with a reset, a restore or a replacing
/// load, whose commit `forget`s them all (an after-commit hook). The
/// generation stops an authentication that read the state before such a
/// commit from remembering, after it, an account the commit removed.
#[derive(Default)]
pub(super) struct SecretCache {
    inner: std::sync::RwLock<(u64, HashMap<String, Account>)>,
}

impl SecretCache {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, (u64, HashMap<String, Account>)> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, (u64, HashMap<String, Account>)> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The account remembered for `secret_id`, or the generation to pass
    /// to `remember` after reading it from the database.
    fn lookup(&self, secret_id: &str) -> Result<Account, u64> {
        let cache = self.read();
        cache.1.get(secret_id).cloned().ok_or(cache.0)
    }

    /// Remembers `account`, read while `generation` was current, unless a
    /// bulk change was committed since.
    fn remember(&self, generation: u64, secret_id: &str, account: &Account) {
        let mut cache = self.write();
        if cache.0 == generation {
            cache.1.insert(secret_id.to_owned(), account.clone());
        }
    }

    pub(super) fn forget(&self) {
        let mut cache = self.write();
        cache.0 += 1;
        cache.1.clear();
    }
}

impl Store {
    /// The account a SecretId belongs to.
    pub async fn account_by_secret_id(&self, secret_id: &str) -> ApiResult<Option<Account>> {
        let generation = match self.secrets.lookup(secret_id) {
            Ok(account) => return Ok(Some(account)),
            Err(generation) => generation,
        };
        let mut conn = self.read().await?;
        let found: Option<Account> = sqlx::query_as("SELECT * FROM accounts WHERE secret_id = ?")
            .bind(secret_id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(account) = &found {
            self.secrets.remember(generation, secret_id, account);
        }
        Ok(found)
    }

    /// True when no account exists (and so nothing else does).
    pub async fn is_empty(&self) -> ApiResult<bool> {
        let mut conn = self.read().await?;
        let row: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM accounts LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
        Ok(row.is_none())
    }

    pub async fn describe_accounts(&self) -> ApiResult<Vec<Account>> {
        let mut conn = self.read().await?;
        Ok(sqlx::query_as("SELECT * FROM accounts ORDER BY uin")
            .fetch_all(&mut *conn)
            .await?)
    }

    pub async fn describe_quotas(&self, uin: &str, region: Region) -> ApiResult<Vec<Quota>> {
        let mut conn = self.read().await?;
        require_account(&mut conn, uin).await?;
        let now = self.clock.now();
        let mut quotas = Vec::with_capacity(QuotaName::ALL.len());
        for quota in QuotaName::ALL {
            quotas.push(Quota {
                quota_name: quota.as_str().to_owned(),
                limit: quota_limit(&mut conn, uin, region, quota).await?,
                used: quota_used(&mut conn, uin, region, quota, now).await?,
            });
        }
        Ok(quotas)
    }

    pub async fn create_account(&self, actor: Actor, new: NewAccount) -> ApiResult<Account> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { create_account(tx, &actor, new).await })
        })
        .await
    }

    pub async fn set_quota(&self, actor: Actor, update: QuotaUpdate) -> ApiResult<Quota> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { set_quota(tx, &actor, update).await })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_read_before_a_bulk_change_is_not_remembered_after_it() {
        let cache = SecretCache::default();
        let account = Account {
            uin: "100001".into(),
            name: "alice".into(),
            app_id: 1,
            secret_id: "AKIDalice".into(),
            secret_key: "k".into(),
            create_time: 0,
        };
        let before = cache.lookup("AKIDalice").unwrap_err();
        // A reset commits while the database read runs.
        cache.forget();
        cache.remember(before, "AKIDalice", &account);
        let now = cache.lookup("AKIDalice").unwrap_err();
        assert_ne!(now, before);
        cache.remember(now, "AKIDalice", &account);
        assert_eq!(cache.lookup("AKIDalice"), Ok(account));
    }
}
