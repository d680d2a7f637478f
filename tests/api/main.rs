//! Integration tests: the real server on 127.0.0.1:0, a SQLite file in a temp
//! dir, the generated tonic clients.

mod api3;
mod api3_network;
mod auth_matrix;
mod bad_input;
mod concurrency;
mod console;
mod controls;
mod cross_region;
mod describe;
mod discovery;
mod errors;
mod faults;
mod front_ends;
mod helpers;
mod integrity;
mod legacy;
mod legacy_network;
mod lifecycle;
mod network;
mod network_scenarios;
mod persistence;
mod races;
mod retries;
mod scenarios;
mod sdk_vectors;
mod tls;
mod vpcs;
mod writer_failure;
