//! The peering operations, and the decoding every front end shares for
//! them: each front end hands over its raw values and its field names.

use super::{
    Caller, Operation, Page,
    fields::{self, PageFields},
};
use crate::{
    domain::{
        ApiResult, ErrorCode,
        actions::ActionName,
        ids::{VpcRef, parse_peering_id, parse_uin},
        link::LinkOptions,
        names::validate_name,
        peering::{Action, PeeringState},
    },
    store::{NewPeering, Peering, PeeringChange, PeeringFilter, PeeringOrder, Store},
};

/// A front end's names for the peering fields.
#[derive(Debug, Clone, Copy)]
pub struct PeeringFields {
    pub id: &'static str,
    pub vpc: &'static str,
    pub peer_vpc: &'static str,
    pub peer_uin: &'static str,
    pub peer_region: &'static str,
    pub name: &'static str,
    pub page: PageFields,
    pub order_field: &'static str,
    pub order_direction: &'static str,
}

/// A front end's words for Describe's order: the two fields, the two
/// directions.
#[derive(Debug, Clone, Copy)]
pub struct OrderWords {
    pub create_time: &'static str,
    pub name: &'static str,
    pub ascending: &'static str,
    pub descending: &'static str,
}

/// CreateVpcPeeringConnection's values as a front end read them.
pub struct GivenPeering<'a> {
    pub vpc: &'a str,
    pub peer_vpc: &'a str,
    pub peer_uin: &'a str,
    /// `None`: the call's own region.
    pub peer_region: Option<&'a str>,
    pub name: &'a str,
    pub link: LinkOptions,
}

/// Checks a peering name, by the rule of peering names.
pub fn check_name(name: &str, field: &'static str) -> ApiResult<()> {
    validate_name(name, field, ErrorCode::InvalidPeeringConnectionName)
}

pub struct CreatePeering(pub NewPeering);

impl CreatePeering {
    pub fn decode(given: GivenPeering<'_>, names: &PeeringFields) -> ApiResult<Self> {
        let vpc = VpcRef::parse(given.vpc, names.vpc)?;
        let peer_vpc = VpcRef::parse(given.peer_vpc, names.peer_vpc)?;
        let peer_uin = parse_uin(given.peer_uin, names.peer_uin)?;
        let peer_region = given
            .peer_region
            .map(|text| fields::region(text, names.peer_region))
            .transpose()?;
        check_name(given.name, names.name)?;
        Ok(Self(NewPeering {
            vpc,
            peer_vpc,
            peer_uin,
            peer_region,
            name: given.name.to_owned(),
            link: given.link,
        }))
    }
}

impl Operation for CreatePeering {
    type Output = Peering;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Peering> {
        store
            .create_peering(caller.actor(), caller.region, self.0)
            .await
    }
}

/// Accept, Reject, Delete, Modify or Enable, on the peering the request names.
pub struct ChangePeering(pub PeeringChange);

impl ChangePeering {
    /// The state change `action` makes; `None` for an action that is not one.
    pub fn action_of(action: ActionName) -> Option<Action> {
        Some(match action {
            ActionName::AcceptVpcPeeringConnection => Action::Accept,
            ActionName::RejectVpcPeeringConnection => Action::Reject,
            ActionName::DeleteVpcPeeringConnection => Action::Delete,
            ActionName::ModifyVpcPeeringConnection => Action::Modify,
            ActionName::EnableVpcPeeringConnection => Action::Enable,
            _ => return None,
        })
    }

    /// The change `action` makes to the peering `id`, with a new `name` for
    /// Modify; the front end adds what else its Modify takes.
    pub fn decode(
        action: Action,
        id: &str,
        name: Option<String>,
        names: &PeeringFields,
    ) -> ApiResult<PeeringChange> {
        let peering_id = parse_peering_id(id, names.id)?;
        if let Some(name) = &name {
            check_name(name, names.name)?;
        }
        Ok(PeeringChange {
            name,
            ..PeeringChange::new(peering_id, action)
        })
    }
}

impl Operation for ChangePeering {
    type Output = Peering;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Peering> {
        store
            .change_peering(caller.actor(), caller.region, self.0)
            .await
    }
}

/// DescribeVpcPeeringConnections: the caller's peerings in its region
/// that match, one page of them from one consistent state.
pub struct DescribePeerings(pub PeeringFilter);

impl DescribePeerings {
    /// The order (default: newest first) from the two order fields.
    pub fn order(
        field: Option<&str>,
        direction: Option<&str>,
        names: &PeeringFields,
        words: &OrderWords,
    ) -> ApiResult<(PeeringOrder, bool)> {
        let order = fields::choose(
            field,
            names.order_field,
            &[
                (words.create_time, PeeringOrder::CreateTime),
                (words.name, PeeringOrder::Name),
            ],
            PeeringOrder::CreateTime,
        )?;
        let ascending = fields::choose(
            direction,
            names.order_direction,
            &[(words.descending, false), (words.ascending, true)],
            false,
        )?;
        Ok((order, ascending))
    }

    /// Peering states by their API names (`ACTIVE`); any other is out of range.
    pub fn states(values: &[String], field: &'static str) -> ApiResult<Vec<PeeringState>> {
        values
            .iter()
            .map(|value| {
                PeeringState::ALL
                    .into_iter()
                    .find(|s| s.as_str() == value)
                    .ok_or_else(|| {
                        fields::out_of_choices(
                            field,
                            value,
                            PeeringState::ALL.iter().map(|s| s.as_str()),
                        )
                    })
            })
            .collect()
    }

    /// VPC ids of a filter, either form.
    pub fn vpcs(values: &[String], field: &'static str) -> ApiResult<Vec<VpcRef>> {
        values.iter().map(|v| VpcRef::parse(v, field)).collect()
    }
}

impl Operation for DescribePeerings {
    type Output = Page<Peering>;

    async fn apply(self, store: &Store, caller: &Caller) -> ApiResult<Page<Peering>> {
        let (total, items) = store
            .describe_peerings(&caller.uin, caller.region, self.0)
            .await?;
        Ok(Page { total, items })
    }
}
