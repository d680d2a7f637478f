//! A topology as a Mermaid flowchart (`dump --format mermaid`), for
//! Markdown that renders it (GitHub, GitLab): the same layout as the DOT
//! output, subgraphs for accounts and regions, links styled by state.

use std::fmt::Write;

use super::{Layout, LineStyle, OVERLAP_COLOR, RenderOptions, StateStyle, Topology};
use crate::domain::peering::PeeringState;

/// The topology as a `flowchart LR`.
pub fn render(topology: &Topology, options: RenderOptions) -> String {
    let Layout { accounts, edges } = topology.layout(options);
    let mut out = String::from("flowchart LR\n");
    if options.clock {
        let _ = writeln!(out, "  %% clock: {}", topology.clock);
    }
    let mut overlapping = Vec::new();
    let mut deleted = Vec::new();
    for account in &accounts {
        let _ = writeln!(
            out,
            "  subgraph {}[{}]",
            account.id,
            label(&[&account.label])
        );
        for region in &account.regions {
            let _ = writeln!(
                out,
                "    subgraph {}[{}]",
                region.id,
                label(&[&region.label])
            );
            for node in &region.vpcs {
                let _ = writeln!(out, "      {}[{}]", node.id, label(&node.lines()));
                if node.vpc.deleted {
                    deleted.push(node.id.as_str());
                } else if node.vpc.overlap_count > 0 {
                    overlapping.push(node.id.as_str());
                }
            }
            out.push_str("    end\n");
        }
        out.push_str("  end\n");
    }
    for edge in &edges {
        // Mermaid draws solid or dotted; the dash pattern below tells
        // dashed from dotted.
        let arrow = match edge.style.style {
            LineStyle::Solid => "-->",
            LineStyle::Dashed | LineStyle::Dotted => "-.->",
        };
        let _ = writeln!(
            out,
            "  {} {arrow}|{}| {}",
            edge.from,
            label(&edge.lines()),
            edge.to
        );
    }
    // Links are numbered in the order they were written.
    for (i, edge) in edges.iter().enumerate() {
        let dashes = match edge.style.style {
            LineStyle::Solid => "",
            LineStyle::Dashed => ",stroke-dasharray:6 4",
            LineStyle::Dotted => ",stroke-dasharray:2 3",
        };
        let _ = writeln!(
            out,
            "  linkStyle {i} stroke:{},stroke-width:2px{dashes}",
            edge.style.color
        );
    }
    if !overlapping.is_empty() {
        let _ = writeln!(
            out,
            "  classDef overlap stroke:{OVERLAP_COLOR},stroke-width:3px"
        );
        let _ = writeln!(out, "  class {} overlap", overlapping.join(","));
    }
    if !deleted.is_empty() {
        let grey = StateStyle::of(PeeringState::Deleted).color;
        let _ = writeln!(
            out,
            "  classDef deleted stroke:{grey},color:{grey},stroke-dasharray:4 4"
        );
        let _ = writeln!(out, "  class {} deleted", deleted.join(","));
    }
    out
}

/// Lines as a quoted Mermaid label, `"..."`: our line breaks as `<br/>`,
/// and every character that Mermaid or the HTML it makes would read as
/// syntax written as an entity code (`#quot;`, `#91;`), so no name can end
/// the label, start markup or a Markdown string. A line break in the text
/// breaks the line too; other control characters become spaces.
fn label<S: AsRef<str>>(lines: &[S]) -> String {
    let mut out = String::from("\"");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<br/>");
        }
        for c in line.as_ref().chars() {
            match c {
                '"' => out.push_str("#quot;"),
                '&' => out.push_str("#amp;"),
                '<' => out.push_str("#lt;"),
                '>' => out.push_str("#gt;"),
                '#' | '`' | '|' | '[' | ']' | '{' | '}' | ';' => {
                    let _ = write!(out, "#{};", c as u32);
                }
                '\n' => out.push_str("<br/>"),
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
    fn subgraphs_nodes_and_styled_links() {
        let topology = sample_topology();
        let text = render(
            &topology,
            RenderOptions {
                clock: true,
                ..Default::default()
            },
        );
        assert!(
            text.starts_with("flowchart LR\n  %% clock: 2026-03-01 12:00:00\n"),
            "{text}"
        );
        let alice = text
            .find("  subgraph cluster_100001[\"alice (100001)\"]\n")
            .unwrap();
        let gz = text
            .find("    subgraph cluster_100001_ap_guangzhou[\"ap-guangzhou\"]\n")
            .unwrap();
        let bob = text.find("  subgraph cluster_100002[").unwrap();
        assert!(alice < gz && gz < bob, "{text}");
        assert!(
            text.contains(
                "      vpc_web00001[\"web<br/>vpc-web00001<br/>10.0.0.0/16<br/>10.1.0.0/16<br/>⚠ overlaps 1\"]\n"
            ),
            "{text}"
        );
        assert_eq!(text.matches("\n  end\n").count(), 2, "{text}");
        assert!(
            text.contains(
                "  vpc_web00001 -->|\"pcx-active01 ACTIVE<br/>cross-account\"| vpc_db000002\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "  vpc_web00001 -.->|\"pcx-pending1 PENDING<br/>cross-region\"| vpc_sh000001\n"
            ),
            "{text}"
        );
        // One linkStyle per link, numbered as written, in the palette's colours.
        let links = text.lines().filter(|l| l.contains("|\"")).count();
        let styles: Vec<&str> = text.lines().filter(|l| l.contains("linkStyle")).collect();
        assert_eq!(styles.len(), links);
        assert_eq!(styles[0], "  linkStyle 0 stroke:#15803d,stroke-width:2px");
        assert_eq!(
            styles[1],
            "  linkStyle 1 stroke:#d97706,stroke-width:2px,stroke-dasharray:6 4"
        );
        assert!(
            text.contains("  class vpc_web00001,vpc_db000002 overlap\n"),
            "{text}"
        );
        assert!(text.contains("  class vpc_old00001 deleted\n"), "{text}");
        assert_eq!(
            text,
            render(
                &topology,
                RenderOptions {
                    clock: true,
                    ..Default::default()
                }
            )
        );
    }

    #[test]
    fn deleted_peerings_and_the_vpcs_only_they_name_are_hidden_unless_asked() {
        let topology = sample_topology();
        let shown = render(&topology, RenderOptions::default());
        assert!(!shown.contains("clock"));
        assert!(!shown.contains("pcx-deleted1"), "{shown}");
        assert!(!shown.contains("vpc-gone0001"), "{shown}");
        let all = render(
            &topology,
            RenderOptions {
                include_deleted: true,
                ..Default::default()
            },
        );
        assert!(all.contains("pcx-deleted1 DELETED"), "{all}");
        assert!(all.contains("stroke:#9ca3af,stroke-width:2px,stroke-dasharray:2 3"));
        assert!(
            all.contains("class vpc_old00001,vpc_gone0001 deleted"),
            "{all}"
        );
    }

    #[test]
    fn names_are_escaped_and_ids_stay_identifiers() {
        let mut scenario = sample();
        scenario.accounts[1].name = "a \"quoted\" [name]".into();
        scenario.vpcs[0].vpc_name = "<b>we\"b</b>\n]|#x;`end`\r".into();
        scenario.vpcs[0].un_vpc_id = Some("end".into());
        for p in &mut scenario.peerings {
            for end in [&mut p.vpc, &mut p.peer_vpc] {
                if end == "vpc-web00001" {
                    *end = "end".into();
                }
            }
        }
        let text = render(&Topology::build(&scenario, NOW), RenderOptions::default());
        assert!(
            text.contains(
                "subgraph cluster_100001[\"a #quot;quoted#quot; #91;name#93; (100001)\"]"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "      n_end[\"#lt;b#gt;we#quot;b#lt;/b#gt;<br/>#93;#124;#35;x#59;#96;end#96; <br/>end<br/>"
            ),
            "{text}"
        );
        assert!(text.contains("  n_end -->|"), "{text}");
        // Outside our own `<br/>`, no label holds a quote, bracket or tag.
        for line in text.lines() {
            let Some(open) = line.find('"') else { continue };
            let close = line.rfind('"').unwrap();
            let inside = line[open + 1..close].replace("<br/>", "");
            assert!(
                !inside.contains(['"', '[', ']', '<', '>', '|', '\n']),
                "{line}"
            );
        }
    }
}
