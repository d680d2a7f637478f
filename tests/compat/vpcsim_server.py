"""Starts a throwaway vpcsim for the compatibility runs in this folder."""

import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def start(binary, scenario="sdk-scenario.yaml", tls_dir=None):
    """`vpcsim serve` on a free port of 127.0.0.1 with `scenario` loaded, and its
    address; with `tls_dir`, over TLS with a self-signed certificate kept there
    (`tls_dir/cert.pem` is what clients trust)."""
    tls = ["--tls-self-signed", tls_dir] if tls_dir else []
    server = subprocess.Popen(
        [binary, "serve", "--db", ":memory:", "--listen", "127.0.0.1:0", "--log-format", "json",
         "--scenario", os.path.join(HERE, scenario)] + tls,
        stderr=subprocess.PIPE, text=True)
    for line in server.stderr:
        event = json.loads(line)
        if event.get("message") == "vpcsim serving":
            if event.get("tls") != bool(tls_dir):
                raise SystemExit(f"vpcsim serving with tls={event.get('tls')}, wanted {bool(tls_dir)}")
            return server, event["addr"]
    raise SystemExit("vpcsim did not start")
