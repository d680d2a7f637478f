//! The actions vpcsim answers, defined once: each by the one name that fault
//! rules, rate limits and logs use, and by the names each front end gives
//! it (its gRPC method, its API 3.0 `Action`, its legacy `Action`s).

use std::fmt;

/// An action some front end answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionName {
    CreateVpcPeeringConnection,
    AcceptVpcPeeringConnection,
    RejectVpcPeeringConnection,
    DeleteVpcPeeringConnection,
    ModifyVpcPeeringConnection,
    EnableVpcPeeringConnection,
    DescribeVpcPeeringConnections,
    CreateVpc,
    DescribeVpcEx,
    DeleteVpc,
    CreateAssistantCidr,
    DeleteAssistantCidr,
    DescribeAssistantCidr,
    CreateSubnet,
    CreateSubnets,
    DescribeSubnets,
    DeleteSubnet,
    ModifySubnetAttribute,
    CreateRouteTable,
    DescribeRouteTables,
    DeleteRouteTable,
    ModifyRouteTableAttribute,
    ReplaceRouteTableAssociation,
    CreateRoutes,
    DeleteRoutes,
    ReplaceRoutes,
    EnableRoutes,
    DisableRoutes,
    ModifyVpcAttribute,
}

/// The names of one action.
struct Names {
    /// The action's own name: its gRPC method's where it has one.
    name: &'static str,
    /// Its gRPC method, when gRPC answers it.
    grpc: bool,
    /// Its API 3.0 `Action`, when API 3.0 answers it.
    api3: Option<&'static str>,
    /// Its legacy `Action`s: the plain form, then the second form where
    /// there is one: a peering action's `...Ex` form (which answers the
    /// same, plus a task id), or DescribeSubnets' `DescribeSubnet` (one
    /// subnet, by its VPC and id, beside the list `DescribeSubnetEx`).
    legacy: &'static [&'static str],
}

impl ActionName {
    pub const ALL: [ActionName; 29] = [
        Self::CreateVpcPeeringConnection,
        Self::AcceptVpcPeeringConnection,
        Self::RejectVpcPeeringConnection,
        Self::DeleteVpcPeeringConnection,
        Self::ModifyVpcPeeringConnection,
        Self::EnableVpcPeeringConnection,
        Self::DescribeVpcPeeringConnections,
        Self::CreateVpc,
        Self::DescribeVpcEx,
        Self::DeleteVpc,
        Self::CreateAssistantCidr,
        Self::DeleteAssistantCidr,
        Self::DescribeAssistantCidr,
        Self::CreateSubnet,
        Self::CreateSubnets,
        Self::DescribeSubnets,
        Self::DeleteSubnet,
        Self::ModifySubnetAttribute,
        Self::CreateRouteTable,
        Self::DescribeRouteTables,
        Self::DeleteRouteTable,
        Self::ModifyRouteTableAttribute,
        Self::ReplaceRouteTableAssociation,
        Self::CreateRoutes,
        Self::DeleteRoutes,
        Self::ReplaceRoutes,
        Self::EnableRoutes,
        Self::DisableRoutes,
        Self::ModifyVpcAttribute,
    ];

    const fn names(self) -> Names {
        const fn all(name: &'static str, legacy: &'static [&'static str]) -> Names {
            Names {
                name,
                grpc: true,
                api3: Some(name),
                legacy,
            }
        }
        match self {
            Self::CreateVpcPeeringConnection => all(
                "CreateVpcPeeringConnection",
                &["CreateVpcPeeringConnection", "CreateVpcPeeringConnectionEx"],
            ),
            Self::AcceptVpcPeeringConnection => all(
                "AcceptVpcPeeringConnection",
                &["AcceptVpcPeeringConnection", "AcceptVpcPeeringConnectionEx"],
            ),
            Self::RejectVpcPeeringConnection => all(
                "RejectVpcPeeringConnection",
                &["RejectVpcPeeringConnection", "RejectVpcPeeringConnectionEx"],
            ),
            Self::DeleteVpcPeeringConnection => all(
                "DeleteVpcPeeringConnection",
                &["DeleteVpcPeeringConnection", "DeleteVpcPeeringConnectionEx"],
            ),
            Self::ModifyVpcPeeringConnection => all(
                "ModifyVpcPeeringConnection",
                &["ModifyVpcPeeringConnection", "ModifyVpcPeeringConnectionEx"],
            ),
            // API 3.0 has no Enable: a lapsed request is made again there.
            Self::EnableVpcPeeringConnection => Names {
                api3: None,
                ..all(
                    "EnableVpcPeeringConnection",
                    &["EnableVpcPeeringConnection"],
                )
            },
            Self::DescribeVpcPeeringConnections => all(
                "DescribeVpcPeeringConnections",
                &[
                    "DescribeVpcPeeringConnections",
                    "DescribeVpcPeeringConnectionsEx",
                ],
            ),
            Self::CreateVpc => all("CreateVpc", &["CreateVpc"]),
            Self::DescribeVpcEx => Names {
                api3: Some("DescribeVpcs"),
                ..all("DescribeVpcEx", &["DescribeVpcEx"])
            },
            Self::DeleteVpc => all("DeleteVpc", &["DeleteVpc"]),
            Self::CreateAssistantCidr => all("CreateAssistantCidr", &[]),
            Self::DeleteAssistantCidr => all("DeleteAssistantCidr", &[]),
            Self::DescribeAssistantCidr => Names {
                grpc: false,
                ..all("DescribeAssistantCidr", &[])
            },
            Self::CreateSubnet => all("CreateSubnet", &["CreateSubnet"]),
            Self::CreateSubnets => all("CreateSubnets", &[]),
            Self::DescribeSubnets => {
                all("DescribeSubnets", &["DescribeSubnetEx", "DescribeSubnet"])
            }
            Self::DeleteSubnet => all("DeleteSubnet", &["DeleteSubnet"]),
            Self::ModifySubnetAttribute => all("ModifySubnetAttribute", &["ModifySubnetAttribute"]),
            Self::CreateRouteTable => all("CreateRouteTable", &["CreateRouteTable"]),
            Self::DescribeRouteTables => all("DescribeRouteTables", &["DescribeRouteTable"]),
            Self::DeleteRouteTable => all("DeleteRouteTable", &["DeleteRouteTable"]),
            // The legacy form also replaces the table's routes.
            Self::ModifyRouteTableAttribute => {
                all("ModifyRouteTableAttribute", &["ModifyRouteTableAttribute"])
            }
            Self::ReplaceRouteTableAssociation => {
                all("ReplaceRouteTableAssociation", &["AssociateRouteTable"])
            }
            Self::CreateRoutes => all("CreateRoutes", &["CreateRoute"]),
            Self::DeleteRoutes => all("DeleteRoutes", &["DeleteRoute"]),
            Self::ReplaceRoutes => all("ReplaceRoutes", &[]),
            Self::EnableRoutes => all("EnableRoutes", &[]),
            Self::DisableRoutes => all("DisableRoutes", &[]),
            Self::ModifyVpcAttribute => all("ModifyVpcAttribute", &["ModifyVpcAttribute"]),
        }
    }

    /// The name fault rules, rate limits and logs use.
    pub const fn as_str(self) -> &'static str {
        self.names().name
    }

    /// Whether gRPC answers it (as the method of this name).
    pub const fn over_grpc(self) -> bool {
        self.names().grpc
    }

    /// The action of this API 3.0 `Action`, if API 3.0 answers it.
    pub fn from_api3(action: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.names().api3 == Some(action))
    }

    /// The action of this legacy `Action`, if the legacy API answers it,
    /// and which of its forms it is (0 the plain one, 1 the second).
    pub fn from_legacy(action: &str) -> Option<(Self, usize)> {
        Self::ALL.into_iter().find_map(|a| {
            let forms = a.names().legacy;
            let at = forms.iter().position(|f| *f == action)?;
            Some((a, at))
        })
    }

    /// The action any front end gives this name, as fault rules and rate
    /// limits take it: `DescribeVpcs` is `DescribeVpcEx`, and a legacy
    /// `...Ex` form is its plain action.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == name)
            .or_else(|| Self::from_api3(name))
            .or_else(|| Self::from_legacy(name).map(|(a, _)| a))
    }

    /// Every action's own name, for messages that list them.
    pub fn list() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

impl fmt::Display for ActionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_of_every_front_end_leads_to_its_action() {
        for action in ActionName::ALL {
            assert_eq!(ActionName::parse(action.as_str()), Some(action));
            if let Some(api3) = action.names().api3 {
                assert_eq!(ActionName::from_api3(api3), Some(action));
                assert_eq!(ActionName::parse(api3), Some(action));
            }
            for (i, legacy) in action.names().legacy.iter().enumerate() {
                assert_eq!(ActionName::from_legacy(legacy), Some((action, i)));
                assert_eq!(ActionName::parse(legacy), Some(action));
            }
        }
        assert_eq!(
            ActionName::parse("DescribeVpcs"),
            Some(ActionName::DescribeVpcEx)
        );
        assert_eq!(
            ActionName::parse("CreateVpcPeeringConnectionEx"),
            Some(ActionName::CreateVpcPeeringConnection)
        );
        assert_eq!(ActionName::from_api3("DescribeVpcEx"), None);
        assert_eq!(ActionName::from_api3("EnableVpcPeeringConnection"), None);
        assert_eq!(ActionName::from_legacy("CreateAssistantCidr"), None);
        // The legacy names of the network actions.
        for (legacy, action, form) in [
            ("CreateSubnet", ActionName::CreateSubnet, 0),
            ("DescribeSubnetEx", ActionName::DescribeSubnets, 0),
            ("DescribeSubnet", ActionName::DescribeSubnets, 1),
            ("DescribeRouteTable", ActionName::DescribeRouteTables, 0),
            (
                "AssociateRouteTable",
                ActionName::ReplaceRouteTableAssociation,
                0,
            ),
            ("CreateRoute", ActionName::CreateRoutes, 0),
            ("DeleteRoute", ActionName::DeleteRoutes, 0),
            ("ModifyVpcAttribute", ActionName::ModifyVpcAttribute, 0),
        ] {
            assert_eq!(
                ActionName::from_legacy(legacy),
                Some((action, form)),
                "{legacy}"
            );
        }
        // API 3.0's own names are not legacy ones, where the two differ.
        for api3_only in [
            "CreateSubnets",
            "DescribeSubnets",
            "DescribeRouteTables",
            "ReplaceRouteTableAssociation",
            "CreateRoutes",
            "DeleteRoutes",
            "ReplaceRoutes",
            "EnableRoutes",
            "DisableRoutes",
        ] {
            assert_eq!(ActionName::from_legacy(api3_only), None, "{api3_only}");
        }
        for unknown in ["CreateSubnetEx", "Ex", "CreateVpcEx", ""] {
            assert_eq!(ActionName::parse(unknown), None, "{unknown}");
        }
    }

    /// Each gRPC action is a method of the proto's services.
    #[test]
    fn grpc_actions_are_methods_of_the_protos() {
        let protos = [
            include_str!("../../proto/vpcsim/v1/peering.proto"),
            include_str!("../../proto/vpcsim/v1/vpc.proto"),
            include_str!("../../proto/vpcsim/v1/subnet.proto"),
            include_str!("../../proto/vpcsim/v1/route.proto"),
        ]
        .concat();
        for action in ActionName::ALL {
            let rpc = format!("rpc {}(", action.as_str());
            assert_eq!(protos.contains(&rpc), action.over_grpc(), "{action}");
        }
    }
}
