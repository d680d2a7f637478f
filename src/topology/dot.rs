//! A topology as Graphviz DOT (`dump --format dot`): a cluster per account
//! with a cluster per region inside it, a box per VPC, an arrow per
//! peering from requester to accepter in its state's colour and line.

use std::fmt::Write;

use super::{Layout, OVERLAP_COLOR, RenderOptions, StateStyle, Topology};
use crate::domain::peering::PeeringState;

/// The topology as a `digraph`, for `dot -Tsvg`.
pub fn render(topology: &Topology, options: RenderOptions) -> String {
    let Layout { accounts, edges } = topology.layout(options);
    let mut out = String::from("digraph vpcsim {\n");
    if options.clock {
        let _ = writeln!(out, "  // clock: {}", topology.clock);
    }
    out.push_str(
        "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12];\n  \
         node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n  \
         edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    let deleted = StateStyle::of(PeeringState::Deleted).color;
    for account in &accounts {
        let _ = writeln!(out, "  subgraph {} {{", account.id);
        let _ = writeln!(out, "    label={};", quoted(&[&account.label]));
        for region in &account.regions {
            let _ = writeln!(out, "    subgraph {} {{", region.id);
            let _ = writeln!(out, "      label={};", quoted(&[&region.label]));
            for node in &region.vpcs {
                let mut attributes = format!("label={}", quoted(&node.lines()));
                if node.vpc.deleted {
                    let _ = write!(
                        attributes,
                        ", style=\"rounded,dashed\", color=\"{deleted}\", fontcolor=\"{deleted}\""
                    );
                } else if node.vpc.overlap_count > 0 {
                    let _ = write!(attributes, ", color=\"{OVERLAP_COLOR}\", penwidth=2");
                }
                let _ = writeln!(out, "      {} [{attributes}];", node.id);
            }
            out.push_str("    }\n");
        }
        out.push_str("  }\n");
    }
    for edge in &edges {
        let color = edge.style.color;
        let _ = writeln!(
            out,
            "  {} -> {} [label={}, color=\"{color}\", fontcolor=\"{color}\", style={}];",
            edge.from,
            edge.to,
            quoted(&edge.lines()),
            edge.style.style.as_str()
        );
    }
    out.push_str("}\n");
    out
}

/// Lines as one DOT quoted string: backslashes and double quotes escaped
/// (so no text can end the string or reach Graphviz's own `\N`, `\G`
/// escapes), each line break, given or within a line, as `\n`, other
/// control characters as spaces.
fn quoted<S: AsRef<str>>(lines: &[S]) -> String {
    let mut out = String::from("\"");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("\\n");
        }
        for c in line.as_ref().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                c if c.is_control() => out.push(' '),
                c => out.push(c),
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::tests::{NOW, sample, sample_topology};

    #[test]
    fn clusters_nodes_and_coloured_edges() {
        let topology = sample_topology();
        let dot = render(
            &topology,
            RenderOptions {
                clock: true,
                ..Default::default()
            },
        );
        assert!(dot.starts_with("digraph vpcsim {\n  // clock: 2026-03-01 12:00:00\n"));
        assert!(dot.ends_with("}\n"));
        // Account, then its regions, nested.
        let alice = dot.find("subgraph cluster_100001 {").unwrap();
        let gz = dot.find("subgraph cluster_100001_ap_guangzhou {").unwrap();
        let sh = dot.find("subgraph cluster_100001_ap_shanghai {").unwrap();
        let bob = dot.find("subgraph cluster_100002 {").unwrap();
        assert!(alice < gz && gz < sh && sh < bob, "{dot}");
        assert!(dot.contains("    label=\"alice (100001)\";"), "{dot}");
        assert!(
            dot.contains(
                "      vpc_web00001 [label=\"web\\nvpc-web00001\\n10.0.0.0/16\\n10.1.0.0/16\\n⚠ overlaps 1\", color=\"#b91c1c\", penwidth=2];"
            ),
            "{dot}"
        );
        assert!(
            dot.contains(
                "  vpc_web00001 -> vpc_db000002 [label=\"pcx-active01 ACTIVE\\ncross-account\", color=\"#15803d\", fontcolor=\"#15803d\", style=solid];"
            ),
            "{dot}"
        );
        assert!(
            dot.contains("label=\"pcx-pending1 PENDING\\ncross-region\", color=\"#d97706\", fontcolor=\"#d97706\", style=dashed"),
            "{dot}"
        );
        // The same output every time, and without the clock when asked.
        assert_eq!(
            dot,
            render(
                &topology,
                RenderOptions {
                    clock: true,
                    ..Default::default()
                }
            )
        );
        assert!(!render(&topology, RenderOptions::default()).contains("clock"));
    }

    #[test]
    fn deleted_peerings_and_the_vpcs_only_they_name_are_hidden_unless_asked() {
        let topology = sample_topology();
        let shown = render(&topology, RenderOptions::default());
        assert!(!shown.contains("pcx-deleted1"), "{shown}");
        assert!(!shown.contains("vpc-gone0001"), "{shown}");
        // A deleted VPC a shown peering names stays, dashed.
        assert!(
            shown.contains("vpc_old00001 [label=\"old\\nvpc-old00001\\n192.168.0.0/16\\n(deleted)\", style=\"rounded,dashed\""),
            "{shown}"
        );
        let all = render(
            &topology,
            RenderOptions {
                include_deleted: true,
                ..Default::default()
            },
        );
        assert!(all.contains("pcx-deleted1 DELETED"), "{all}");
        assert!(all.contains("color=\"#9ca3af\", fontcolor=\"#9ca3af\", style=dotted"));
        assert!(all.contains("vpc_gone0001 [label="), "{all}");
    }

    #[test]
    fn names_are_escaped_and_ids_stay_identifiers() {
        let mut scenario = sample();
        scenario.accounts[1].name = "a \"quoted\" [name]\\".into();
        scenario.vpcs[0].vpc_name = "we\"b\n]{x}\\N\r".into();
        // Two ids that clean up to the same identifier.
        scenario.vpcs[1].un_vpc_id = Some("vpc.db000002".into());
        scenario.vpcs[2].un_vpc_id = Some("vpc-db000002".into());
        for p in &mut scenario.peerings {
            for end in [&mut p.vpc, &mut p.peer_vpc] {
                if end == "vpc-db000002" {
                    *end = "vpc.db000002".into();
                } else if end == "vpc-sh000001" {
                    *end = "vpc-db000002".into();
                }
            }
        }
        let topology = Topology::build(&scenario, NOW);
        let dot = render(&topology, RenderOptions::default());
        assert!(
            dot.contains("label=\"a \\\"quoted\\\" [name]\\\\ (100001)\";"),
            "{dot}"
        );
        assert!(
            dot.contains("[label=\"we\\\"b\\n]{x}\\\\N \\nvpc-web00001"),
            "{dot}"
        );
        // Given in drawing order: alice's Shanghai VPC before bob's.
        assert!(
            dot.contains("  vpc_db000002 [label=\"sh\\nvpc-db000002"),
            "{dot}"
        );
        assert!(
            dot.contains("  vpc_db000002_2 [label=\"db\\nvpc.db000002"),
            "{dot}"
        );
        // Every quoted string closes on its line: no raw quote got through.
        for line in dot.lines() {
            let unescaped = line.replace("\\\\", "").replace("\\\"", "");
            assert_eq!(unescaped.matches('"').count() % 2, 0, "{line}");
        }
    }
}
