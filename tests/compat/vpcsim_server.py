"""Starts a throwaway vpcsim for the compatibility runs in this folder."""

import contextlib
import json
import os
import queue
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# How long vpcsim may take to start serving, in seconds.
PATIENCE = 30


def serve(binary, args):
    """`vpcsim serve --log-format json --listen 127.0.0.1:0` with `args`, once
    it serves: the process and its `vpcsim serving` log event. Its log is read
    all the time, so that a full pipe never stalls the server. Exits, showing
    the log, if vpcsim exits first or does not serve within PATIENCE seconds."""
    server = subprocess.Popen(
        [binary, "serve", "--log-format", "json", "--listen", "127.0.0.1:0", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines, served = queue.Queue(), threading.Event()

    def drain():
        for line in server.stderr:
            if not served.is_set():
                lines.put(line)
        lines.put(None)  # the pipe closed: vpcsim has exited

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + PATIENCE
    log = []
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            server.kill()
            raise SystemExit(
                f"vpcsim did not log 'vpcsim serving' within {PATIENCE} s; its log:\n{''.join(log)}")
        if line is None:
            raise SystemExit(
                f"vpcsim exited with {server.wait()} before it served; its log:\n{''.join(log)}")
        log.append(line)
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("message") == "vpcsim serving":
            served.set()
            return server, event


def start(binary, scenario="sdk-scenario.yaml", tls_dir=None, args=(), admin_token=None):
    """`vpcsim serve` on a free port of 127.0.0.1, and its address; with
    `tls_dir`, over TLS with a self-signed certificate kept there
    (`tls_dir/cert.pem` is what clients trust). The accounts and VPCs of
    `scenario` are then made through AdminService, with `vpcsim seed --server`,
    as a test environment's set-up would. `args` go to `vpcsim serve`;
    `admin_token`, if the server was given one, to `vpcsim seed`."""
    tls = ["--tls-self-signed", tls_dir] if tls_dir else []
    server, event = serve(binary, ["--db", ":memory:", *tls, *args])
    if event.get("tls") != bool(tls_dir):
        server.kill()
        raise SystemExit(f"vpcsim serving with tls={event.get('tls')}, wanted {bool(tls_dir)}")
    addr = event["addr"]
    if tls_dir:
        target = ["--server", "https://localhost:" + addr.rsplit(":", 1)[1],
                  "--ca-cert", os.path.join(tls_dir, "cert.pem")]
    else:
        target = ["--server", addr]
    if admin_token:
        target += ["--admin-token", admin_token]
    seeded = subprocess.run([binary, "seed", os.path.join(HERE, scenario)] + target,
                            capture_output=True, text=True, timeout=60)
    if seeded.returncode != 0:
        server.terminate()
        raise SystemExit(f"seeding {scenario} through AdminService failed:\n{seeded.stderr}")
    return server, addr


@contextlib.contextmanager
def serving(binary, scenario="sdk-scenario.yaml", tls_dir=None, args=(), admin_token=None):
    """`start` for the length of a `with` block, which gets the address;
    the server is stopped (SIGTERM, then waited for) however the block ends."""
    server, addr = start(binary, scenario=scenario, tls_dir=tls_dir, args=args,
                         admin_token=admin_token)
    try:
        yield addr
    finally:
        server.terminate()
        server.wait(timeout=30)
