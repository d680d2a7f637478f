//! `vpcsim seed`, `dump` and `generate` as users run them, and `serve
//! --scenario`.

mod support;

use std::{path::Path, process::Stdio};

use support::{command, example, ok, run};

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A dump without its first line, the clock, which moves with real time.
fn dump(db: &Path, format: &str) -> String {
    let text = ok(run(&["dump", "--db", path(db), "--format", format]));
    text.lines()
        .filter(|l| !l.starts_with("clock:") && !l.contains("\"clock\""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn seed_dump_and_seed_again_round_trips_every_example() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "quickstart.yaml",
        "quickstart.json",
        "hub-and-spoke.yaml",
        "overlap-matrix.yaml",
        "expiry.yaml",
        "schema.yaml",
        "flaky.yaml",
        "network-scenario.yaml",
    ] {
        let first = dir.path().join(format!("{name}.db"));
        let second = dir.path().join(format!("{name}.again.db"));
        let stderr = run(&["seed", &example(name), "--db", path(&first)]);
        assert!(
            stderr.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&stderr.stderr)
        );
        assert!(String::from_utf8_lossy(&stderr.stderr).starts_with("seeded "));
        let dumped = dir.path().join(format!("{name}.dump.json"));
        ok(run(&[
            "dump",
            "--db",
            path(&first),
            "--format",
            "json",
            "--output",
            path(&dumped),
        ]));
        ok(run(&["seed", path(&dumped), "--db", path(&second)]));
        assert_eq!(dump(&first, "yaml"), dump(&second, "yaml"), "{name}");
    }
}

#[test]
fn a_bad_scenario_names_its_place_and_leaves_the_database_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db");
    ok(run(&[
        "seed",
        &example("quickstart.yaml"),
        "--db",
        path(&db),
    ]));
    let before = dump(&db, "yaml");
    let bad = dir.path().join("scenario.yaml");
    std::fs::write(
        &bad,
        "accounts:\n  - uin: 5\n    name: carol\nvpcs:\n  - uin: 5\n    vpc_name: c\n    cidr_block: 10.0.0.0/16\n    vpc_id: gz_vpc_9\npeerings:\n  - vpc: gz_vpc_9\n    peer_vpc: gz_vpc_1\n    peering_connection_name: p\n    state: PENDING\n  - vpc: gz_vpc_9\n    peer_vpc: vpc-abc00000\n    peering_connection_name: q\n    state: PENDING\n",
    )
    .unwrap();
    for replace in [false, true] {
        let mut args = vec!["seed", path(&bad), "--db", path(&db)];
        if replace {
            args.push("--replace");
        }
        let output = run(&args);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        let file = path(&bad);
        // Merging, gz_vpc_1 exists and overlaps; replacing, it is gone first.
        let first = if replace {
            format!("{file}:11:15: peerings[0].peer_vpc: gz_vpc_1 is not defined")
        } else {
            format!(
                "{file}:10:8: peerings[0]: 10.0.0.0/16 of gz_vpc_9 overlaps 10.0.0.0/16 of gz_vpc_1"
            )
        };
        assert!(stderr.contains(&first), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "{file}:15:15: peerings[1].peer_vpc: vpc-abc00000 is not defined"
            )),
            "{stderr}"
        );
        assert_eq!(
            dump(&db, "yaml"),
            before,
            "nothing written (replace: {replace})"
        );
    }
    let output = run(&[
        "seed",
        path(&dir.path().join("missing.yaml")),
        "--db",
        path(&db),
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.yaml"));
}

#[test]
fn generate_is_deterministic_and_seeds_cleanly_from_stdin() {
    let args = [
        "generate",
        "--accounts",
        "30",
        "--vpcs-per-account",
        "4",
        "--peerings",
        "200",
        "--seed",
        "9",
    ];
    let first = ok(run(&args));
    assert_eq!(first, ok(run(&args)), "same seed, same scenario");
    assert_ne!(
        first,
        ok(run(&[
            "generate",
            "--accounts",
            "30",
            "--vpcs-per-account",
            "4",
            "--peerings",
            "200",
            "--seed",
            "10"
        ]))
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let mut seed = command(&["seed", "-", "--db", path(&db)])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut seed.stdin.take().unwrap(), first.as_bytes()).unwrap();
    let output = seed.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("30 accounts")
            && stderr.contains("120 vpcs")
            && stderr.contains("200 peerings"),
        "{stderr}"
    );
    // generate, seed, dump, seed: the same state.
    let dumped = dir.path().join("g.yaml");
    ok(run(&["dump", "--db", path(&db), "--output", path(&dumped)]));
    let again = dir.path().join("g2.db");
    ok(run(&["seed", path(&dumped), "--db", path(&again)]));
    assert_eq!(dump(&db, "json"), dump(&again, "json"));
}

#[test]
fn generate_adds_subnets_and_routes_only_when_asked_and_they_seed_and_check() {
    let base = [
        "generate",
        "--accounts",
        "12",
        "--vpcs-per-account",
        "3",
        "--peerings",
        "60",
    ];
    let plain = ok(run(&base));
    assert!(
        !plain.contains("subnets:") && !plain.contains("route_tables:"),
        "the defaults add no network"
    );
    let mut args = base.to_vec();
    args.extend(["--subnets-per-vpc", "4", "--routes"]);
    let networked = ok(run(&args));
    assert!(networked.contains("zone: ap-guangzhou-"), "{networked}");
    assert!(networked.contains("gateway_type: PEERCONNECTION"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("net.yaml");
    std::fs::write(&file, &networked).unwrap();
    let db = dir.path().join("net.db");
    let seeded = run(&["seed", path(&file), "--db", path(&db)]);
    let stderr = String::from_utf8_lossy(&seeded.stderr);
    assert!(seeded.status.success(), "{stderr}");
    assert!(stderr.contains("144 subnets"), "{stderr}");
    ok(run(&["check", "--db", path(&db)]));
    // generate, seed, dump, seed: the same state.
    let dumped = dir.path().join("dump.yaml");
    ok(run(&["dump", "--db", path(&db), "--output", path(&dumped)]));
    let again = dir.path().join("again.db");
    ok(run(&["seed", path(&dumped), "--db", path(&again)]));
    assert_eq!(dump(&db, "yaml"), dump(&again, "yaml"));
    let too_many = run(&["generate", "--subnets-per-vpc", "100000"]);
    assert!(!too_many.status.success());
    assert!(
        String::from_utf8_lossy(&too_many.stderr).contains("lower --subnets-per-vpc"),
        "{}",
        String::from_utf8_lossy(&too_many.stderr)
    );
}

#[test]
fn serve_refuses_a_scenario_over_existing_state_without_reset() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    ok(run(&[
        "seed",
        &example("quickstart.yaml"),
        "--db",
        path(&db),
    ]));
    let output = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        path(&db),
        "--scenario",
        &example("expiry.yaml"),
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--reset"));
}

#[test]
fn a_failed_seed_into_a_new_file_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    let bad = dir.path().join("bad.yaml");
    // Valid YAML that breaks a rule, so it fails after the file was opened.
    std::fs::write(
        &bad,
        "vpcs:\n  - {uin: 404, vpc_name: orphan, cidr_block: 10.0.0.0/16}\n",
    )
    .unwrap();
    let output = run(&["seed", path(&bad), "--db", path(&db)]);
    assert!(!output.status.success());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "bad.yaml")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn dump_without_the_clock_diffs_cleanly_and_a_closed_pipe_is_no_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("big.db");
    let generated = run(&[
        "generate",
        "--accounts",
        "40",
        "--vpcs-per-account",
        "10",
        "--peerings",
        "2000",
        "-o",
        path(&dir.path().join("big.yaml")),
    ]);
    ok(generated);
    ok(run(&[
        "seed",
        path(&dir.path().join("big.yaml")),
        "--db",
        path(&db),
    ]));
    for format in ["yaml", "json"] {
        let text = ok(run(&[
            "dump",
            "--db",
            path(&db),
            "--format",
            format,
            "--no-clock",
        ]));
        assert!(!text.contains("clock"), "{format}: {}", &text[..200]);
        assert!(text.contains("pcx-"));
    }

    // `vpcsim dump | head -c 1`: the reader leaves before the dump is written.
    let mut child = command(&["dump", "--db", path(&db)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

#[test]
fn generate_explains_impossible_sizes_in_its_own_flags() {
    let zero = run(&["generate", "--accounts", "0"]);
    assert!(!zero.status.success());
    let stderr = String::from_utf8_lossy(&zero.stderr);
    assert!(
        stderr.contains("--accounts") && stderr.contains("at least 1"),
        "{stderr}"
    );
    let few = run(&["generate", "--accounts", "2", "--peerings", "10"]);
    assert!(!few.status.success());
    let stderr = String::from_utf8_lossy(&few.stderr);
    assert!(
        stderr.contains("needs --accounts 7 or more (now 2)"),
        "{stderr}"
    );
}

#[test]
fn every_flag_of_every_command_says_what_it_does() {
    use clap::CommandFactory;
    let cli = vpcsim::cli::Cli::command();
    let mut missing = Vec::new();
    for command in cli.get_subcommands() {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if arg.is_hide_set() || id == "help" || id == "version" {
                continue;
            }
            if arg.get_help().is_none() {
                missing.push(format!("{} --{id}", command.get_name()));
            }
        }
    }
    assert!(missing.is_empty(), "flags without help: {missing:?}");
}

/// The fenced block that follows `marker` in README.md.
fn readme_block_after(readme: &str, marker: &str) -> String {
    let after = &readme[readme
        .find(marker)
        .unwrap_or_else(|| panic!("README lacks {marker}"))..];
    let open = after.find("```").expect("a fenced block after the marker");
    let body = &after[open..];
    let body = &body[body.find('\n').expect("fence line") + 1..];
    body[..body.find("```").expect("closing fence")].to_owned()
}

#[test]
fn readme_scenario_snippets_are_tested_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    // Every scenario snippet is a file of examples/, word for word...
    let mut snippets = 0;
    for line in readme.lines() {
        if let Some(file) = line
            .strip_prefix("<!-- file: ")
            .and_then(|l| l.strip_suffix(" -->"))
        {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            assert_eq!(readme_block_after(&readme, line), text, "README's {file}");
            snippets += 1;
        }
    }
    assert!(snippets >= 1);
    // ...and README has no other YAML or JSON snippet that could drift.
    let fenced = readme.matches("```yaml").count();
    assert_eq!(fenced, snippets, "a ```yaml block without a file marker");

    // schema.yaml seeds as written.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("schema.db");
    ok(run(&["seed", &example("schema.yaml"), "--db", path(&db)]));
    let dumped = dump(&db, "yaml");
    for kept in [
        "peering_connection_name: web-cache",
        "peering_connection_name: web-archive",
        "bandwidth: 100",
        "charge_type: POSTPAID_BY_MONTH_95",
        "qos_level: AG",
        "value: qa",
    ] {
        assert!(dumped.contains(kept), "{kept} not in\n{dumped}");
    }
    // A cross-region peering is a valid state.
    let checked = run(&["check", "--db", path(&db)]);
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );

    // The error report shown is the one seeding mistakes.yaml prints.
    let marker = "<!-- stderr of: vpcsim seed examples/mistakes.yaml --db scratch.db -->";
    let expected = readme_block_after(&readme, marker);
    let output = command(&[
        "seed",
        "examples/mistakes.yaml",
        "--db",
        path(&dir.path().join("scratch.db")),
    ])
    .current_dir(root)
    .output()
    .unwrap();
    assert!(!output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stderr), expected);
}

/// `dump --format dot|mermaid` of a seeded file, without the clock.
fn draw(db: &Path, format: &str, more: &[&str]) -> String {
    let mut args = vec!["dump", "--db", path(db), "--format", format];
    args.extend_from_slice(more);
    ok(run(&args))
}

#[test]
fn dump_draws_accounts_regions_and_peerings_as_dot_and_mermaid() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("schema.db");
    ok(run(&["seed", &example("schema.yaml"), "--db", path(&db)]));
    let dot = draw(&db, "dot", &[]);
    assert!(
        dot.starts_with("digraph vpcsim {\n  // clock: 2026-03-01 "),
        "{dot}"
    );
    // A cluster per account, one per region inside it.
    for cluster in [
        "  subgraph cluster_100001 {\n    label=\"alice (100001)\";\n    subgraph cluster_100001_ap_guangzhou {",
        "  subgraph cluster_100002 {\n    label=\"bob (100002)\";",
        "    subgraph cluster_100002_ap_shanghai {\n      label=\"ap-shanghai\";",
    ] {
        assert!(dot.contains(cluster), "{cluster} not in\n{dot}");
    }
    assert!(
        dot.contains(
            "  vpc_web00001 -> vpc_q7wob4cy [label=\"pcx-y63a49t2 ACTIVE\\ncross-account, cross-region\", color=\"#15803d\", fontcolor=\"#15803d\", style=solid];"
        ),
        "{dot}"
    );
    assert!(dot.contains("pcx-web0db01 PENDING"), "{dot}");
    assert!(!draw(&db, "dot", &["--no-clock"]).contains("clock"));

    let mermaid = draw(&db, "mermaid", &[]);
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(
        mermaid.contains("  subgraph cluster_100002[\"bob (100002)\"]\n"),
        "{mermaid}"
    );
    assert!(mermaid.contains("  linkStyle 0 stroke:#15803d,stroke-width:2px\n"));

    // DELETED peerings only when asked; a scenario has them anyway.
    let db = dir.path().join("hub.db");
    ok(run(&[
        "seed",
        &example("hub-and-spoke.yaml"),
        "--db",
        path(&db),
    ]));
    for format in ["dot", "mermaid"] {
        assert!(!draw(&db, format, &[]).contains("DELETED"), "{format}");
        let all = draw(&db, format, &["--include-deleted"]);
        assert_eq!(all.matches(" DELETED").count(), 2, "{format}: {all}");
        assert!(all.contains("#9ca3af"), "{format}: {all}");
    }
    for format in ["yaml", "json"] {
        let refused = run(&[
            "dump",
            "--db",
            path(&db),
            "--format",
            format,
            "--include-deleted",
        ]);
        assert_eq!(refused.status.code(), Some(2), "{format}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.starts_with(&format!(
                "error: --include-deleted is for --format dot or mermaid, not --format {format}"
            )) && stderr.contains("Usage: vpcsim dump"),
            "{stderr}"
        );
    }
}

#[test]
fn readme_graph_examples_are_real_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("quickstart.db");
    ok(run(&[
        "seed",
        &example("quickstart.yaml"),
        "--db",
        path(&db),
    ]));
    for format in ["dot", "mermaid"] {
        let marker = format!(
            "<!-- stdout of: vpcsim dump --format {format} --no-clock (examples/quickstart.yaml) -->"
        );
        assert_eq!(
            readme_block_after(&readme, &marker),
            draw(&db, format, &["--no-clock"]),
            "README's {format} example"
        );
    }
}
