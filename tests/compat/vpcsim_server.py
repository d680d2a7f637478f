"""Starts a throwaway vpcsim for the compatibility runs in this folder."""

import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def start(binary, scenario="sdk-scenario.yaml"):
    """`vpcsim serve` on a free port of 127.0.0.1 with `scenario` loaded, and its address."""
    server = subprocess.Popen(
        [binary, "serve", "--db", ":memory:", "--listen", "127.0.0.1:0", "--log-format", "json",
         "--scenario", os.path.join(HERE, scenario)],
        stderr=subprocess.PIPE, text=True)
    for line in server.stderr:
        event = json.loads(line)
        if event.get("message") == "vpcsim serving":
            return server, event["addr"]
    raise SystemExit("vpcsim did not start")
