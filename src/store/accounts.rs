//! Accounts and quotas.

use super::{
    Actor, Store, Tx,
    events::{self, Change},
    model::Model,
    records::{Account, Quota},
};
use crate::domain::{
    ApiError, ApiResult, ErrorCode, peering::PeeringState, quota::QuotaName, region::Region,
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

pub async fn create_account_in(tx: &mut Tx, actor: &Actor, new: NewAccount) -> ApiResult<Account> {
    let model = tx.model().await?;
    let taken = if model.account(&new.uin).is_some() {
        Some(format!("account {} already exists", new.uin))
    } else if new
        .secret_id
        .as_deref()
        .is_some_and(|id| model.account_by_secret(id).is_some())
    {
        Some("the secret_id is already in use by another account".to_owned())
    } else {
        new.app_id
            .filter(|&id| model.app_id_in_use(id))
            .map(|id| format!("app_id {id} is already in use by another account"))
    };
    if let Some(message) = taken {
        return Err(ApiError::new(
            ErrorCode::InvalidAccountAlreadyExists,
            message,
        ));
    }
    let app_id = new.app_id.unwrap_or_else(|| {
        model
            .max_app_id()
            .map_or(FIRST_APP_ID, |m| m.max(FIRST_APP_ID - 1) + 1)
    });
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
    );
    tx.model().await?.insert_account(account.clone());
    Ok(account)
}

pub async fn set_quota_in(tx: &mut Tx, actor: &Actor, update: QuotaUpdate) -> ApiResult<Quota> {
    let now = tx.now;
    let model = tx.model().await?;
    require_account(model, &update.uin)?;
    let (uin, region, quota) = (&update.uin, update.region.name, update.quota);
    let old = model.limit(uin, region, quota);
    let used = model.quota_used(uin, region, quota, now);
    // A quota below what is in use would leave the state breaking its own
    // rules; free resources first.
    if update.limit < used {
        return Err(ApiError::field(
            ErrorCode::InvalidParameterValueRange,
            "limit",
            format!(
                "limit {} is below the {used} already in use for {} of account {uin} in {region}",
                update.limit,
                quota.as_str(),
            ),
        ));
    }
    sqlx::query(
        "INSERT INTO quotas (uin, region, quota_name, quota_limit) VALUES (?, ?, ?, ?)
         ON CONFLICT (uin, region, quota_name) DO UPDATE SET quota_limit = excluded.quota_limit",
    )
    .bind(uin)
    .bind(region)
    .bind(quota.as_str())
    .bind(update.limit)
    .execute(&mut tx.conn)
    .await?;
    tx.model()
        .await?
        .set_limit(uin, region, quota, update.limit);
    let resource = format!("{uin}/{region}/{}", quota.as_str());
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
    );
    Ok(Quota {
        quota_name: quota.as_str().to_owned(),
        limit: update.limit,
        used,
    })
}

fn require_account(model: &Model, uin: &str) -> ApiResult<()> {
    model.account(uin).map(drop).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidAccountNotFound,
            format!("account {uin} does not exist"),
        )
    })
}

/// The size of the state, as `Store::counts` reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateCounts {
    pub accounts: i64,
    pub vpcs: i64,
    pub peerings: i64,
}

impl Store {
    /// The account a SecretId belongs to.
    pub async fn account_by_secret_id(&self, secret_id: &str) -> ApiResult<Option<Account>> {
        self.with_model(|model| model.account_by_secret(secret_id).cloned())
            .await
    }

    /// True when no account exists (and so nothing else does).
    pub async fn is_empty(&self) -> ApiResult<bool> {
        self.with_model(|model| model.accounts().next().is_none())
            .await
    }

    /// How much state there is, read from the model: accounts, VPCs not
    /// deleted, and peerings PENDING or ACTIVE on the simulator's clock.
    pub async fn counts(&self) -> ApiResult<StateCounts> {
        let now = self.clock.now();
        self.with_model(|model| {
            let (accounts, vpcs, by_state) = model.counts(now);
            let live = [PeeringState::Pending, PeeringState::Active].map(PeeringState::as_str);
            StateCounts {
                accounts,
                vpcs,
                peerings: by_state
                    .iter()
                    .filter(|(state, _)| live.contains(state))
                    .map(|(_, n)| n)
                    .sum(),
            }
        })
        .await
    }

    pub async fn describe_accounts(&self) -> ApiResult<Vec<Account>> {
        let mut accounts = self
            .with_model(|model| model.accounts().cloned().collect::<Vec<_>>())
            .await?;
        accounts.sort_by(|a, b| a.uin.cmp(&b.uin));
        Ok(accounts)
    }

    pub async fn describe_quotas(&self, uin: &str, region: Region) -> ApiResult<Vec<Quota>> {
        let now = self.clock.now();
        self.with_model(|model| {
            require_account(model, uin)?;
            Ok(model.quotas(uin, region.name, now))
        })
        .await?
    }

    pub async fn create_account(&self, actor: Actor, new: NewAccount) -> ApiResult<Account> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { create_account_in(tx, &actor, new).await })
        })
        .await
    }

    pub async fn set_quota(&self, actor: Actor, update: QuotaUpdate) -> ApiResult<Quota> {
        self.write_as(actor.idempotency(), move |tx| {
            Box::pin(async move { set_quota_in(tx, &actor, update).await })
        })
        .await
    }
}
