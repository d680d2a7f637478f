//! Which VPCs overlap which, fast at 100,000 VPCs.
//!
//! Two CIDR blocks overlap only when one contains the other, so the
//! distinct blocks, sorted by start address (shorter prefix first), form a
//! forest in which each block's subtree is the run of blocks after it that
//! it contains, found with one sweep and a stack. A block overlaps exactly
//! its ancestors, its subtree and its equals. VPCs with the same blocks
//! (thousands on 10.0.0.0/16, say) are one class, looked at once; so the
//! work follows the number of distinct overlaps, not pairs of VPCs.

use std::collections::HashMap;

use crate::{domain::cidr::CidrBlock, topology::MAX_LISTED_OVERLAPS};

/// For each VPC, given its id and blocks (none for one that takes no part,
/// such as a deleted one): the other VPCs it overlaps, the first
/// `MAX_LISTED_OVERLAPS` by id, and how many in all.
pub(super) fn find(ids: &[String], blocks: &[Vec<CidrBlock>]) -> Vec<(Vec<String>, usize)> {
    let mut found = vec![(Vec::new(), 0); ids.len()];
    let forest = Forest::new(blocks.iter().flatten().copied().collect());

    // Classes: VPCs with the same set of (outermost) blocks.
    let mut classes: HashMap<Vec<usize>, usize> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut class_nodes: Vec<Vec<usize>> = Vec::new();
    for (vpc, own) in blocks.iter().enumerate() {
        let nodes: Vec<usize> = outermost(own)
            .iter()
            .filter_map(|b| forest.index.get(b).copied())
            .collect();
        if nodes.is_empty() {
            continue;
        }
        let class = *classes.entry(nodes.clone()).or_insert_with(|| {
            members.push(Vec::new());
            class_nodes.push(nodes);
            members.len() - 1
        });
        members[class].push(vpc);
    }
    let mut classes_at: Vec<Vec<usize>> = vec![Vec::new(); forest.nodes.len()];
    for (class, nodes) in class_nodes.iter().enumerate() {
        for &node in nodes {
            classes_at[node].push(class);
        }
    }
    for list in &mut members {
        list.sort_by(|&a, &b| ids[a].cmp(&ids[b]).then(a.cmp(&b)));
    }

    // Generation stamps instead of a fresh set per class.
    let mut node_seen = vec![usize::MAX; forest.nodes.len()];
    let mut class_seen = vec![usize::MAX; members.len()];
    for (class, nodes) in class_nodes.iter().enumerate() {
        let mut touching: Vec<usize> = Vec::new();
        let mut visit = |node: usize, touching: &mut Vec<usize>| {
            if node_seen[node] == class {
                return;
            }
            node_seen[node] = class;
            for &other in &classes_at[node] {
                if class_seen[other] != class {
                    class_seen[other] = class;
                    touching.push(other);
                }
            }
        };
        for &node in nodes {
            let mut up = forest.parent[node];
            while let Some(ancestor) = up {
                visit(ancestor, &mut touching);
                up = forest.parent[ancestor];
            }
            for inside in node..forest.end[node] {
                visit(inside, &mut touching);
            }
        }
        // The class itself is among them: its members overlap each other.
        let total: usize = touching.iter().map(|&c| members[c].len()).sum();
        // Each member leaves out itself, so one more than listed is enough.
        let mut first: Vec<usize> = touching
            .iter()
            .flat_map(|&c| members[c].iter().take(MAX_LISTED_OVERLAPS + 1).copied())
            .collect();
        first.sort_by(|&a, &b| ids[a].cmp(&ids[b]).then(a.cmp(&b)));
        for &vpc in &members[class] {
            let listed = first
                .iter()
                .filter(|&&other| other != vpc)
                .take(MAX_LISTED_OVERLAPS)
                .map(|&other| ids[other].clone())
                .collect();
            found[vpc] = (listed, total - 1);
        }
    }
    found
}

/// A VPC's blocks without those inside another of its own: whatever
/// overlaps the inner one overlaps the outer one too. Stored data may hold
/// such blocks (`vpcsim check` reports them); after this, a VPC's blocks are
/// disjoint.
fn outermost(blocks: &[CidrBlock]) -> Vec<CidrBlock> {
    let mut sorted = blocks.to_vec();
    sorted.sort_by_key(sweep_key);
    sorted.dedup();
    let mut kept: Vec<CidrBlock> = Vec::with_capacity(sorted.len());
    for block in sorted {
        // Sorted, a block inside any kept one is inside the last one.
        if kept.last().is_none_or(|last| !last.overlaps(&block)) {
            kept.push(block);
        }
    }
    kept
}

/// Start address, then the containing (shorter) block first.
fn sweep_key(block: &CidrBlock) -> (u32, u8) {
    let net = block.net();
    (u32::from(net.network()), net.prefix_len())
}

/// The distinct blocks in sweep order, with each one's parent (the
/// smallest block containing it) and the end of its subtree: the blocks
/// inside it are the ones from it up to `end`.
struct Forest {
    nodes: Vec<CidrBlock>,
    index: HashMap<CidrBlock, usize>,
    parent: Vec<Option<usize>>,
    end: Vec<usize>,
}

impl Forest {
    fn new(mut nodes: Vec<CidrBlock>) -> Forest {
        nodes.sort_by_key(sweep_key);
        nodes.dedup();
        let mut parent = vec![None; nodes.len()];
        let mut end = vec![nodes.len(); nodes.len()];
        let mut open: Vec<usize> = Vec::new();
        for (i, block) in nodes.iter().enumerate() {
            while let Some(&top) = open.last() {
                if nodes[top].overlaps(block) {
                    break;
                }
                end[top] = i;
                open.pop();
            }
            parent[i] = open.last().copied();
            open.push(i);
        }
        let index = nodes.iter().enumerate().map(|(i, b)| (*b, i)).collect();
        Forest {
            nodes,
            index,
            parent,
            end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> CidrBlock {
        CidrBlock::parse_stored(text).unwrap()
    }

    /// Every pair, the slow way, to check the sweep against.
    fn brute_force(ids: &[String], blocks: &[Vec<CidrBlock>]) -> Vec<(Vec<String>, usize)> {
        (0..ids.len())
            .map(|i| {
                let mut others: Vec<&String> = (0..ids.len())
                    .filter(|&j| {
                        j != i
                            && blocks[i]
                                .iter()
                                .any(|a| blocks[j].iter().any(|b| a.overlaps(b)))
                    })
                    .map(|j| &ids[j])
                    .collect();
                others.sort();
                let count = others.len();
                (
                    others
                        .into_iter()
                        .take(MAX_LISTED_OVERLAPS)
                        .cloned()
                        .collect(),
                    count,
                )
            })
            .collect()
    }

    #[test]
    fn the_sweep_agrees_with_every_pair() {
        // Nested, equal, disjoint, several blocks each, one VPC with a block
        // inside its own other block, one with none.
        let sets: &[&[&str]] = &[
            &["10.0.0.0/16"],
            &["10.0.0.0/16", "172.16.0.0/16"],
            &["10.0.1.0/24"],
            &["10.1.0.0/16", "10.0.2.0/24"],
            &["172.16.5.0/24", "192.168.0.0/16"],
            &["10.0.0.0/12"],
            &["192.168.1.0/24", "192.168.0.0/16"],
            &[],
            &["172.20.0.0/16"],
            &["10.0.0.0/16"],
        ];
        let ids: Vec<String> = (0..sets.len()).map(|i| format!("vpc-{i:08}")).collect();
        let blocks: Vec<Vec<CidrBlock>> = sets
            .iter()
            .map(|s| s.iter().map(|b| block(b)).collect())
            .collect();
        assert_eq!(find(&ids, &blocks), brute_force(&ids, &blocks));
    }

    #[test]
    fn random_blocks_agree_with_every_pair() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let mut rng = StdRng::seed_from_u64(7);
        let ids: Vec<String> = (0..300).map(|i| format!("vpc-{i:08}")).collect();
        let blocks: Vec<Vec<CidrBlock>> = (0..300)
            .map(|_| {
                (0..rng.random_range(0..4))
                    .map(|_| {
                        let len = rng.random_range(12..=20u8);
                        let addr = 0x0A00_0000u32 | (rng.random_range(0..64u32) << 14);
                        let net = ipnet::Ipv4Net::new(addr.into(), len).unwrap().trunc();
                        block(&net.to_string())
                    })
                    .collect()
            })
            .collect();
        assert_eq!(find(&ids, &blocks), brute_force(&ids, &blocks));
    }

    #[test]
    fn many_vpcs_on_one_block_list_twenty_and_count_all() {
        let n = 100_000;
        let ids: Vec<String> = (0..n).map(|i| format!("vpc-{i:08}")).collect();
        let shared = block("10.0.0.0/16");
        // Every other VPC on the one block, the rest on blocks of their own.
        let blocks: Vec<Vec<CidrBlock>> = (0..n)
            .map(|i| {
                if i % 2 == 0 {
                    vec![shared]
                } else {
                    let addr = 0xAC10_0000u32 + ((i as u32) << 4);
                    let net = ipnet::Ipv4Net::new(addr.into(), 28).unwrap();
                    vec![block(&net.to_string())]
                }
            })
            .collect();
        let started = std::time::Instant::now();
        let found = find(&ids, &blocks);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(found[0].1, n / 2 - 1);
        assert_eq!(found[0].0.len(), MAX_LISTED_OVERLAPS);
        assert_eq!(found[0].0[0], "vpc-00000002");
        assert_eq!(found[2].0[0], "vpc-00000000");
        assert_eq!(found[1], (Vec::new(), 0));
    }
}
