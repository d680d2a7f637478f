"""Runs README's CI recipe, examples/ci.sh, as a pipeline would, twice:
with a test suite that passes (the Python SDK reading the seeded state at
$VPCSIM_ENDPOINT) and with one that fails. .ci/run calls:

    python tests/compat/ci_recipe.py target/release/vpcsim

Exits non-zero, naming the step, on the first difference.
"""

import os
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RECIPE = os.path.join(ROOT, "examples", "ci.sh")

# The "test suite" of the passing run: what a team's tests would do first.
SUITE = """
import os
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vpc.v20170312 import models, vpc_client

http = HttpProfile(endpoint=os.environ["VPCSIM_ENDPOINT"], protocol="http")
bob = vpc_client.VpcClient(credential.Credential("AKIDbob", "bob-secret"), "ap-guangzhou",
                           ClientProfile(httpProfile=http))
found = bob.DescribeVpcPeeringConnections(models.DescribeVpcPeeringConnectionsRequest())
states = {p.PeeringConnectionId: p.State for p in found.PeerConnectionSet}
assert states.get("pcx-quick001") == "PENDING", states
print("suite: bob sees the seeded request pcx-quick001, PENDING")
"""

steps = 0


def check(what, got, want):
    global steps
    steps += 1
    if got != want:
        raise SystemExit(f"ci recipe step {steps} ({what}): got {got!r}, want {want!r}")
    print(f"ci recipe step {steps}: {what}: ok")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recipe(binary, artifacts, *command):
    env = dict(os.environ, VPCSIM=binary, ARTIFACTS=artifacts, VPCSIM_PORT=str(free_port()))
    env.pop("VPCSIM_DB", None)
    return subprocess.run([RECIPE, *command], env=env, capture_output=True, text=True,
                          timeout=300)


def main(binary):
    binary = os.path.abspath(binary)
    with tempfile.TemporaryDirectory() as work:
        passing = os.path.join(work, "passing")
        run = recipe(binary, passing, sys.executable, "-c", SUITE)
        print(run.stdout + run.stderr)
        check("a passing suite passes the job", run.returncode, 0)
        check("the suite saw the seeded state", "pcx-quick001, PENDING" in run.stdout, True)
        check("no state dump when the tests pass",
              os.path.exists(os.path.join(passing, "state.yaml")), False)
        check("the stopped server left one database file and its log",
              sorted(os.listdir(passing)), ["vpcsim.db", "vpcsim.log"])
        checked = subprocess.run([binary, "check", "--db", os.path.join(passing, "vpcsim.db")],
                                 capture_output=True, text=True)
        check("the database artifact passes check", checked.returncode, 0)

        failing = os.path.join(work, "failing")
        run = recipe(binary, failing, "sh", "-c", "exit 3")
        check("a failing suite fails the job with its own status", run.returncode, 3)
        with open(os.path.join(failing, "state.yaml")) as f:
            check("the state the tests saw is dumped", "pcx-quick001" in f.read(), True)
        check("the job says where", "state.yaml" in run.stderr, True)
    print(f"ci recipe: {steps} steps passed")


if __name__ == "__main__":
    main(sys.argv[1])
