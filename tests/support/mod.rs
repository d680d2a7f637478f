//! The `vpcsim` binary as a process, as users run it: `vpcsim serve` started
//! and awaited until it serves, stopped by a signal, and one-shot subcommands.
//! Every test crate that runs the binary includes it with `mod support;`.
//!
//! Nothing here sleeps: the server is ready when it logs `vpcsim serving`, and
//! gone when its stderr closes, each awaited with a deadline ([`PATIENCE`]).
//! A [`Server`] dropped while still running is killed, so a failing test
//! leaves no process behind.

// Each test crate uses part of it.
#![allow(dead_code)]

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, ExitStatus, Output, Stdio},
    sync::mpsc::{self, RecvTimeoutError},
    time::{Duration, Instant},
};

use tonic::transport::Channel;

pub const BIN: &str = env!("CARGO_BIN_EXE_vpcsim");

/// How long vpcsim may take to start serving, or to exit once signalled.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// `vpcsim args`, with no `VPCSIM_*` variable of the caller's environment,
/// so that a developer's settings (a database, an admin token, a log filter)
/// never change what a test sees.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("VPCSIM_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs `vpcsim args` to its end and returns what it printed.
pub fn run(args: &[&str]) -> Output {
    command(args).output().expect("run vpcsim")
}

/// The standard output of a run that must succeed; its stderr if it did not.
pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "vpcsim failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// The path of `examples/name`.
pub fn example(name: &str) -> String {
    format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A plain-text gRPC channel to a server at `addr`.
pub async fn channel(addr: &str) -> Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// `vpcsim serve --log-format json args`, on 127.0.0.1:0 unless `args` say
/// `--listen`; for [`Server::start`] when it needs more than the arguments.
pub fn serve_command(args: &[&str]) -> Command {
    let listen: &[&str] = if args.contains(&"--listen") {
        &[]
    } else {
        &["--listen", "127.0.0.1:0"]
    };
    let mut command = command(&["serve", "--log-format", "json"]);
    command.args(listen).args(args);
    command
}

/// Starts `vpcsim serve` with `args` (see [`serve_command`]) and returns it
/// once it serves.
pub fn serve(args: &[&str]) -> Server {
    Server::start(&mut serve_command(args))
}

/// A running `vpcsim serve`. Its stderr is read all the time, so the server
/// never blocks on a full pipe, and kept for [`Server::wait`].
pub struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Where it listens, as it logged it.
    pub addr: String,
    /// The lines it logged up to and with `vpcsim serving`.
    pub startup: Vec<serde_json::Value>,
}

impl Server {
    /// Starts `command`, a `vpcsim serve` that logs JSON, and waits until it
    /// logs `vpcsim serving`. Panics, with its log, if it exits first, logs
    /// a line that is not JSON, or takes longer than [`PATIENCE`].
    pub fn start(command: &mut Command) -> Server {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start vpcsim");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = Vec::new();
            // Until the pipe closes: the process is gone.
            while stderr.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                let text = String::from_utf8_lossy(&line).trim_end().to_owned();
                if send.send(text).is_err() {
                    break;
                }
                line.clear();
            }
        });
        // From here on, a panic drops `server`, which kills the process.
        let mut server = Server {
            child,
            lines,
            addr: String::new(),
            startup: Vec::new(),
        };
        server.await_serving();
        server
    }

    fn await_serving(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        let mut log = Vec::new();
        // A line that is not JSON fails the start; the lines after it (an
        // error is often several) are still read, to show them all.
        let mut not_json = None;
        loop {
            let line = match self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) => line,
                Err(RecvTimeoutError::Disconnected) => {
                    let status = match self.child.wait() {
                        Ok(status) => status.to_string(),
                        Err(e) => e.to_string(),
                    };
                    panic!(
                        "vpcsim exited ({status}) before it served; its log:\n{}",
                        log.join("\n")
                    )
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "vpcsim did not log `vpcsim serving` within {PATIENCE:?}; its log so far:\n{}",
                    log.join("\n")
                ),
            };
            let event = serde_json::from_str::<serde_json::Value>(&line);
            log.push(line);
            let event = match event {
                Ok(event) => event,
                Err(e) => {
                    not_json.get_or_insert(format!("line {}: {e}", log.len()));
                    continue;
                }
            };
            let serving = event["message"] == "vpcsim serving";
            if serving {
                if let Some(error) = not_json {
                    panic!(
                        "vpcsim logged a line that is not JSON ({error}); its log:\n{}",
                        log.join("\n")
                    );
                }
                self.addr = event["addr"]
                    .as_str()
                    .unwrap_or_else(|| panic!("no addr in {event}"))
                    .to_owned();
            }
            self.startup.push(event);
            if serving {
                return;
            }
        }
    }

    /// Sends the signal `name` (`TERM`, `KILL`...).
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success(), "kill -{name} failed");
    }

    /// Waits, at most [`PATIENCE`], for the process to exit; returns how it
    /// exited and every line it logged after `vpcsim serving`.
    pub fn wait(mut self) -> (ExitStatus, Vec<String>) {
        let deadline = Instant::now() + PATIENCE;
        let mut rest = Vec::new();
        loop {
            match self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) => rest.push(line),
                // Its stderr closed: it has exited, or is exiting.
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => panic!(
                    "vpcsim did not exit within {PATIENCE:?}; its log since it served:\n{}",
                    rest.join("\n")
                ),
            }
        }
        let status = self.child.wait().expect("wait for vpcsim");
        (status, rest)
    }

    /// SIGTERM, then [`Server::wait`]: a graceful stop.
    pub fn terminate(self) -> (ExitStatus, Vec<String>) {
        self.signal("TERM");
        self.wait()
    }

    /// SIGKILL, then [`Server::wait`]: a crash.
    pub fn kill(self) -> ExitStatus {
        self.signal("KILL");
        self.wait().0
    }

    /// The signal `name`, then [`Server::wait`] off the async runtime, so
    /// that the test's own tasks (its clients' connections) go on meanwhile.
    pub async fn stop(self, name: &str) -> (ExitStatus, Vec<String>) {
        self.signal(name);
        tokio::task::spawn_blocking(move || self.wait())
            .await
            .expect("wait for vpcsim")
    }
}

impl Drop for Server {
    /// A server still running is killed: no process outlives its test.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
