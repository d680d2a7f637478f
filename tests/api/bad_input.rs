//! Bad input, table-driven: every request field gets hostile values, each
//! answered with INVALID_ARGUMENT and its documented code, and the state is
//! the same afterwards.

use tonic::{Code, Status};
use vpcsim::proto::{self, DescribeVpcPeeringConnectionsRequest as Describe};

use crate::helpers::{TestApp, authed, example};

/// Strings any text field gets.
fn hostile_strings() -> Vec<String> {
    vec![
        String::new(),
        "a".repeat(4 * 1024 * 1024),
        "ünïcödé-✓-对等连接".into(),
        "tab\there\nnewline\u{0}nul\u{7}bell".into(),
        "'; DROP TABLE peerings; --".into(),
        "\" OR 1=1 --".into(),
        "%s%n%x{}".into(),
        "\u{202e}rtl".into(),
    ]
}

/// Ids of every wrong shape, leaving out the `valid` ones.
fn bad_ids(valid: &[&str]) -> Vec<String> {
    let mut ids = hostile_strings();
    ids.extend(
        [
            "pcx-abcdefgh",
            "vpc-abcdefgh",
            "gz_vpc_1",
            "vpc-ABCDEFGH",
            "vpc-abc",
            "vpc-abcdefghi",
            "gz_vpc_-1",
            "gz_vpc_99999999999999999999",
            "xx_vpc_1",
            "gz-vpc-1",
            "VPC-abcdefgh",
            "pcx-ABCDEFGH",
            "pcx-",
        ]
        .iter()
        .filter(|s| !valid.contains(s))
        .map(|s| s.to_string()),
    );
    ids
}

fn bad_uins() -> Vec<String> {
    let mut uins = hostile_strings();
    uins.extend(
        [
            "abc",
            "-1",
            "1.5",
            "１２３",
            "123456789012345678901",
            " 1",
            "0x10",
            "1e9",
        ]
        .map(String::from),
    );
    uins
}

fn bad_cidrs() -> Vec<String> {
    let mut cidrs = hostile_strings();
    cidrs.extend(
        [
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0.1/16",
            "fd00::/8",
            "::/0",
            "::ffff:10.0.0.0/104",
            "256.0.0.0/8",
            "10.0.0.0/-1",
            "10.0.0.0/16; DROP TABLE vpcs",
            "10.0.0.0/7",
            "11.0.0.0/8",
            "0.0.0.0/0",
            "10.0.0.0/29",
            "172.32.0.0/16",
            "192.168.0.0/15",
            "10.0.0.0/16 ",
            " 10.0.0.0/16",
            "10.00.0.0/16",
            "010.0.0.0/16",
        ]
        .map(String::from),
    );
    cidrs
}

fn bad_names() -> Vec<String> {
    vec![
        String::new(),
        "n".repeat(61),
        "对".repeat(61),
        "a".repeat(4 * 1024 * 1024),
        "new\nline".into(),
        "nul\u{0}".into(),
        "\u{7}".into(),
    ]
}

struct Tally {
    tried: usize,
}

impl Tally {
    #[track_caller]
    fn refused(
        &mut self,
        what: &str,
        result: Result<impl std::fmt::Debug, Status>,
        codes: &[&str],
    ) {
        self.tried += 1;
        let status = match result {
            Ok(answer) => panic!("{what} was accepted: {answer:?}"),
            Err(status) => status,
        };
        assert_eq!(status.code(), Code::InvalidArgument, "{what}: {status:?}");
        let code = status.message().split(':').next().unwrap_or_default();
        assert!(
            codes.contains(&code),
            "{what}: code {code} not in {codes:?}"
        );
        assert!(
            status.message().len() < 2048,
            "{what}: the message echoes too much"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_field_refuses_hostile_values_and_nothing_changes() {
    let app = TestApp::spawn().await;
    app.load(&example("quickstart.yaml"), "quickstart.yaml", false)
        .await
        .unwrap();
    let before = app.dump().await;
    let mut t = Tally { tried: 0 };
    let (mut p, mut v, mut a) = (app.peering(), app.vpcs(), app.admin());
    let alice = "AKIDalice";
    let id_codes: &[&str] = &["InvalidParameterValue.Malformed", "MissingParameter"];
    let cidr_codes: &[&str] = &[
        "InvalidParameterValue.Malformed",
        "InvalidParameterValue.Range",
        "MissingParameter",
    ];
    let create = || proto::CreateVpcPeeringConnectionRequest {
        vpc_id: "gz_vpc_1".into(),
        peer_vpc_id: "gz_vpc_2".into(),
        peer_uin: "100002".into(),
        peering_connection_name: "ok".into(),
        peer_region: None,
    };

    for bad in bad_ids(&["vpc-abcdefgh", "gz_vpc_1"]) {
        t.refused(
            "create vpc_id",
            p.create_vpc_peering_connection(authed(
                alice,
                proto::CreateVpcPeeringConnectionRequest {
                    vpc_id: bad.clone(),
                    ..create()
                },
            ))
            .await,
            id_codes,
        );
        t.refused(
            "create peer_vpc_id",
            p.create_vpc_peering_connection(authed(
                alice,
                proto::CreateVpcPeeringConnectionRequest {
                    peer_vpc_id: bad.clone(),
                    ..create()
                },
            ))
            .await,
            id_codes,
        );
        t.refused(
            "delete vpc",
            v.delete_vpc(authed(
                alice,
                proto::DeleteVpcRequest {
                    vpc_id: bad.clone(),
                },
            ))
            .await,
            id_codes,
        );
        t.refused(
            "assistant vpc_id",
            v.create_assistant_cidr(authed(
                alice,
                proto::CreateAssistantCidrRequest {
                    vpc_id: bad.clone(),
                    cidr_blocks: vec!["172.16.0.0/16".into()],
                },
            ))
            .await,
            id_codes,
        );
        if !bad.is_empty() {
            t.refused(
                "describe vpc_id",
                p.describe_vpc_peering_connections(authed(
                    alice,
                    Describe {
                        vpc_id: bad.clone(),
                        ..Default::default()
                    },
                ))
                .await,
                id_codes,
            );
            t.refused(
                "describe vpcs vpc_id",
                v.describe_vpc_ex(authed(
                    alice,
                    proto::DescribeVpcExRequest {
                        vpc_id: bad.clone(),
                        ..Default::default()
                    },
                ))
                .await,
                id_codes,
            );
        }
    }
    for bad in bad_ids(&["pcx-abcdefgh"]) {
        let id = bad.clone();
        t.refused(
            "accept id",
            p.accept_vpc_peering_connection(authed(
                "AKIDbob",
                proto::AcceptVpcPeeringConnectionRequest {
                    peering_connection_id: id.clone(),
                },
            ))
            .await,
            id_codes,
        );
        t.refused(
            "reject id",
            p.reject_vpc_peering_connection(authed(
                "AKIDbob",
                proto::RejectVpcPeeringConnectionRequest {
                    peering_connection_id: id.clone(),
                },
            ))
            .await,
            id_codes,
        );
        t.refused(
            "delete id",
            p.delete_vpc_peering_connection(authed(
                alice,
                proto::DeleteVpcPeeringConnectionRequest {
                    peering_connection_id: id.clone(),
                },
            ))
            .await,
            id_codes,
        );
        t.refused(
            "enable id",
            p.enable_vpc_peering_connection(authed(
                alice,
                proto::EnableVpcPeeringConnectionRequest {
                    peering_connection_id: id.clone(),
                },
            ))
            .await,
            id_codes,
        );
        t.refused(
            "modify id",
            p.modify_vpc_peering_connection(authed(
                alice,
                proto::ModifyVpcPeeringConnectionRequest {
                    peering_connection_id: id.clone(),
                    peering_connection_name: "n".into(),
                },
            ))
            .await,
            id_codes,
        );
        if !bad.is_empty() {
            t.refused(
                "describe id",
                p.describe_vpc_peering_connections(authed(
                    alice,
                    Describe {
                        peering_connection_id: id,
                        ..Default::default()
                    },
                ))
                .await,
                id_codes,
            );
        }
    }
    for bad in bad_uins() {
        t.refused(
            "create peer_uin",
            p.create_vpc_peering_connection(authed(
                alice,
                proto::CreateVpcPeeringConnectionRequest {
                    peer_uin: bad.clone(),
                    ..create()
                },
            ))
            .await,
            id_codes,
        );
        t.refused(
            "account uin",
            a.create_account(app.admin_req(proto::CreateAccountRequest {
                uin: bad.clone(),
                name: "n".into(),
                ..Default::default()
            }))
            .await,
            id_codes,
        );
        t.refused(
            "quota uin",
            a.set_quota(app.admin_req(proto::SetQuotaRequest {
                uin: bad.clone(),
                region: String::new(),
                quota_name: "appid-max-vpcs".into(),
                limit: 5,
            }))
            .await,
            id_codes,
        );
        t.refused(
            "quotas uin",
            a.describe_quotas(app.admin_req(proto::DescribeQuotasRequest {
                uin: bad.clone(),
                region: String::new(),
            }))
            .await,
            id_codes,
        );
    }
    let name_codes: &[&str] = &["InvalidPeeringConnectionName"];
    for bad in bad_names() {
        t.refused(
            "create name",
            p.create_vpc_peering_connection(authed(
                alice,
                proto::CreateVpcPeeringConnectionRequest {
                    peering_connection_name: bad.clone(),
                    ..create()
                },
            ))
            .await,
            name_codes,
        );
        t.refused(
            "modify name",
            p.modify_vpc_peering_connection(authed(
                alice,
                proto::ModifyVpcPeeringConnectionRequest {
                    peering_connection_id: "pcx-quick001".into(),
                    peering_connection_name: bad.clone(),
                },
            ))
            .await,
            name_codes,
        );
        t.refused(
            "vpc name",
            v.create_vpc(authed(
                alice,
                proto::CreateVpcRequest {
                    tags: Vec::new(),
                    vpc_name: bad.clone(),
                    cidr_block: "10.9.0.0/16".into(),
                },
            ))
            .await,
            &["InvalidParameterValue"],
        );
        t.refused(
            "account name",
            a.create_account(app.admin_req(proto::CreateAccountRequest {
                uin: "9".into(),
                name: bad.clone(),
                ..Default::default()
            }))
            .await,
            &["InvalidParameterValue"],
        );
    }
    for bad in bad_cidrs() {
        t.refused(
            "vpc cidr",
            v.create_vpc(authed(
                alice,
                proto::CreateVpcRequest {
                    tags: Vec::new(),
                    vpc_name: "n".into(),
                    cidr_block: bad.clone(),
                },
            ))
            .await,
            cidr_codes,
        );
        t.refused(
            "assistant cidr",
            v.create_assistant_cidr(authed(
                alice,
                proto::CreateAssistantCidrRequest {
                    vpc_id: "gz_vpc_1".into(),
                    cidr_blocks: vec!["172.16.0.0/16".into(), bad.clone()],
                },
            ))
            .await,
            cidr_codes,
        );
        t.refused(
            "delete assistant cidr",
            v.delete_assistant_cidr(authed(
                alice,
                proto::DeleteAssistantCidrRequest {
                    vpc_id: "gz_vpc_1".into(),
                    cidr_blocks: vec![bad.clone()],
                },
            ))
            .await,
            cidr_codes,
        );
    }
    let range: &[&str] = &["InvalidParameterValue.Range"];
    for (offset, limit) in [
        (Some(-1), None),
        (Some(i64::MIN), None),
        (None, Some(0)),
        (None, Some(-5)),
        (None, Some(51)),
        (None, Some(i64::MAX)),
        (None, Some(i64::MIN)),
    ] {
        t.refused(
            "describe page",
            p.describe_vpc_peering_connections(authed(
                alice,
                Describe {
                    offset,
                    limit,
                    ..Default::default()
                },
            ))
            .await,
            range,
        );
        t.refused(
            "describe vpcs page",
            v.describe_vpc_ex(authed(
                alice,
                proto::DescribeVpcExRequest {
                    offset,
                    limit: limit.map(|l| if l == 51 { 101 } else { l }),
                    ..Default::default()
                },
            ))
            .await,
            range,
        );
        t.refused(
            "events page",
            a.describe_events(app.admin_req(proto::DescribeEventsRequest {
                offset,
                limit: limit.map(|l| if l == 51 { 1001 } else { l }),
                ..Default::default()
            }))
            .await,
            range,
        );
    }
    for state in [6, -1, 99999, i32::MAX, i32::MIN] {
        t.refused(
            "describe state",
            p.describe_vpc_peering_connections(authed(
                alice,
                Describe {
                    state,
                    ..Default::default()
                },
            ))
            .await,
            range,
        );
    }
    for (field, direction) in [
        ("x", ""),
        ("createtime", ""),
        ("create_time", ""),
        ("", "ASC"),
        ("", "down"),
        ("'; --", ""),
    ] {
        t.refused(
            "describe order",
            p.describe_vpc_peering_connections(authed(
                alice,
                Describe {
                    order_field: field.into(),
                    order_direction: direction.into(),
                    ..Default::default()
                },
            ))
            .await,
            range,
        );
    }
    for (quota, limit, codes) in [
        ("vpc-max-nothing", 5, &["InvalidParameterValue"][..]),
        ("", 5, &["MissingParameter"]),
        ("appid-max-vpcs", -1, range),
        ("appid-max-vpcs", i64::MAX, range),
        ("appid-max-vpcs", i64::MIN, range),
    ] {
        t.refused(
            "set quota",
            a.set_quota(app.admin_req(proto::SetQuotaRequest {
                uin: "100001".into(),
                region: String::new(),
                quota_name: quota.into(),
                limit,
            }))
            .await,
            codes,
        );
    }
    for region in ["xx", "AP-GUANGZHOU", "ap-guangzhou ", "'; --"] {
        t.refused(
            "quota region",
            a.set_quota(app.admin_req(proto::SetQuotaRequest {
                uin: "100001".into(),
                region: region.into(),
                quota_name: "appid-max-vpcs".into(),
                limit: 5,
            }))
            .await,
            &["UnsupportedRegion"],
        );
    }
    for seconds in [-1, i64::MIN, i64::MAX] {
        t.refused(
            "advance clock",
            a.advance_clock(app.admin_req(proto::AdvanceClockRequest { seconds }))
                .await,
            range,
        );
    }
    for time in [
        "",
        "now",
        "2026-13-01 00:00:00",
        "2026-01-01",
        "a".repeat(4 * 1024 * 1024).as_str(),
    ] {
        t.refused(
            "set clock",
            a.set_clock(app.admin_req(proto::SetClockRequest { time: time.into() }))
                .await,
            &["InvalidParameterValue.Malformed", "MissingParameter"],
        );
    }
    for name in ["", "has space", "../../etc", &"s".repeat(61), "snap;DROP"] {
        t.refused(
            "snapshot name",
            a.save_snapshot(app.admin_req(proto::SaveSnapshotRequest { name: name.into() }))
                .await,
            &["InvalidParameterValue", "MissingParameter"],
        );
    }
    for app_id in [0, -1, i64::MIN] {
        t.refused(
            "account app_id",
            a.create_account(app.admin_req(proto::CreateAccountRequest {
                uin: "9".into(),
                name: "n".into(),
                app_id: Some(app_id),
                ..Default::default()
            }))
            .await,
            range,
        );
    }
    for secret in ["has space", "tab\t", &"s".repeat(129), "ünï"] {
        t.refused(
            "account secret_id",
            a.create_account(app.admin_req(proto::CreateAccountRequest {
                uin: "9".into(),
                name: "n".into(),
                secret_id: secret.into(),
                ..Default::default()
            }))
            .await,
            &["InvalidParameterValue"],
        );
    }
    assert_eq!(
        app.dump().await.lines().skip(1).collect::<Vec<_>>(),
        before.lines().skip(1).collect::<Vec<_>>(),
        "bad input changed the state"
    );
    println!("bad inputs tried: {}", t.tried);
    assert!(t.tried > 400, "only {} bad inputs tried", t.tried);
    app.stop().await;
}
