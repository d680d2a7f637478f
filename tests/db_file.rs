//! The database file as users move it around: after any clean exit the
//! `.db` alone is the whole state (copied, it passes `check` and dumps the
//! same); an empty `--db` is refused; two names of one file share its lock;
//! a seed stopped by a signal leaves a new file removed and an existing one
//! byte for byte as it was.

mod support;

use std::{
    path::{Path, PathBuf},
    process::{Child, Stdio},
    time::{Duration, Instant},
};

use support::{PATIENCE, command, example, ok, run, serve};

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The names in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The whole state of `db` as JSON, without the clock's reading (which
/// moves with real time).
fn dump(db: &Path) -> String {
    ok(run(&[
        "dump",
        "--db",
        path(db),
        "--format",
        "json",
        "--no-clock",
    ]))
}

/// The same of a running server.
fn dump_server(addr: &str) -> String {
    ok(run(&[
        "dump",
        "--server",
        addr,
        "--format",
        "json",
        "--no-clock",
    ]))
}

/// The state (as `dump`) of a copy of `db` alone, made in a directory of
/// its own; the dump's error if the copy is no whole database.
fn dump_of_copy(db: &Path) -> Result<String, String> {
    let elsewhere = tempfile::tempdir().unwrap();
    let copy = elsewhere.path().join("copy.db");
    std::fs::copy(db, &copy).unwrap();
    let dumped = run(&[
        "dump",
        "--db",
        path(&copy),
        "--format",
        "json",
        "--no-clock",
    ]);
    if dumped.status.success() {
        Ok(String::from_utf8_lossy(&dumped.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&dumped.stderr).into_owned())
    }
}

/// Copies `db` alone into a directory of its own, as a Docker `COPY` or a
/// CI cache would, and checks the copy: it is a whole vpcsim database and
/// holds the same state as `expected` (a dump).
fn assert_copy_is_whole(db: &Path, expected: &str) {
    let elsewhere = tempfile::tempdir().unwrap();
    let copy = elsewhere.path().join("copy.db");
    std::fs::copy(db, &copy).unwrap();
    let checked = run(&["check", "--db", path(&copy)]);
    assert!(
        checked.status.success(),
        "the copy fails check: {}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    assert_eq!(dump(&copy), expected, "the copy holds another state");
}

#[test]
fn a_seed_leaves_one_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    ok(run(&[
        "seed",
        &example("quickstart.yaml"),
        "--db",
        path(&db),
    ]));
    assert_eq!(files_in(dir.path()), ["f.db"]);
    let dumped = dump(&db);
    assert!(dumped.contains("pcx-quick001"), "{dumped}");
    assert_copy_is_whole(&db, &dumped);
}

#[tokio::test]
async fn a_server_stopped_by_sigterm_or_sigint_leaves_one_whole_file() {
    for signal in ["TERM", "INT"] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let server = serve(&["--db", path(&db)]);
        // Written through the server, so that all of it passed its writer.
        ok(run(&[
            "seed",
            &example("quickstart.yaml"),
            "--server",
            &server.addr,
        ]));
        let served = dump_server(&server.addr);
        let (status, lines) = server.stop(signal).await;
        assert!(status.success(), "SIG{signal}: exit {status:?}: {lines:?}");
        assert_eq!(files_in(dir.path()), ["s.db"], "after SIG{signal}");
        assert_copy_is_whole(&db, &served);
    }
}

#[test]
fn a_running_server_folds_its_log_into_the_file_every_checkpoint_interval() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let server = serve(&["--db", path(&db), "--checkpoint-interval", "0.2"]);
    ok(run(&[
        "seed",
        &example("quickstart.yaml"),
        "--server",
        &server.addr,
    ]));
    let served = dump_server(&server.addr);
    // While it serves, a copy of the file alone catches up with the state
    // within a checkpoint or two.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let dumped = dump_of_copy(&db);
        if dumped.as_deref() == Ok(served.as_str()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the file alone never held the state: {dumped:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, _) = server.terminate();
    assert!(status.success());
}

#[test]
fn an_empty_db_is_refused_naming_the_flag_and_its_variable() {
    let cwd = tempfile::tempdir().unwrap();
    let quickstart = example("quickstart.yaml");
    let runs: [&[&str]; 4] = [
        &["serve", "--listen", "127.0.0.1:0"],
        &["seed", &quickstart],
        &["check"],
        &["dump"],
    ];
    for args in runs {
        for by_env in [false, true] {
            let mut cmd = command(args);
            if by_env {
                cmd.env("VPCSIM_DB", "");
            } else {
                cmd.args(["--db", ""]);
            }
            let output = cmd.current_dir(cwd.path()).output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!output.status.success(), "{args:?} env={by_env}: {stderr}");
            assert!(
                stderr.contains("--db")
                    && stderr.contains("VPCSIM_DB")
                    && stderr.contains(":memory:"),
                "{args:?} env={by_env}: {stderr}"
            );
        }
    }
    assert!(
        files_in(cwd.path()).is_empty(),
        "{:?}",
        files_in(cwd.path())
    );
}

#[test]
fn a_hard_link_does_not_get_around_the_one_writer_lock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let server = serve(&["--db", path(&db)]);
    let link = dir.path().join("hard.db");
    std::fs::hard_link(&db, &link).unwrap();
    for args in [
        vec!["serve", "--listen", "127.0.0.1:0", "--db", path(&link)],
        vec!["seed", &example("quickstart.yaml"), "--db", path(&link)],
    ] {
        let output = run(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}: {stderr}");
        assert!(
            stderr.contains("under another name") && stderr.contains("hard link"),
            "{args:?}: {stderr}"
        );
    }
    let (status, _) = server.terminate();
    assert!(status.success());
    // Free again once the server is gone, by either name.
    ok(run(&[
        "seed",
        &example("quickstart.yaml"),
        "--db",
        path(&link),
    ]));
    assert!(dump(&db).contains("pcx-quick001"));
}

/// A scenario large enough that loading it takes a while: the window in
/// which a signal lands mid-load.
fn big_scenario(dir: &Path) -> PathBuf {
    let file = dir.join("big.yaml");
    ok(run(&[
        "generate",
        "--accounts",
        "200",
        "--vpcs-per-account",
        "100",
        "--peerings",
        "20000",
        "--seed",
        "3",
        "-o",
        path(&file),
    ]));
    file
}

/// `vpcsim seed file --db db args`, running.
fn start_seed(file: &Path, db: &Path, args: &[&str]) -> Child {
    let mut seed = command(&["seed", path(file), "--db", path(db)]);
    seed.args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vpcsim seed")
}

/// Waits until `file` exists: the seed has taken the database.
fn await_file(file: &Path) {
    let deadline = Instant::now() + PATIENCE;
    while !file.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal(child: &Child, name: &str) {
    let sent = std::process::Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
}

#[test]
fn a_seed_stopped_by_a_signal_leaves_a_new_file_removed_and_an_old_one_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let big = big_scenario(dir.path());
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();

    // Into a new file: SIGTERM once the file exists, long before the load
    // of 40,000 rows commits.
    let new = data.join("t.db");
    let seed = start_seed(&big, &new, &[]);
    await_file(&new);
    signal(&seed, "TERM");
    let output = seed.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(143), "{stderr}");
    assert_eq!(
        stderr.trim(),
        format!(
            "vpcsim: stopped by SIGTERM: nothing was seeded; {} was new and is removed",
            new.display()
        )
    );
    assert!(files_in(&data).is_empty(), "{:?}", files_in(&data));

    // Into an existing file: SIGINT once the seed has opened it.
    let old = data.join("old.db");
    ok(run(&[
        "seed",
        &example("quickstart.yaml"),
        "--db",
        path(&old),
    ]));
    let before = std::fs::read(&old).unwrap();
    let seed = start_seed(&big, &old, &["--replace"]);
    await_file(&data.join("old.db-wal"));
    signal(&seed, "INT");
    let output = seed.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("stopped by SIGINT: nothing was seeded") && stderr.contains("is as it was"),
        "{stderr}"
    );
    assert_eq!(files_in(&data), ["old.db"]);
    assert!(
        std::fs::read(&old).unwrap() == before,
        "the file changed under a stopped seed"
    );
}

#[test]
fn a_server_refused_at_start_leaves_the_file_whole_and_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("held.db");
    ok(run(&[
        "seed",
        &example("quickstart.yaml"),
        "--db",
        path(&db),
    ]));
    let before = dump(&db);
    // A start scenario over existing state, without --keep-state: refused
    // after the database was opened.
    let refused = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        path(&db),
        "--scenario",
        &example("expiry.yaml"),
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--keep-state"));
    assert_eq!(files_in(dir.path()), ["held.db"]);
    assert_copy_is_whole(&db, &before);
}

#[tokio::test]
async fn a_checkpoint_a_reader_held_up_is_tried_again() {
    use sqlx::{Connection, sqlite::SqliteConnectOptions};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("read.db");
    let server = serve(&["--db", path(&db), "--checkpoint-interval", "0.1"]);
    // A reader in the middle of a read, on the state before the seed: no
    // checkpoint may fold in what it could still need.
    let mut reader = sqlx::SqliteConnection::connect_with(
        &SqliteConnectOptions::new().filename(&db).read_only(true),
    )
    .await
    .unwrap();
    sqlx::query("BEGIN").execute(&mut reader).await.unwrap();
    sqlx::query("SELECT COUNT(*) FROM accounts")
        .execute(&mut reader)
        .await
        .unwrap();
    let addr = server.addr.clone();
    let served = tokio::task::spawn_blocking(move || {
        ok(run(&[
            "seed",
            &example("quickstart.yaml"),
            "--server",
            &addr,
        ]));
        dump_server(&addr)
    })
    .await
    .unwrap();
    let copy_holds_the_state = || dump_of_copy(&db).as_deref() == Ok(served.as_str());
    // Several checkpoint intervals pass while the reader holds on.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!copy_holds_the_state(), "folded in past a reader");
    sqlx::query("COMMIT").execute(&mut reader).await.unwrap();
    reader.close().await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    while !copy_holds_the_state() {
        assert!(
            Instant::now() < deadline,
            "never folded in after the reader let go"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, _) = server.stop("TERM").await;
    assert!(status.success());
}
