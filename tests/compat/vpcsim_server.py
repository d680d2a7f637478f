"""Starts a throwaway vpcsim for the compatibility runs in this folder."""

import json
import os
import subprocess
import threading

HERE = os.path.dirname(os.path.abspath(__file__))


def start(binary, scenario="sdk-scenario.yaml", tls_dir=None):
    """`vpcsim serve` on a free port of 127.0.0.1, and its address; with
    `tls_dir`, over TLS with a self-signed certificate kept there
    (`tls_dir/cert.pem` is what clients trust). The accounts and VPCs of
    `scenario` are then made through AdminService, with `vpcsim seed --server`,
    as a test environment's set-up would."""
    tls = ["--tls-self-signed", tls_dir] if tls_dir else []
    server = subprocess.Popen(
        [binary, "serve", "--db", ":memory:", "--listen", "127.0.0.1:0", "--log-format", "json"]
        + tls,
        stderr=subprocess.PIPE, text=True)
    for line in server.stderr:
        event = json.loads(line)
        if event.get("message") == "vpcsim serving":
            if event.get("tls") != bool(tls_dir):
                raise SystemExit(f"vpcsim serving with tls={event.get('tls')}, wanted {bool(tls_dir)}")
            addr = event["addr"]
            break
    else:
        raise SystemExit("vpcsim did not start")
    # Keep reading its log (a line per call), so that a full pipe never
    # stalls the server.
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
    if tls_dir:
        target = ["--server", "https://localhost:" + addr.rsplit(":", 1)[1],
                  "--ca-cert", os.path.join(tls_dir, "cert.pem")]
    else:
        target = ["--server", addr]
    seeded = subprocess.run([binary, "seed", os.path.join(HERE, scenario)] + target,
                            capture_output=True, text=True, timeout=60)
    if seeded.returncode != 0:
        server.terminate()
        raise SystemExit(f"seeding {scenario} through AdminService failed:\n{seeded.stderr}")
    return server, addr
