"""Drives vpcsim's API 3.0 endpoint with the real Tencent Cloud Node.js SDK
(tencentcloud-sdk-nodejs, pinned in tests/compat/node/package-lock.json),
set up with its endpoint and protocol only. .ci/run installs it with
`npm ci` and runs:

    python3 tests/compat/nodejs_sdk.py target/release/vpcsim

Twice, each on a fresh server seeded with sdk-scenario.yaml: over http as
`127.0.0.1:PORT`, then over https as `localhost:PORT`, Node trusting
vpcsim's self-signed certificate through NODE_EXTRA_CA_CERTS. The steps are
tests/compat/node/lifecycle.mjs; this starts the servers around them.
"""

import os
import subprocess
import sys
import tempfile

from vpcsim_server import HERE, serving

LIFECYCLE = os.path.join(HERE, "node", "lifecycle.mjs")


def run_node(endpoint, protocol, ca=None):
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy")}
    env.update(VPCSIM_ENDPOINT=endpoint, VPCSIM_PROTOCOL=protocol)
    if ca:
        env["NODE_EXTRA_CA_CERTS"] = ca
    done = subprocess.run(["node", LIFECYCLE], env=env, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"the Node.js SDK run over {protocol} failed (exit {done.returncode})")


def main(binary):
    with serving(binary) as addr:
        run_node(addr, "http://")
    with tempfile.TemporaryDirectory() as certs, serving(binary, tls_dir=certs) as addr:
        port = addr.rsplit(":", 1)[1]
        run_node(f"localhost:{port}", "https://", ca=os.path.join(certs, "cert.pem"))
    print("node sdk: all steps passed, over http and https")


if __name__ == "__main__":
    main(sys.argv[1])
