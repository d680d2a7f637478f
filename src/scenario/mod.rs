//! Scenario files: a whole simulator state (accounts, quotas, VPCs, peerings,
//! the clock) as YAML or JSON with one schema. Parsing reports the file, line,
//! column and path of every error; `validate` checks a scenario against the
//! same rules as the API and plans its rows. No I/O beyond the text given.

pub mod generate;
mod locate;
pub mod validate;

use std::{fmt, path::Path};

use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::link::Tag;

pub use locate::{locate, locate_as_written};

/// File format of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Yaml,
    Json,
}

impl Format {
    /// From a file name's extension; YAML unless it ends in `.json`.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Yaml,
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        match text.to_ascii_lowercase().as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// A whole simulator state. Unknown fields are errors.
///
/// Field names are the protos' (`vpc_name`, `peer_vpc_id`), written as dumps
/// write them; the JSON spelling grpcurl prints (`vpcName`, `peerVpcId`) is
/// read too, so output can be pasted in. Naming one field twice, in either
/// spelling, is an error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The simulator's clock when the scenario is loaded, `YYYY-MM-DD HH:MM:SS` UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// Seed for the ids generated while loading and after, so they repeat.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "idSeed")]
    pub id_seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quotas: Vec<QuotaSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vpcs: Vec<VpcSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peerings: Vec<PeeringSpec>,
    /// Fault rules, in the order they are tried (README "Faults").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultSpec>,
}

/// A fault rule, with AddFault's fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Fixed id; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "faultId")]
    pub fault_id: Option<String>,
    pub action: String,
    /// The caller it matches; any when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional_digits_or_string"
    )]
    pub uin: Option<String>,
    /// The region it matches; any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// FAIL_BEFORE, FAIL_AFTER_COMMIT, DELAY_BEFORE or DELAY_AFTER.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "errorCode")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "delayMs")]
    pub delay_ms: Option<i64>,
    /// How many more matching calls it acts on; no limit when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Matching calls drawn for so far: a dump keeps it, so that a load
    /// goes on with the same draws.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<u64>,
    /// Matching calls acted on so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fired: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "createTime")]
    pub create_time: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    #[serde(deserialize_with = "digits_or_string")]
    pub uin: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "appId")]
    pub app_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "secretId")]
    pub secret_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "secretKey")]
    pub secret_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "createTime")]
    pub create_time: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaSpec {
    #[serde(deserialize_with = "digits_or_string")]
    pub uin: String,
    /// Default: the loader's default region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(alias = "quotaName")]
    pub quota_name: String,
    pub limit: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcSpec {
    /// Owner.
    #[serde(deserialize_with = "digits_or_string")]
    pub uin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(alias = "vpcName")]
    pub vpc_name: String,
    #[serde(alias = "cidrBlock")]
    pub cidr_block: String,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        alias = "assistantCidrBlocks"
    )]
    pub assistant_cidr_blocks: Vec<String>,
    /// Fixed legacy id (`gz_vpc_12`); generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "vpcId")]
    pub vpc_id: Option<String>,
    /// Fixed unique id (`vpc-abcd1234`); generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "unVpcId")]
    pub un_vpc_id: Option<String>,
    /// A name for this VPC within the file, for peerings to use instead of
    /// an id (which may be generated). Not stored.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "createTime")]
    pub create_time: Option<String>,
    /// A deleted VPC, kept because peerings still name it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// `{key, value}` pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// Its subnets, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<SubnetSpec>,
    /// Its route tables. The one marked `main: true` (or, if none is, the
    /// one named `default`) is its default table; a VPC that lists none
    /// gets an empty one named `default`, as CreateVpc makes it.
    #[serde(default, skip_serializing_if = "Vec::is_empty", alias = "routeTables")]
    pub route_tables: Vec<RouteTableSpec>,
}

/// A subnet of the VPC it is listed under.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubnetSpec {
    /// Fixed id (`subnet-abcd1234`); generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "subnetId")]
    pub subnet_id: Option<String>,
    #[serde(alias = "subnetName")]
    pub subnet_name: String,
    #[serde(alias = "cidrBlock")]
    pub cidr_block: String,
    /// An availability zone of the VPC's region, such as ap-guangzhou-3.
    pub zone: String,
    /// The route table it is associated with: the id or the name of one
    /// of the VPC's tables in this file; the default table when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "routeTableId",
        alias = "route_table"
    )]
    pub route_table_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// Default: its VPC's create_time.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "createTime")]
    pub create_time: Option<String>,
}

/// A route table of the VPC it is listed under, with its routes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTableSpec {
    /// Fixed id (`rtb-abcd1234`); generated when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "routeTableId"
    )]
    pub route_table_id: Option<String>,
    /// Required but for the default table, which is `default` unless named.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "routeTableName"
    )]
    pub route_table_name: Option<String>,
    /// The VPC's default table (one per VPC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteSpec>,
    /// Default: its VPC's create_time.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "createTime")]
    pub create_time: Option<String>,
}

/// A route of the table it is listed under.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// Fixed numeric `RouteId`, unique among all routes; the next free
    /// one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "routeId")]
    pub route_id: Option<i64>,
    /// Fixed `rti-abcd1234`; generated when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "routeItemId"
    )]
    pub route_item_id: Option<String>,
    #[serde(alias = "destinationCidrBlock")]
    pub destination_cidr_block: String,
    /// PEERCONNECTION, VPN, NAT, CVM, ... as the API takes them.
    #[serde(alias = "gatewayType")]
    pub gateway_type: String,
    /// The next hop. For PEERCONNECTION: a peering's id (of the file or the
    /// database), or the name of a peering of the file that only it has.
    #[serde(alias = "gatewayId")]
    pub gateway_id: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "routeDescription"
    )]
    pub route_description: Option<String>,
    /// Default: true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Default: its table's create_time.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "createTime")]
    pub create_time: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum StateSpec {
    Pending,
    #[default]
    Active,
    Expired,
    Rejected,
    Deleted,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeeringSpec {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "peeringConnectionId"
    )]
    pub peering_connection_id: Option<String>,
    #[serde(alias = "peeringConnectionName")]
    pub peering_connection_name: String,
    /// The requester's VPC: either id, or the `ref` or (unique) name of a
    /// VPC in the same file.
    #[serde(rename = "vpc_id", alias = "vpcId", alias = "vpc")]
    pub vpc: String,
    /// The accepter's VPC, the same ways.
    #[serde(rename = "peer_vpc_id", alias = "peerVpcId", alias = "peer_vpc")]
    pub peer_vpc: String,
    pub state: StateSpec,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "createTime")]
    pub create_time: Option<String>,
    /// For PENDING and EXPIRED; default create_time + 7 days.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "expireTime")]
    pub expire_time: Option<String>,
    /// Link options, as API 3.0's create sets them; absent ones take the
    /// defaults (no bandwidth cap, POSTPAID_BY_DAY_MAX, VPC_PEER, AU, no tags).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "chargeType")]
    pub charge_type: Option<String>,
    #[serde(
        default,
        rename = "type",
        skip_serializing_if = "Option::is_none",
        alias = "link_type"
    )]
    pub link_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "qosLevel")]
    pub qos_level: Option<String>,
    /// `{key, value}` pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// Uins are digit strings, which YAML reads as numbers when unquoted.
fn digits_or_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Uin {
        Number(u64),
        Text(String),
    }
    Ok(match Uin::deserialize(deserializer)? {
        Uin::Number(n) => n.to_string(),
        Uin::Text(s) => s,
    })
}

fn optional_digits_or_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    digits_or_string(deserializer).map(Some)
}

/// A problem in a scenario, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file name as the user gave it.
    pub source: String,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// Path inside the document, such as `peerings[3].peer_vpc`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found, in document order; at least one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Parses a scenario. Errors name the file, line, column and path.
pub fn parse(text: &str, format: Format, source: &str) -> Result<Scenario, ScenarioErrors> {
    let result = match format {
        Format::Yaml => {
            // An empty document is an empty scenario.
            if text.trim().is_empty() {
                return Ok(Scenario::default());
            }
            let deserializer = serde_yaml_ng::Deserializer::from_str(text);
            serde_path_to_error::deserialize(deserializer).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let position = inner.location().map(|l| (l.line(), l.column()));
                (path, position, strip_location(&inner.to_string()))
            })
        }
        Format::Json => {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let position = (inner.line() > 0).then(|| (inner.line(), inner.column()));
                (path, position, strip_location(&inner.to_string()))
            })
        }
    };
    result.map_err(|(path, position, message)| {
        let path = if path == "." { String::new() } else { path };
        ScenarioErrors(vec![ScenarioError {
            source: source.to_owned(),
            position,
            path,
            message,
        }])
    })
}

/// serde_yaml_ng and serde_json append " at line X column Y"; we print the
/// position up front instead.
fn strip_location(message: &str) -> String {
    let message = match message.find(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    // serde_yaml_ng also starts with its own path ("accounts[0]: ..."); ours
    // is printed already.
    match message.split_once(": ") {
        Some((head, rest)) if !head.contains(' ') => rest.to_owned(),
        _ => message.to_owned(),
    }
}

/// Writes a scenario as YAML or pretty JSON.
pub fn render(scenario: &Scenario, format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Yaml => serde_yaml_ng::to_string(scenario)?,
        Format::Json => serde_json::to_string_pretty(scenario)? + "\n",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_errors_with_a_position() {
        let text = "accounts:\n  - uin: 1\n    name: a\n    colour: red\n";
        let err = parse(text, Format::Yaml, "s.yaml").unwrap_err();
        let first = &err.0[0];
        assert_eq!(first.path, "accounts[0].colour");
        assert!(first.message.contains("colour"), "{}", first.message);
        assert!(
            err.to_string()
                .starts_with("s.yaml:4:5: accounts[0].colour: "),
            "{err}"
        );
    }

    #[test]
    fn json_and_yaml_read_the_same_schema() {
        let yaml = "accounts:\n  - uin: 100001\n    name: alice\n";
        let json = r#"{"accounts": [{"uin": "100001", "name": "alice"}]}"#;
        let a = parse(yaml, Format::Yaml, "a.yaml").unwrap();
        let b = parse(json, Format::Json, "b.json").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.accounts[0].uin, "100001");
        let err = parse(r#"{"accounts": [{"uin": "1"}]}"#, Format::Json, "c.json").unwrap_err();
        assert!(err.to_string().starts_with("c.json:1:"), "{err}");
        assert!(err.to_string().contains("name"), "{err}");
    }

    #[test]
    fn render_round_trips() {
        let scenario = Scenario {
            clock: Some("2026-01-01 00:00:00".into()),
            accounts: vec![AccountSpec {
                uin: "1".into(),
                name: "a".into(),
                ..Default::default()
            }],
            peerings: vec![PeeringSpec {
                peering_connection_id: None,
                peering_connection_name: "p".into(),
                vpc: "gz_vpc_1".into(),
                peer_vpc: "gz_vpc_2".into(),
                state: StateSpec::Pending,
                bandwidth: Some(10),
                link_type: Some("VPC_PEER".into()),
                tags: vec![Tag {
                    key: "team".into(),
                    value: "qa".into(),
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        for format in [Format::Yaml, Format::Json] {
            let text = render(&scenario, format).unwrap();
            assert_eq!(parse(&text, format, "x").unwrap(), scenario);
        }
    }

    #[test]
    fn format_from_extension() {
        assert_eq!(Format::from_path(Path::new("a.JSON")), Format::Json);
        assert_eq!(Format::from_path(Path::new("a.yml")), Format::Yaml);
        assert_eq!(Format::from_path(Path::new("a")), Format::Yaml);
    }
}

/// The loader meets untrusted files: whatever the bytes, it answers with a
/// scenario or located errors, and never panics.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;
    use crate::{
        domain::{ids::IdGenerator, region::Region},
        scenario::validate::{EmptyState, plan},
    };

    const SEEDS: [&str; 4] = [
        include_str!("../../examples/overlap-matrix.yaml"),
        include_str!("../../examples/expiry.yaml"),
        include_str!("../../examples/quickstart.json"),
        include_str!("../../examples/network-scenario.yaml"),
    ];

    fn load(text: &str, format: Format) {
        if let Ok(scenario) = parse(text, format, "fuzz") {
            let region = Region::parse("gz").unwrap();
            if let Err(errors) = plan(
                &EmptyState,
                None,
                &scenario,
                region,
                0,
                &mut IdGenerator::new(Some(1)),
            ) {
                for (path, _) in errors {
                    let _ = locate(text, &path);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
            load(&text, Format::Yaml);
            load(&text, Format::Json);
        }

        #[test]
        fn mutated_scenarios_never_panic(
            seed in 0..SEEDS.len(),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..8),
        ) {
            let mut bytes = SEEDS[seed].as_bytes().to_vec();
            for (at, byte, kind) in edits {
                let i = at.index(bytes.len().max(1));
                match kind {
                    0 if i < bytes.len() => bytes[i] = byte,
                    1 => bytes.insert(i.min(bytes.len()), byte),
                    _ if i < bytes.len() => { bytes.remove(i); }
                    _ => {}
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            let format = if seed == 2 { Format::Json } else { Format::Yaml };
            load(&text, format);
        }
    }
}
