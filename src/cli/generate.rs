//! `vpcsim generate`: a large, valid, deterministic scenario.

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use super::parse_region;
use crate::{
    domain::region::Region,
    scenario::{
        self, Format, StateSpec,
        generate::{GenerateOptions, generate},
    },
};

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Accounts to create, each with its own SecretId.
    #[arg(long, default_value_t = 10, value_parser = at_least_one)]
    pub accounts: usize,
    /// VPCs per account, each with its own CIDR block.
    #[arg(long, default_value_t = 2, value_parser = at_least_one)]
    pub vpcs_per_account: usize,
    /// Peerings to create, between VPCs of different accounts.
    #[arg(long, default_value_t = 10)]
    pub peerings: usize,
    /// Relative share of ACTIVE peerings.
    #[arg(long, default_value_t = 60)]
    pub active: u32,
    /// Relative share of PENDING peerings (waiting for the peer).
    #[arg(long, default_value_t = 20)]
    pub pending: u32,
    /// Relative share of EXPIRED peerings.
    #[arg(long, default_value_t = 5)]
    pub expired: u32,
    /// Relative share of REJECTED peerings.
    #[arg(long, default_value_t = 5)]
    pub rejected: u32,
    /// Relative share of DELETED peerings.
    #[arg(long, default_value_t = 10)]
    pub deleted: u32,
    /// Same seed, same scenario (and the same ids once seeded).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Region of every account's VPCs.
    #[arg(long, default_value = "ap-guangzhou", value_parser = parse_region)]
    pub region: Region,
    /// Subnets per VPC: its block cut into this many equal subnets, in the
    /// region's zones in turn.
    #[arg(long, default_value_t = 0)]
    pub subnets_per_vpc: usize,
    /// Routes through each ACTIVE peering: one at each end, in the VPC's
    /// default route table, to the other end's block.
    #[arg(long)]
    pub routes: bool,
    /// The scenario's clock, YYYY-MM-DD HH:MM:SS (UTC).
    #[arg(long, default_value = "2026-01-01 00:00:00")]
    pub clock: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
    /// Write here instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let options = GenerateOptions {
        accounts: args.accounts,
        vpcs_per_account: args.vpcs_per_account,
        peerings: args.peerings,
        shares: [
            (StateSpec::Active, args.active),
            (StateSpec::Pending, args.pending),
            (StateSpec::Expired, args.expired),
            (StateSpec::Rejected, args.rejected),
            (StateSpec::Deleted, args.deleted),
        ],
        seed: args.seed,
        region: args.region,
        clock: args.clock,
        subnets_per_vpc: args.subnets_per_vpc,
        routes: args.routes,
    };
    let total = (args.accounts * args.vpcs_per_account + args.peerings) as u64;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{spinner} generating [{bar:40}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let scenario = generate(&options, |done| bar.set_position(done))?;
    bar.set_message("writing");
    let text = scenario::render(&scenario, args.format)?;
    bar.finish_and_clear();
    super::write_output(args.output.as_deref(), &text)
}
