//! Route tables and routes: next-hop types, destinations, and the rules a
//! route through a peering keeps. Pure functions of what the caller hands
//! in, shared by the API (over the model) and the scenario loader.

use std::{fmt, net::Ipv4Addr, str::FromStr};

use ipnet::Ipv4Net;

use super::{
    cidr::CidrBlock,
    error::{ApiError, ErrorCode},
    peering::PeeringState,
    quota::QuotaName,
};

/// The next-hop types a caller may give API 3.0's `Route.GatewayType`
/// (the SDK's `Route` model; `GWLB_ENDPOINT` is left out, its id form being
/// documented nowhere). vpcsim keeps the rules of `PEERCONNECTION`; the
/// others are stored with a check of their id's form only, as they lead to
/// resources vpcsim does not simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatewayType {
    Cvm,
    Vpn,
    DirectConnect,
    PeerConnection,
    Havip,
    Nat,
    NormalCvm,
    Eip,
    LocalGateway,
    IntraNat,
    UserCcn,
}

/// What a gateway id of a type looks like.
enum IdForm {
    /// A private IPv4 address (a CVM next hop by address).
    Address,
    /// An instance id (`ins-...`) or a private IPv4 address.
    InstanceOrAddress,
    /// `prefix` followed by 8 lowercase letters or digits.
    Prefixed(&'static str),
    /// The literal `0` (the public gateway of EIP routes).
    Zero,
}

impl GatewayType {
    pub const ALL: [GatewayType; 11] = [
        Self::Cvm,
        Self::Vpn,
        Self::DirectConnect,
        Self::PeerConnection,
        Self::Havip,
        Self::Nat,
        Self::NormalCvm,
        Self::Eip,
        Self::LocalGateway,
        Self::IntraNat,
        Self::UserCcn,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cvm => "CVM",
            Self::Vpn => "VPN",
            Self::DirectConnect => "DIRECTCONNECT",
            Self::PeerConnection => "PEERCONNECTION",
            Self::Havip => "HAVIP",
            Self::Nat => "NAT",
            Self::NormalCvm => "NORMAL_CVM",
            Self::Eip => "EIP",
            Self::LocalGateway => "LOCAL_GATEWAY",
            Self::IntraNat => "INTRANAT",
            Self::UserCcn => "USER_CCN",
        }
    }

    const fn id_form(self) -> IdForm {
        match self {
            Self::Cvm => IdForm::InstanceOrAddress,
            Self::NormalCvm => IdForm::Address,
            Self::Vpn => IdForm::Prefixed("vpngw-"),
            Self::DirectConnect => IdForm::Prefixed("dcg-"),
            Self::PeerConnection => IdForm::Prefixed("pcx-"),
            Self::Havip => IdForm::Prefixed("havip-"),
            Self::Nat => IdForm::Prefixed("nat-"),
            Self::Eip => IdForm::Zero,
            Self::LocalGateway => IdForm::Prefixed("lgw-"),
            Self::IntraNat => IdForm::Prefixed("intranat-"),
            Self::UserCcn => IdForm::Prefixed("ccn-"),
        }
    }

    pub fn parse(text: &str, field: &'static str) -> Result<GatewayType, ApiError> {
        if text.is_empty() {
            return Err(ApiError::missing(field));
        }
        Self::ALL
            .into_iter()
            .find(|g| g.as_str() == text)
            .ok_or_else(|| {
                let known: Vec<_> = Self::ALL.iter().map(|g| g.as_str()).collect();
                ApiError::field(
                    ErrorCode::InvalidParameterValue,
                    field,
                    format!("{field} {text:?} is not one of {}", known.join(", ")),
                )
            })
    }

    /// Checks that `id` has the form of this type's gateway ids.
    pub fn check_id(self, id: &str, field: &'static str) -> Result<(), ApiError> {
        if id.is_empty() {
            return Err(ApiError::missing(field));
        }
        let address = |id: &str| Ipv4Addr::from_str(id).is_ok_and(|a| a.is_private());
        let prefixed = |id: &str, prefix: &str| {
            id.strip_prefix(prefix).is_some_and(|rest| {
                rest.len() == 8
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
        };
        let ok = match self.id_form() {
            IdForm::Address => address(id),
            IdForm::InstanceOrAddress => address(id) || prefixed(id, "ins-"),
            IdForm::Prefixed(prefix) => prefixed(id, prefix),
            IdForm::Zero => id == "0",
        };
        if ok {
            return Ok(());
        }
        let form = match self.id_form() {
            IdForm::Address => "a private IPv4 address".to_owned(),
            IdForm::InstanceOrAddress => {
                "ins- and 8 lowercase letters or digits, or a private IPv4 address".to_owned()
            }
            IdForm::Prefixed(prefix) => format!("{prefix} and 8 lowercase letters or digits"),
            IdForm::Zero => "0".to_owned(),
        };
        Err(ApiError::field(
            ErrorCode::InvalidParameterValueMalformed,
            field,
            format!(
                "{field} {id:?} is not a {} gateway id ({form})",
                self.as_str()
            ),
        ))
    }
}

impl fmt::Display for GatewayType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A route's destination: any IPv4 network (`0.0.0.0/0` for a default
/// route), written in its one canonical form.
pub fn parse_destination(text: &str, field: &'static str) -> Result<CidrBlock, ApiError> {
    if text.is_empty() {
        return Err(ApiError::missing(field));
    }
    let malformed = |why: &str| {
        ApiError::field(
            ErrorCode::InvalidParameterValueMalformed,
            field,
            format!("{field} {text:?} {why}"),
        )
    };
    let net = Ipv4Net::from_str(text)
        .map_err(|_| malformed("is not an IPv4 CIDR block such as 10.1.0.0/16"))?;
    if net.network() != net.addr() || net.to_string() != text {
        return Err(malformed(&format!("is not written as {}", net.trunc())));
    }
    CidrBlock::parse_stored(text).ok_or_else(|| malformed("is not an IPv4 CIDR block"))
}

/// The name of every VPC's default route table, as CreateVpc makes it.
pub const DEFAULT_TABLE_NAME: &str = "default";

/// Longest route description, in characters: the legacy API's documented
/// limit (API 3.0 documents none).
pub const MAX_ROUTE_DESCRIPTION_CHARS: usize = 60;

/// Checks a route's description: at most 100 characters, none of them
/// control characters.
pub fn check_route_description(description: &str, field: &'static str) -> Result<(), ApiError> {
    let chars = description.chars().count();
    if chars > MAX_ROUTE_DESCRIPTION_CHARS {
        return Err(ApiError::field(
            ErrorCode::InvalidParameterValue,
            field,
            format!(
                "{field} has {chars} characters, at most {MAX_ROUTE_DESCRIPTION_CHARS} are allowed"
            ),
        ));
    }
    if description.chars().any(char::is_control) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameterValue,
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(())
}

/// A peering a route names as its next hop, as the caller may see it.
#[derive(Debug, Clone, Copy)]
pub struct PeeringHop<'a> {
    pub peering_id: &'a str,
    /// Its state on the clock now.
    pub state: PeeringState,
    /// Whether the route table's VPC is one of its two ends.
    pub joins_vpc: bool,
    /// How messages name the VPC at the other end.
    pub peer_vpc: &'a str,
    /// The blocks of the VPC at the other end.
    pub peer_blocks: &'a [CidrBlock],
}

/// A route being added to a table, and the table it joins.
#[derive(Debug, Clone, Copy)]
pub struct RouteInTable<'a> {
    pub table: &'a str,
    /// How messages name the table's VPC, and its blocks.
    pub vpc: &'a str,
    pub vpc_blocks: &'a [CidrBlock],
    pub destination: CidrBlock,
    /// The enabled routes of the table already.
    pub existing: &'a [ExistingRoute<'a>],
}

/// An enabled route of a table, as a new route meets it.
#[derive(Debug, Clone, Copy)]
pub struct ExistingRoute<'a> {
    pub item_id: &'a str,
    pub destination: CidrBlock,
    pub via_peering: bool,
}

/// Checks a route's destination against its table: not inside one of the
/// VPC's own blocks (local traffic never leaves it; a wider destination,
/// such as `0.0.0.0/0`, is fine), and not one that another enabled route
/// of the table goes to where either of the two goes through a peering
/// (the cloud has no ECMP through peerings). `peering` says whether this
/// route goes through one.
pub fn check_destination(
    route: &RouteInTable<'_>,
    peering: bool,
    field: &'static str,
) -> Result<(), ApiError> {
    let dest = route.destination;
    if let Some(own) = route
        .vpc_blocks
        .iter()
        .find(|b| b.net().contains(&dest.net()))
    {
        return Err(ApiError::field(
            ErrorCode::InvalidParameterValueOverlap,
            field,
            format!(
                "{field} {dest} overlaps {own} of vpc {}; traffic inside the vpc is routed locally",
                route.vpc
            ),
        ));
    }
    let shared = route
        .existing
        .iter()
        .find(|r| r.destination == dest && (peering || r.via_peering));
    if let Some(other) = shared {
        return Err(ApiError::field(
            ErrorCode::RouteConflict,
            field,
            format!(
                "{field} {dest}: route {} of {} already goes there, and a route through a peering shares its destination with no other",
                other.item_id, route.table
            ),
        ));
    }
    Ok(())
}

/// Checks that no destination comes twice among the routes of one request.
pub fn check_distinct_destinations(
    destinations: &[CidrBlock],
    field: &'static str,
) -> Result<(), ApiError> {
    for (i, dest) in destinations.iter().enumerate() {
        if destinations[..i].contains(dest) {
            return Err(ApiError::field(
                ErrorCode::InvalidParameterValueDuplicate,
                field,
                format!("{field} {dest} is given twice in this request"),
            ));
        }
    }
    Ok(())
}

/// Checks a route through a peering: the peering joins the table's VPC,
/// it is ACTIVE (a request that was never accepted carries no traffic),
/// and the destination lies inside the peer VPC's blocks.
pub fn check_peering_hop(
    hop: &PeeringHop<'_>,
    vpc: &str,
    destination: CidrBlock,
    field: &'static str,
) -> Result<(), ApiError> {
    if !hop.joins_vpc {
        return Err(ApiError::field(
            ErrorCode::PeeringNotActive,
            "gateway_id",
            format!(
                "peering connection {} does not connect vpc {vpc}",
                hop.peering_id
            ),
        ));
    }
    if hop.state != PeeringState::Active {
        return Err(ApiError::new(
            ErrorCode::PeeringNotActive,
            format!(
                "peering connection {} is {}; only an ACTIVE one carries routes",
                hop.peering_id,
                hop.state.as_str()
            ),
        ));
    }
    if !hop
        .peer_blocks
        .iter()
        .any(|b| b.net().contains(&destination.net()))
    {
        let blocks: Vec<String> = hop.peer_blocks.iter().map(ToString::to_string).collect();
        return Err(ApiError::field(
            ErrorCode::CidrNotInPeerVpc,
            field,
            format!(
                "{field} {destination} is not inside a block of the peer vpc {} ({})",
                hop.peer_vpc,
                blocks.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Checks a new block of a VPC against the routes of its own tables: no
/// route's destination may come to lie inside the VPC.
pub fn check_block_clear_of_routes(
    vpc: &str,
    block: CidrBlock,
    destinations: &[(&str, CidrBlock)],
) -> Result<(), ApiError> {
    match destinations
        .iter()
        .find(|(_, d)| block.net().contains(&d.net()))
    {
        None => Ok(()),
        Some((item, dest)) => Err(ApiError::field(
            ErrorCode::InvalidParameterValueOverlap,
            "cidr_blocks",
            format!("{block} would hold {dest}, the destination of route {item} of vpc {vpc}"),
        )
        .because(super::error::Cause::RouteOverlap)),
    }
}

/// Checks that a VPC block may go as far as its peers go: no route
/// through a peering leads into it (`routes_in`: each such route's item id
/// and destination).
pub fn check_block_not_routed_into(
    vpc: &str,
    block: CidrBlock,
    routes_in: &[(&str, CidrBlock)],
) -> Result<(), ApiError> {
    match routes_in
        .iter()
        .find(|(_, d)| block.net().contains(&d.net()))
    {
        None => Ok(()),
        Some((item, dest)) => Err(ApiError::new(
            ErrorCode::ResourceInUse,
            format!(
                "route {item} of a peer leads into {block} of vpc {vpc} ({dest}); delete it first"
            ),
        )),
    }
}

/// Checks that a table with `count` routes may have `adding` more.
pub fn check_route_count(
    table: &str,
    count: usize,
    adding: usize,
    limit: i64,
) -> Result<(), ApiError> {
    if (count + adding) as i64 <= limit {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::LimitExceeded,
        format!(
            "route table {table} has {count} routes and {adding} more would pass quota {} of {limit}",
            QuotaName::MaxRoutes.as_str()
        ),
    ))
}

/// Checks that a VPC with `count` route tables may have one more.
pub fn check_route_table_count(vpc: &str, count: usize, limit: i64) -> Result<(), ApiError> {
    if (count as i64) < limit {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::LimitExceeded,
        format!(
            "vpc {vpc} has {count} of {limit} route tables allowed by quota {}",
            QuotaName::MaxRouteTables.as_str()
        ),
    ))
}

/// Checks that a route table may be deleted: not its VPC's default one,
/// and no subnet associated with it.
pub fn check_route_table_deletable(
    table: &str,
    main: bool,
    subnets: &[&str],
) -> Result<(), ApiError> {
    if main {
        return Err(ApiError::new(
            ErrorCode::DefaultRouteTable,
            format!("route table {table} is its vpc's default route table and goes with the vpc"),
        ));
    }
    match subnets.first() {
        None => Ok(()),
        Some(first) => Err(ApiError::new(
            ErrorCode::RouteTableInUse,
            format!(
                "route table {table} is associated with {} subnets, such as {first}; associate them with another table first",
                subnets.len()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> CidrBlock {
        CidrBlock::parse_stored(text).expect("a network")
    }

    #[test]
    fn gateway_types_and_their_id_forms() {
        assert_eq!(
            GatewayType::parse("PEERCONNECTION", "t"),
            Ok(GatewayType::PeerConnection)
        );
        assert_eq!(
            GatewayType::parse("peerconnection", "t").map_err(|e| e.code),
            Err(ErrorCode::InvalidParameterValue)
        );
        let ok = |t: GatewayType, id: &str| t.check_id(id, "gateway_id").is_ok();
        assert!(ok(GatewayType::PeerConnection, "pcx-abc12345"));
        assert!(!ok(GatewayType::PeerConnection, "pcx-ABC12345"));
        assert!(!ok(GatewayType::PeerConnection, "vpngw-abc12345"));
        assert!(ok(GatewayType::Vpn, "vpngw-abc12345"));
        assert!(ok(GatewayType::Cvm, "10.0.0.5"));
        assert!(ok(GatewayType::Cvm, "ins-abc12345"));
        assert!(!ok(GatewayType::Cvm, "8.8.8.8"));
        assert!(!ok(GatewayType::NormalCvm, "ins-abc12345"));
        assert!(ok(GatewayType::IntraNat, "intranat-abc12345"));
        assert!(ok(GatewayType::UserCcn, "ccn-abc12345"));
        assert_eq!(
            GatewayType::parse("CCN", "t").map_err(|e| e.code),
            Err(ErrorCode::InvalidParameterValue),
            "learned CCN routes are the cloud's, never a caller's"
        );
        assert!(ok(GatewayType::Eip, "0"));
        assert_eq!(
            GatewayType::Nat
                .check_id("", "gateway_id")
                .map_err(|e| e.code),
            Err(ErrorCode::MissingParameter)
        );
    }

    #[test]
    fn destinations_are_any_canonical_network() {
        assert_eq!(parse_destination("0.0.0.0/0", "d"), Ok(block("0.0.0.0/0")));
        assert_eq!(
            parse_destination("8.8.8.0/24", "d"),
            Ok(block("8.8.8.0/24"))
        );
        for bad in ["10.0.0.1/16", "10.0.0.0", "nonsense", "10.0.0.0/33"] {
            assert_eq!(
                parse_destination(bad, "d").map_err(|e| e.code),
                Err(ErrorCode::InvalidParameterValueMalformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_destination_is_outside_the_vpc_and_unique_in_its_table() {
        let own = [block("10.0.0.0/16")];
        let existing = [
            ExistingRoute {
                item_id: "rti-1",
                destination: block("10.1.0.0/24"),
                via_peering: true,
            },
            ExistingRoute {
                item_id: "rti-2",
                destination: block("10.9.0.0/24"),
                via_peering: false,
            },
        ];
        let check = |d: &str, peering: bool| {
            check_destination(
                &RouteInTable {
                    table: "rtb-1",
                    vpc: "vpc-1",
                    vpc_blocks: &own,
                    destination: block(d),
                    existing: &existing,
                },
                peering,
                "destination",
            )
            .map_err(|e| e.code)
        };
        assert_eq!(
            check("10.0.1.0/24", true),
            Err(ErrorCode::InvalidParameterValueOverlap)
        );
        assert_eq!(
            check("10.0.0.0/16", false),
            Err(ErrorCode::InvalidParameterValueOverlap)
        );
        assert_eq!(check("10.0.0.0/8", false), Ok(()), "wider than the vpc");
        assert_eq!(check("0.0.0.0/0", false), Ok(()));
        assert_eq!(check("10.1.0.0/24", false), Err(ErrorCode::RouteConflict));
        assert_eq!(check("10.9.0.0/24", true), Err(ErrorCode::RouteConflict));
        assert_eq!(
            check("10.9.0.0/24", false),
            Ok(()),
            "ECMP between other gateways"
        );
        assert_eq!(
            check("10.1.0.0/25", true),
            Ok(()),
            "a narrower route is another route"
        );
        assert_eq!(check("10.2.0.0/24", true), Ok(()));
        let twice = [
            block("10.2.0.0/24"),
            block("10.3.0.0/24"),
            block("10.2.0.0/24"),
        ];
        assert_eq!(
            check_distinct_destinations(&twice, "d").map_err(|e| e.code),
            Err(ErrorCode::InvalidParameterValueDuplicate)
        );
        assert!(check_distinct_destinations(&twice[..2], "d").is_ok());
    }

    #[test]
    fn a_peering_hop_is_active_joins_the_vpc_and_leads_into_the_peer() {
        let peer = [block("10.1.0.0/16"), block("172.16.0.0/24")];
        let hop = |state, joins_vpc| PeeringHop {
            peering_id: "pcx-1",
            state,
            joins_vpc,
            peer_vpc: "vpc-2",
            peer_blocks: &peer,
        };
        let check = |h: PeeringHop<'_>, d: &str| {
            check_peering_hop(&h, "vpc-1", block(d), "destination").map_err(|e| e.code)
        };
        assert_eq!(
            check(hop(PeeringState::Active, true), "10.1.2.0/24"),
            Ok(())
        );
        assert_eq!(
            check(hop(PeeringState::Active, true), "172.16.0.0/25"),
            Ok(())
        );
        assert_eq!(
            check(hop(PeeringState::Active, true), "10.2.0.0/24"),
            Err(ErrorCode::CidrNotInPeerVpc)
        );
        assert_eq!(
            check(hop(PeeringState::Active, true), "10.0.0.0/8"),
            Err(ErrorCode::CidrNotInPeerVpc),
            "wider than the peer"
        );
        for state in [
            PeeringState::Pending,
            PeeringState::Expired,
            PeeringState::Rejected,
        ] {
            assert_eq!(
                check(hop(state, true), "10.1.2.0/24"),
                Err(ErrorCode::PeeringNotActive)
            );
        }
        assert_eq!(
            check(hop(PeeringState::Active, false), "10.1.2.0/24"),
            Err(ErrorCode::PeeringNotActive)
        );
    }

    #[test]
    fn tables_and_their_quotas() {
        assert!(check_route_count("t", 49, 1, 50).is_ok());
        assert!(check_route_count("t", 49, 2, 50).is_err());
        assert!(check_route_table_count("v", 9, 10).is_ok());
        assert!(check_route_table_count("v", 10, 10).is_err());
        assert_eq!(
            check_route_table_deletable("t", true, &[]).map_err(|e| e.code),
            Err(ErrorCode::DefaultRouteTable)
        );
        assert_eq!(
            check_route_table_deletable("t", false, &["subnet-1"]).map_err(|e| e.code),
            Err(ErrorCode::RouteTableInUse)
        );
        assert!(check_route_table_deletable("t", false, &[]).is_ok());
        let routes = [("rti-1", block("192.168.4.0/24"))];
        let grown = check_block_clear_of_routes("v", block("192.168.4.0/22"), &routes)
            .expect_err("around a destination");
        assert_eq!(grown.code, ErrorCode::InvalidParameterValueOverlap);
        assert_eq!(
            grown.api3_code(),
            "InvalidParameterValue.VpcCidrOverlapRoute"
        );
        assert!(check_block_clear_of_routes("v", block("192.168.8.0/22"), &routes).is_ok());
        assert_eq!(
            check_block_not_routed_into("v", block("192.168.4.0/23"), &routes).map_err(|e| e.code),
            Err(ErrorCode::ResourceInUse)
        );
    }
}
