//! Compiles the protos with the pure-Rust `protox` (no system `protoc`) and
//! writes the descriptor set that the reflection service serves; stamps
//! the build with its commit and date for `vpcsim --version` (see
//! `src/version.rs`).

use std::{
    env, fs,
    path::{Path, PathBuf},
    process::Command,
    time::{SystemTime, UNIX_EPOCH},
};

use prost::Message;

const PROTOS: &[&str] = &[
    "proto/vpcsim/v1/types.proto",
    "proto/vpcsim/v1/peering.proto",
    "proto/vpcsim/v1/vpc.proto",
    "proto/vpcsim/v1/subnet.proto",
    "proto/vpcsim/v1/route.proto",
    "proto/vpcsim/v1/admin.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(
        out_dir.join("vpcsim_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    // The console's JSON bridge to AdminService (src/transport/console/
    // admin.rs) reads requests and writes answers with serde, under the
    // protos' field names; absent fields take their defaults, a misspelt
    // one is refused, and a fault's kind goes by its name.
    let fault_kind = "#[serde(with = \"crate::transport::console::admin::fault_kind\")]";
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .message_attribute(
            ".vpcsim.v1",
            "#[derive(serde::Serialize, serde::Deserialize)] #[serde(default, deny_unknown_fields)]",
        )
        .field_attribute(".vpcsim.v1.FaultRule.kind", fault_kind)
        .field_attribute(".vpcsim.v1.AddFaultRequest.kind", fault_kind)
        .compile_fds(descriptors)?;
    stamp_version();
    Ok(())
}

/// `VPCSIM_COMMIT` and `VPCSIM_BUILD_DATE` for `src/version.rs`.
fn stamp_version() {
    println!("cargo:rerun-if-env-changed=VPCSIM_COMMIT");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let git_dir = git_dir(&manifest_dir);
    if let Some(git_dir) = &git_dir {
        watch_head(git_dir);
    }
    let commit = env::var("VPCSIM_COMMIT")
        .ok()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .or_else(|| git_dir.and_then(|_| git_commit(&manifest_dir)))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=VPCSIM_COMMIT={commit}");
    println!("cargo:rustc-env=VPCSIM_BUILD_DATE={}", build_date());
}

/// The repository's git directory: `.git`, or where a worktree's `.git`
/// file points (`gitdir: …`).
fn git_dir(root: &Path) -> Option<PathBuf> {
    let dot_git = root.join(".git");
    if dot_git.is_dir() {
        return Some(dot_git);
    }
    let text = fs::read_to_string(&dot_git).ok()?;
    let dir = Path::new(text.trim().strip_prefix("gitdir:")?.trim());
    Some(root.join(dir))
}

/// Reruns the build script when HEAD moves: HEAD itself (a checkout), and
/// the branch it names (a commit). Only files that exist are named, since
/// Cargo reruns every build for one that does not.
fn watch_head(git_dir: &Path) {
    let head = git_dir.join("HEAD");
    if !head.is_file() {
        return;
    }
    println!("cargo:rerun-if-changed={}", head.display());
    let Some(reference) = fs::read_to_string(&head).ok().and_then(|text| {
        text.trim()
            .strip_prefix("ref:")
            .map(|r| r.trim().to_owned())
    }) else {
        return;
    };
    // A worktree keeps its HEAD apart and shares the branches.
    let common = fs::read_to_string(git_dir.join("commondir"))
        .map(|dir| git_dir.join(dir.trim()))
        .unwrap_or_else(|_| git_dir.to_path_buf());
    for dir in [git_dir, common.as_path()] {
        let loose = dir.join(&reference);
        if loose.is_file() {
            println!("cargo:rerun-if-changed={}", loose.display());
            return;
        }
    }
    // A packed branch: its next commit writes it loose, which changes
    // nothing watched yet; packed-refs is the best there is.
    let packed = common.join("packed-refs");
    if packed.is_file() {
        println!("cargo:rerun-if-changed={}", packed.display());
    }
}

/// `git rev-parse --short=12 HEAD`, if git runs and answers.
fn git_commit(root: &Path) -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root)
        .output()
        .ok()?;
    let commit = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (output.status.success() && !commit.is_empty() && commit.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(commit)
}

/// The UTC date of the build, YYYY-MM-DD: of `SOURCE_DATE_EPOCH` when set
/// (reproducible builds), else of now.
fn build_date() -> String {
    let seconds = env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let (year, month, day) = civil_date(seconds.div_euclid(86_400));
    format!("{year:04}-{month:02}-{day:02}")
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}
