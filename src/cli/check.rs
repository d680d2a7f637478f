//! `vpcsim check --db FILE`: verifies every invariant over a database.

use std::path::PathBuf;

use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// SQLite database file.
    #[arg(
        long,
        env = "VPCSIM_DB",
        default_value = "vpcsim.db",
        value_parser = crate::store::parse_db_file
    )]
    pub db: PathBuf,
}

pub async fn run(args: CheckArgs) -> anyhow::Result<()> {
    // Read-only and in one transaction: safe beside a running server.
    let store = Store::open_read_only(&args.db).await?;
    let violations = store.check().await?;
    store.close().await;
    if violations.is_empty() {
        return super::write_output(
            None,
            &format!("ok: {} satisfies every invariant\n", args.db.display()),
        );
    }
    let report: String = violations
        .iter()
        .map(|v| format!("{}: {}\n", v.kind, v.message))
        .collect();
    super::write_output(None, &report)?;
    anyhow::bail!("{} violations in {}", violations.len(), args.db.display())
}
