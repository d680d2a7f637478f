//! Compiles the protos with the pure-Rust `protox` (no system `protoc`) and
//! writes the descriptor set that the reflection service serves.

use std::{env, fs, path::PathBuf};

use prost::Message;

const PROTOS: &[&str] = &[
    "proto/vpcsim/v1/types.proto",
    "proto/vpcsim/v1/peering.proto",
    "proto/vpcsim/v1/vpc.proto",
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
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
