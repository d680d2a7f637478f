//! The in-memory model of the whole state: accounts, quotas, VPCs,
//! peerings, subnets, route tables and routes. It is the source of every Describe and admin read and the state
//! every write checks its rules on (`domain::rules`, through [`View`]);
//! SQLite is its durable record.
//!
//! The writer owns it while a batch runs (holding the write half of one
//! lock), applies each job's change to it and to the batch's rows, commits,
//! and only then lets readers in: nobody reads a state that was not
//! committed, and an answer sent after a commit is visible to the next read.
//! A batch that fails, and every bulk change (reset, restore, loads, clock
//! moves), drops the model, and the writer loads it again before it lets go.
//!
//! Compact on purpose, as it holds every row: uins and regions are interned
//! to small numbers; ids and names live in one text arena and blocks in one
//! block arena, each row holding 8-byte spans into them (so a VPC or a
//! peering costs one allocation-free record); blocks are kept parsed (their
//! text is their canonical spelling), link options as indices, tags (rare)
//! beside the rows, and the id indexes hold positions, not copies of the
//! ids. The arenas only grow: a rename or a new block appends, and the old
//! text stays until the next load.

mod load;
mod network;
mod query;

pub(super) use network::{RouteEntry, SubnetEntry, TableEntry};

pub use query::{NameMatch, PeeringFilter, PeeringOrder, TagMatch, VpcFilter};
pub(super) use query::{any_of, page};

use std::hash::BuildHasher;

// foldhash (hashbrown's default): start-up hashes every id and uin, and
// SipHash was a tenth of it.
use hashbrown::{DefaultHashBuilder, HashMap, HashTable};

use super::records::{Account, Peering, Vpc};
use crate::domain::{
    cidr::CidrBlock,
    faults::FaultRule,
    link::{CHARGE_TYPES, LINK_TYPES, LinkOptions, QOS_LEVELS, Tag},
    peering::PeeringState,
    quota::QuotaName,
    region::Region,
    rules::{LiveLink, StateView},
    time::Timestamp,
};
use crate::scenario::validate::ExistingState;

/// A VPC's position in the model.
pub(super) type VpcIx = u32;
/// A peering's position in the model.
pub(super) type PeeringIx = u32;
/// An interned uin or region name.
pub(super) type Name = u32;

/// Strings that repeat across rows, each kept once.
#[derive(Debug, Default, Clone)]
struct Interner {
    texts: Vec<Box<str>>,
    index: HashMap<Box<str>, Name>,
}

impl Interner {
    fn intern(&mut self, text: &str) -> Name {
        if let Some(&name) = self.index.get(text) {
            return name;
        }
        let name = self.texts.len() as Name;
        self.texts.push(text.into());
        self.index.insert(text.into(), name);
        name
    }

    fn get(&self, text: &str) -> Option<Name> {
        self.index.get(text).copied()
    }

    fn text(&self, name: Name) -> &str {
        self.texts.get(name as usize).map_or("", |t| t)
    }
}

/// A peering's `expires` when it has no expire time.
const NO_EXPIRY: Timestamp = Timestamp::MIN;

/// A string in the model's text arena.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Text {
    at: u32,
    len: u32,
}

/// A run of blocks in the model's block arena.
#[derive(Debug, Clone, Copy, Default)]
struct BlockRun {
    at: u32,
    len: u32,
}

/// Where the rows' strings and blocks live.
#[derive(Debug, Default, Clone)]
struct Arena {
    texts: String,
    blocks: Vec<CidrBlock>,
}

impl Arena {
    fn text(&self, text: Text) -> &str {
        let at = text.at as usize;
        self.texts
            .get(at..at + text.len as usize)
            .unwrap_or_default()
    }

    fn add_text(&mut self, text: &str) -> Text {
        let (Ok(at), Ok(len)) = (u32::try_from(self.texts.len()), u32::try_from(text.len())) else {
            return self.full("text");
        };
        if at.checked_add(len).is_none() {
            return self.full("text");
        }
        self.texts.push_str(text);
        Text { at, len }
    }

    fn blocks(&self, run: BlockRun) -> &[CidrBlock] {
        let at = run.at as usize;
        self.blocks
            .get(at..at + run.len as usize)
            .unwrap_or_default()
    }

    fn add_blocks(&mut self, blocks: &[CidrBlock]) -> BlockRun {
        let (Ok(at), Ok(len)) = (
            u32::try_from(self.blocks.len()),
            u32::try_from(blocks.len()),
        ) else {
            return self.full("blocks");
        };
        self.blocks.extend_from_slice(blocks);
        BlockRun { at, len }
    }

    /// 4 GiB of ids and names (or 4 billion blocks): far past what vpcsim
    /// is for. Logged, and the row reads with an empty string (no blocks).
    fn full<T: Default>(&self, what: &str) -> T {
        tracing::error!(what, "the model's arena is full; the row reads as empty");
        T::default()
    }
}

#[derive(Debug, Clone)]
pub(super) struct VpcEntry {
    pub row: i64,
    pub vpc_id: Text,
    pub un_vpc_id: Text,
    pub name: Text,
    pub owner: Name,
    pub region: Name,
    /// The primary block, then the assistant blocks.
    blocks: BlockRun,
    pub create_time: Timestamp,
    pub deleted: bool,
    /// The peerings stored as PENDING or ACTIVE at either end: the live ones,
    /// and PENDING ones the clock may have expired since.
    links: Box<[PeeringIx]>,
}

/// A peering's link options but its tags, compactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StoredLink {
    bandwidth: i64,
    charge_type: u8,
    link_type: u8,
    qos_level: u8,
}

/// The position of `value` in `allowed`; a value the rules never let in
/// (a hand-edited database) reads as `default`, and `check` reports it.
fn position(value: &str, allowed: &[&str], default: &str) -> u8 {
    let find = |v: &str| allowed.iter().position(|a| *a == v);
    find(value).or_else(|| find(default)).unwrap_or(0) as u8
}

impl StoredLink {
    pub fn new(link: &LinkOptions) -> Self {
        Self::from_parts(
            link.bandwidth,
            &link.charge_type,
            &link.link_type,
            &link.qos_level,
        )
    }

    pub fn from_parts(bandwidth: i64, charge_type: &str, link_type: &str, qos_level: &str) -> Self {
        let default = LinkOptions::default();
        StoredLink {
            bandwidth,
            charge_type: position(charge_type, &CHARGE_TYPES, &default.charge_type),
            link_type: position(link_type, &LINK_TYPES, &default.link_type),
            qos_level: position(qos_level, &QOS_LEVELS, &default.qos_level),
        }
    }

    pub fn options(&self, tags: &[Tag]) -> LinkOptions {
        fn pick(allowed: &[&'static str], i: u8) -> &'static str {
            allowed.get(i as usize).copied().unwrap_or_default()
        }
        LinkOptions {
            bandwidth: self.bandwidth,
            charge_type: pick(&CHARGE_TYPES, self.charge_type).to_owned(),
            link_type: pick(&LINK_TYPES, self.link_type).to_owned(),
            qos_level: pick(&QOS_LEVELS, self.qos_level).to_owned(),
            tags: tags.to_vec(),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct PeeringEntry {
    pub row: i64,
    pub id: Text,
    pub name: Text,
    /// The requester's VPC; its owner and region are the peering's.
    pub vpc: VpcIx,
    pub peer: VpcIx,
    /// As stored: a PENDING one may read EXPIRED (see `effective_state`).
    pub state: PeeringState,
    pub create_time: Timestamp,
    /// `NO_EXPIRY` for none: an `Option` would take twice the room.
    expires: Timestamp,
    pub link: StoredLink,
}

impl PeeringEntry {
    pub fn expire_time(&self) -> Option<Timestamp> {
        (self.expires != NO_EXPIRY).then_some(self.expires)
    }

    pub fn effective_state(&self, now: Timestamp) -> PeeringState {
        self.state.effective(self.expire_time(), now)
    }

    /// Stored as PENDING or ACTIVE: listed in its VPCs' links.
    fn linked(&self) -> bool {
        self.state.is_live()
    }
}

/// A new VPC row, for `Model::insert_vpc`.
pub(super) struct NewVpc<'a> {
    pub row: i64,
    pub vpc_id: &'a str,
    pub un_vpc_id: &'a str,
    pub uin: &'a str,
    pub region: &'a str,
    pub name: &'a str,
    pub blocks: Vec<CidrBlock>,
    pub create_time: Timestamp,
    pub deleted: bool,
}

/// A new peering row, for `Model::insert_peering`.
pub(super) struct NewPeeringRow<'a> {
    pub row: i64,
    pub id: &'a str,
    pub name: &'a str,
    pub vpc: VpcIx,
    pub peer: VpcIx,
    pub state: PeeringState,
    pub create_time: Timestamp,
    pub expire_time: Option<Timestamp>,
    pub link: StoredLink,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone)]
pub(super) struct Model {
    arena: Arena,
    uins: Interner,
    regions: Interner,
    accounts: HashMap<Name, Account>,
    account_by_secret: HashMap<Box<str>, Name>,
    app_id_owners: HashMap<i64, Name>,
    quotas: HashMap<(Name, Name, QuotaName), i64>,
    vpcs: Vec<VpcEntry>,
    /// VPCs by row, for the few whose row is lower than an earlier one's:
    /// the rest are found by binary search, as rows come in ascending order
    /// (loads read them in row order, and SQLite gives a new VPC the
    /// highest row yet).
    vpcs_out_of_order: HashMap<i64, VpcIx>,
    legacy_ids: HashTable<VpcIx>,
    unique_ids: HashTable<VpcIx>,
    /// Every VPC of an owner in a region, deleted ones too, by row.
    vpcs_of: HashMap<(Name, Name), Vec<VpcIx>>,
    peerings: Vec<PeeringEntry>,
    peering_ids: HashTable<PeeringIx>,
    /// Every peering an account is a party to.
    peerings_of: HashMap<Name, Vec<PeeringIx>>,
    /// The tags of the peerings that have any.
    tags: HashMap<PeeringIx, Box<[Tag]>>,
    hasher: DefaultHashBuilder,
    /// The row id the next peering gets.
    next_peering_row: i64,
    /// Fault rules, in the order they are tried (see `store::faults`).
    pub faults: Vec<FaultRule>,
    /// The next legacy VPC number per region, as `legacy_vpc_numbers`
    /// holds it.
    legacy_next: HashMap<Name, i64>,
    /// Subnets, route tables, routes and VPC tags.
    network: network::Network,
}

impl Model {
    /// Whether any fault rule may still act on a call: the one thing a
    /// server without rules checks per call (see `Store::faults_armed`).
    pub fn faults_armed(&self) -> bool {
        self.faults.iter().any(FaultRule::active)
    }

    /// Room for this many more VPCs and peerings, before a load.
    pub fn reserve(&mut self, vpcs: usize, peerings: usize, text_bytes: usize) {
        self.arena.texts.reserve_exact(text_bytes);
        self.arena.blocks.reserve(vpcs);
        self.vpcs.reserve_exact(vpcs);
        let Model {
            arena,
            vpcs: rows,
            hasher,
            legacy_ids,
            unique_ids,
            ..
        } = self;
        let text_of = |i: &VpcIx, pick: fn(&VpcEntry) -> Text| {
            hasher.hash_one(arena.text(pick(&rows[*i as usize])))
        };
        legacy_ids.reserve(vpcs, |i| text_of(i, |v| v.vpc_id));
        unique_ids.reserve(vpcs, |i| text_of(i, |v| v.un_vpc_id));
        self.peerings.reserve_exact(peerings);
        let Model {
            arena,
            peerings: rows,
            hasher,
            peering_ids,
            ..
        } = self;
        peering_ids.reserve(peerings, |&i| {
            hasher.hash_one(arena.text(rows[i as usize].id))
        });
    }

    /// A row's string.
    pub fn text(&self, text: Text) -> &str {
        self.arena.text(text)
    }

    /// A VPC's blocks: the primary one, then the assistant blocks.
    pub fn blocks(&self, ix: VpcIx) -> &[CidrBlock] {
        self.arena.blocks(self.vpc(ix).blocks)
    }

    fn hash(&self, text: &str) -> u64 {
        self.hasher.hash_one(text)
    }

    // ---- accounts and quotas ----

    pub fn insert_account(&mut self, account: Account) {
        let uin = self.uins.intern(&account.uin);
        self.account_by_secret
            .insert(account.secret_id.as_str().into(), uin);
        self.app_id_owners.insert(account.app_id, uin);
        self.accounts.insert(uin, account);
    }

    pub fn account(&self, uin: &str) -> Option<&Account> {
        self.accounts.get(&self.uins.get(uin)?)
    }

    pub fn account_by_secret(&self, secret_id: &str) -> Option<&Account> {
        self.accounts.get(self.account_by_secret.get(secret_id)?)
    }

    pub fn app_id_in_use(&self, app_id: i64) -> bool {
        self.app_id_owners.contains_key(&app_id)
    }

    pub fn max_app_id(&self) -> Option<i64> {
        self.app_id_owners.keys().copied().max()
    }

    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    fn app_id(&self, owner: Name) -> i64 {
        self.accounts.get(&owner).map_or(0, |a| a.app_id)
    }

    pub fn set_limit(&mut self, uin: &str, region: &str, quota: QuotaName, limit: i64) {
        let key = (self.uins.intern(uin), self.regions.intern(region), quota);
        self.quotas.insert(key, limit);
    }

    fn limit_of(&self, owner: Name, region: Name, quota: QuotaName) -> i64 {
        self.quotas
            .get(&(owner, region, quota))
            .copied()
            .unwrap_or(quota.default_limit())
    }

    pub fn limit(&self, uin: &str, region: &str, quota: QuotaName) -> i64 {
        match (self.uins.get(uin), self.regions.get(region)) {
            (Some(owner), Some(region)) => self.limit_of(owner, region, quota),
            _ => quota.default_limit(),
        }
    }

    // ---- VPCs ----

    pub fn insert_vpc(&mut self, new: NewVpc<'_>) -> VpcIx {
        let ix = self.vpcs.len() as VpcIx;
        if self.vpcs.last().is_some_and(|last| last.row >= new.row) {
            self.vpcs_out_of_order.insert(new.row, ix);
        }
        let owner = self.uins.intern(new.uin);
        let region = self.regions.intern(new.region);
        let (legacy_hash, unique_hash) = (self.hash(new.vpc_id), self.hash(new.un_vpc_id));
        let entry = VpcEntry {
            row: new.row,
            vpc_id: self.arena.add_text(new.vpc_id),
            un_vpc_id: self.arena.add_text(new.un_vpc_id),
            name: self.arena.add_text(new.name),
            owner,
            region,
            blocks: self.arena.add_blocks(&new.blocks),
            create_time: new.create_time,
            deleted: new.deleted,
            links: Box::default(),
        };
        self.vpcs.push(entry);
        let Model {
            arena,
            vpcs,
            hasher,
            legacy_ids,
            unique_ids,
            ..
        } = self;
        let text_of = |i: &VpcIx, pick: fn(&VpcEntry) -> Text| {
            hasher.hash_one(arena.text(pick(&vpcs[*i as usize])))
        };
        legacy_ids.insert_unique(legacy_hash, ix, |i| text_of(i, |v| v.vpc_id));
        unique_ids.insert_unique(unique_hash, ix, |i| text_of(i, |v| v.un_vpc_id));
        self.vpcs_of.entry((owner, region)).or_default().push(ix);
        ix
    }

    pub fn vpc(&self, ix: VpcIx) -> &VpcEntry {
        &self.vpcs[ix as usize]
    }

    pub fn vpc_at_row(&self, row: i64) -> Option<VpcIx> {
        if let Some(&ix) = self.vpcs_out_of_order.get(&row) {
            return Some(ix);
        }
        // In ascending order but for those above; a row among them may
        // break the search's order, so they are skipped by the search.
        let in_order = |v: &VpcEntry| !self.vpcs_out_of_order.contains_key(&v.row);
        if self.vpcs_out_of_order.is_empty() {
            let at = self.vpcs.binary_search_by_key(&row, |v| v.row).ok()?;
            return Some(at as VpcIx);
        }
        self.vpcs
            .iter()
            .position(|v| v.row == row && in_order(v))
            .map(|at| at as VpcIx)
    }

    /// The VPC with this id, in either form, deleted or not.
    pub fn vpc_by_id(&self, id: &str) -> Option<VpcIx> {
        let hash = self.hash(id);
        let (table, unique) = if id.starts_with("vpc-") {
            (&self.unique_ids, true)
        } else {
            (&self.legacy_ids, false)
        };
        table
            .find(hash, |&i| {
                let vpc = &self.vpcs[i as usize];
                self.text(if unique { vpc.un_vpc_id } else { vpc.vpc_id }) == id
            })
            .copied()
    }

    /// A live (not deleted) VPC of `region`, whoever owns it.
    pub fn find_vpc(&self, id: &str, region: &str) -> Option<VpcIx> {
        let ix = self.vpc_by_id(id)?;
        let vpc = self.vpc(ix);
        (!vpc.deleted && self.regions.text(vpc.region) == region).then_some(ix)
    }

    pub fn owner_of(&self, ix: VpcIx) -> &str {
        self.uins.text(self.vpc(ix).owner)
    }

    pub fn region_of(&self, ix: VpcIx) -> &str {
        self.regions.text(self.vpc(ix).region)
    }

    /// The live VPCs an account has in a region.
    pub fn vpc_count(&self, uin: &str, region: &str) -> i64 {
        self.vpcs_in(uin, region)
            .filter(|&ix| !self.vpc(ix).deleted)
            .count() as i64
    }

    /// Every VPC of an account in a region, deleted ones too, by row.
    fn vpcs_in(&self, uin: &str, region: &str) -> impl Iterator<Item = VpcIx> + '_ {
        let key = self.uins.get(uin).zip(self.regions.get(region));
        key.and_then(|key| self.vpcs_of.get(&key))
            .into_iter()
            .flatten()
            .copied()
    }

    pub fn set_vpc_deleted(&mut self, ix: VpcIx) {
        self.vpcs[ix as usize].deleted = true;
    }

    pub fn rename_vpc(&mut self, ix: VpcIx, name: &str) {
        if self.text(self.vpc(ix).name) != name {
            self.vpcs[ix as usize].name = self.arena.add_text(name);
        }
    }

    pub fn set_vpc_blocks(&mut self, ix: VpcIx, blocks: &[CidrBlock]) {
        self.vpcs[ix as usize].blocks = self.arena.add_blocks(blocks);
    }

    /// The VPC as the API shows it.
    pub fn vpc_record(&self, ix: VpcIx) -> Vpc {
        let vpc = self.vpc(ix);
        let mut blocks = self.blocks(ix).iter().map(ToString::to_string);
        Vpc {
            id: vpc.row,
            vpc_id: self.text(vpc.vpc_id).to_owned(),
            un_vpc_id: self.text(vpc.un_vpc_id).to_owned(),
            uin: self.uins.text(vpc.owner).to_owned(),
            region: self.regions.text(vpc.region).to_owned(),
            vpc_name: self.text(vpc.name).to_owned(),
            cidr_block: blocks.next().unwrap_or_default(),
            assistant_cidr_blocks: blocks.collect::<Vec<_>>().join(","),
            create_time: vpc.create_time,
            tags: self.network.vpc_tags(ix).to_vec(),
        }
    }

    /// The region's next legacy VPC number, if one was ever taken.
    pub fn legacy_next(&self, region: &str) -> Option<i64> {
        self.legacy_next.get(&self.regions.get(region)?).copied()
    }

    /// Records the region's next legacy VPC number, as stored.
    pub fn set_legacy_next(&mut self, region: &str, next: i64) {
        let region = self.regions.intern(region);
        self.legacy_next.insert(region, next);
    }

    /// The highest VPC row, 0 for none.
    pub fn last_vpc_row(&self) -> i64 {
        // Rows ascend but for the few out of order.
        let in_order = self.vpcs.last().map_or(0, |v| v.row);
        self.vpcs_out_of_order
            .keys()
            .copied()
            .fold(in_order, i64::max)
    }

    // ---- peerings ----

    /// The row id of the next new peering.
    pub fn next_peering_row(&self) -> i64 {
        self.next_peering_row
    }

    pub fn insert_peering(&mut self, new: NewPeeringRow<'_>) -> PeeringIx {
        let ix = self.peerings.len() as PeeringIx;
        let hash = self.hash(new.id);
        let entry = PeeringEntry {
            row: new.row,
            id: self.arena.add_text(new.id),
            name: self.arena.add_text(new.name),
            vpc: new.vpc,
            peer: new.peer,
            state: new.state,
            create_time: new.create_time,
            expires: new.expire_time.unwrap_or(NO_EXPIRY),
            link: new.link,
        };
        let (requester, accepter) = (self.vpc(entry.vpc).owner, self.vpc(entry.peer).owner);
        let linked = entry.linked();
        self.peerings.push(entry);
        let Model {
            arena,
            peerings,
            hasher,
            peering_ids,
            ..
        } = self;
        peering_ids.insert_unique(hash, ix, |&i| {
            hasher.hash_one(arena.text(peerings[i as usize].id))
        });
        self.peerings_of.entry(requester).or_default().push(ix);
        if accepter != requester {
            self.peerings_of.entry(accepter).or_default().push(ix);
        }
        if !new.tags.is_empty() {
            self.tags.insert(ix, new.tags.into_boxed_slice());
        }
        if linked {
            self.link(ix);
        }
        self.next_peering_row = self.next_peering_row.max(new.row + 1);
        ix
    }

    pub fn peering(&self, ix: PeeringIx) -> &PeeringEntry {
        &self.peerings[ix as usize]
    }

    pub fn peering_by_id(&self, id: &str) -> Option<PeeringIx> {
        self.peering_ids
            .find(self.hash(id), |&i| {
                self.text(self.peerings[i as usize].id) == id
            })
            .copied()
    }

    /// Sets a peering's state and what goes with it; its VPCs' links follow.
    pub fn update_peering(
        &mut self,
        ix: PeeringIx,
        state: PeeringState,
        expire_time: Option<Timestamp>,
        name: &str,
        link: StoredLink,
    ) {
        let was_linked = self.peering(ix).linked();
        if self.text(self.peering(ix).name) != name {
            self.peerings[ix as usize].name = self.arena.add_text(name);
        }
        let entry = &mut self.peerings[ix as usize];
        entry.state = state;
        entry.expires = expire_time.unwrap_or(NO_EXPIRY);
        entry.link = link;
        match (was_linked, state.is_live()) {
            (false, true) => self.link(ix),
            (true, false) => self.unlink(ix),
            _ => {}
        }
    }

    /// Stores every PENDING request due by `now` as EXPIRED, as the rows are
    /// at the start of each batch.
    pub fn expire_overdue(&mut self, now: Timestamp) {
        let overdue: Vec<PeeringIx> = (0..self.peerings.len() as PeeringIx)
            .filter(|&ix| {
                let p = self.peering(ix);
                p.state == PeeringState::Pending && p.expire_time().is_some_and(|t| t <= now)
            })
            .collect();
        for ix in overdue {
            self.peerings[ix as usize].state = PeeringState::Expired;
            self.unlink(ix);
        }
    }

    fn link(&mut self, ix: PeeringIx) {
        let (vpc, peer) = (self.peering(ix).vpc, self.peering(ix).peer);
        for end in [vpc, peer] {
            let links = &mut self.vpcs[end as usize].links;
            *links = links.iter().copied().chain([ix]).collect();
        }
    }

    fn unlink(&mut self, ix: PeeringIx) {
        let (vpc, peer) = (self.peering(ix).vpc, self.peering(ix).peer);
        for end in [vpc, peer] {
            let links = &mut self.vpcs[end as usize].links;
            *links = links.iter().copied().filter(|&p| p != ix).collect();
        }
    }

    /// A peering's link options, tags included.
    pub fn peering_link(&self, ix: PeeringIx) -> LinkOptions {
        let tags = self.tags.get(&ix).map_or(&[][..], |t| t);
        self.peering(ix).link.options(tags)
    }

    /// The peering as the API shows it at `now`.
    pub fn peering_record(&self, ix: PeeringIx, now: Timestamp) -> Peering {
        let p = self.peering(ix);
        let (vpc, peer) = (self.vpc(p.vpc), self.vpc(p.peer));
        Peering {
            peering_connection_id: self.text(p.id).to_owned(),
            peering_connection_name: self.text(p.name).to_owned(),
            vpc_id: self.text(vpc.vpc_id).to_owned(),
            un_vpc_id: self.text(vpc.un_vpc_id).to_owned(),
            peer_vpc_id: self.text(peer.vpc_id).to_owned(),
            un_peer_vpc_id: self.text(peer.un_vpc_id).to_owned(),
            uin: self.uins.text(vpc.owner).to_owned(),
            peer_uin: self.uins.text(peer.owner).to_owned(),
            app_id: self.app_id(vpc.owner),
            peer_app_id: self.app_id(peer.owner),
            region: self.regions.text(vpc.region).to_owned(),
            peer_region: self.regions.text(peer.region).to_owned(),
            state: p.effective_state(now),
            create_time: p.create_time,
            expire_time: p.expire_time(),
            link: self.peering_link(ix),
        }
    }

    /// The model as the rules see it at `now`.
    pub fn view(&self, now: Timestamp) -> View<'_> {
        View { model: self, now }
    }
}

/// The model at one clock reading, as `domain::rules` sees a state.
pub(super) struct View<'m> {
    model: &'m Model,
    now: Timestamp,
}

impl StateView for View<'_> {
    type Vpc = VpcIx;

    fn label(&self, vpc: VpcIx) -> &str {
        self.model.text(self.model.vpc(vpc).un_vpc_id)
    }

    fn blocks(&self, vpc: VpcIx) -> &[CidrBlock] {
        self.model.blocks(vpc)
    }

    fn deleted(&self, vpc: VpcIx) -> bool {
        self.model.vpc(vpc).deleted
    }

    fn limit(&self, vpc: VpcIx, quota: QuotaName) -> i64 {
        let vpc = self.model.vpc(vpc);
        self.model.limit_of(vpc.owner, vpc.region, quota)
    }

    fn live_links(&self, vpc: VpcIx) -> Vec<LiveLink<'_, VpcIx>> {
        self.model
            .vpc(vpc)
            .links
            .iter()
            .map(|&ix| self.model.peering(ix))
            .filter(|p| p.effective_state(self.now).is_live())
            .map(|p| LiveLink {
                peering_id: self.model.text(p.id),
                other: if p.vpc == vpc { p.peer } else { p.vpc },
                active: p.state == PeeringState::Active,
            })
            .collect()
    }
}

/// The model as a scenario load sees the state it lands on.
impl ExistingState for View<'_> {
    fn has_account(&self, uin: &str) -> bool {
        self.model.account(uin).is_some()
    }

    fn secret_id_in_use(&self, secret_id: &str) -> bool {
        self.model.account_by_secret(secret_id).is_some()
    }

    fn app_id_in_use(&self, app_id: i64) -> bool {
        self.model.app_id_in_use(app_id)
    }

    fn max_app_id(&self) -> Option<i64> {
        self.model.max_app_id()
    }

    fn quota_limit(&self, uin: &str, region: Region, quota: QuotaName) -> i64 {
        self.model.limit(uin, region.name, quota)
    }

    fn vpc_by_id(&self, id: &str) -> Option<VpcIx> {
        self.model.vpc_by_id(id)
    }

    fn vpc_owner(&self, vpc: VpcIx) -> &str {
        self.model.owner_of(vpc)
    }

    fn vpc_region(&self, vpc: VpcIx) -> Option<Region> {
        Region::parse(self.model.region_of(vpc)).ok()
    }

    fn vpc_row(&self, vpc: VpcIx) -> i64 {
        self.model.vpc(vpc).row
    }

    fn live_vpc_count(&self, uin: &str, region: Region) -> i64 {
        self.model.vpc_count(uin, region.name)
    }

    fn last_vpc_row(&self) -> i64 {
        self.model.last_vpc_row()
    }

    fn legacy_next(&self, region: Region) -> Option<i64> {
        self.model.legacy_next(region.name)
    }

    fn peering_id_in_use(&self, id: &str) -> bool {
        self.model.peering_by_id(id).is_some()
    }

    fn fault_id_in_use(&self, id: &str) -> bool {
        self.model.faults.iter().any(|rule| rule.fault_id == id)
    }

    fn subnet_id_in_use(&self, id: &str) -> bool {
        self.model.network().subnet_by_id(id).is_some()
    }

    fn route_table_id_in_use(&self, id: &str) -> bool {
        self.model.network().table_by_id(id).is_some()
    }

    fn route_item_id_in_use(&self, id: &str) -> bool {
        self.model.network().route_by_item(id).is_some()
    }

    fn route_id_in_use(&self, id: i64) -> bool {
        self.model.network().route(id).is_some()
    }

    fn last_route_table_row(&self) -> i64 {
        self.model.network().last_table_row()
    }

    fn next_route_id(&self) -> i64 {
        self.model.network().next_route_row()
    }
}

#[cfg(test)]
mod tests;
