"""Drives vpcsim's API 3.0 endpoint with the real tccli, as a script or an
operator would: credentials from the environment, one `--endpoint` flag.
.ci/run installs tccli into a venv and runs:

    python tests/compat/tccli.py target/release/vpcsim path/to/venv/bin/tccli

The lifecycle runs twice, each time on a fresh server: over http, then over
https with `--tls-self-signed`. tccli trusts only the certifi bundle of its
own Python, so for https the certificate is added to that bundle, as README
tells users to, and the bundle is put back afterwards.
Exits non-zero, naming the step, on the first difference.
"""

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile

from vpcsim_server import serving

ACCOUNTS = {"alice": ("AKIDalice", "alice-secret"), "bob": ("AKIDbob", "bob-secret")}


class Tccli:
    def __init__(self, tccli, endpoint):
        self.tccli = tccli
        self.endpoint = endpoint
        # tccli writes its configuration under $HOME: a fresh one.
        self.home = tempfile.mkdtemp()
        self.steps = 0

    def run(self, who, action, **args):
        secret_id, secret_key = ACCOUNTS[who]
        env = dict(os.environ, HOME=self.home, TENCENTCLOUD_SECRET_ID=secret_id,
                   TENCENTCLOUD_SECRET_KEY=secret_key, TENCENTCLOUD_REGION="ap-guangzhou")
        command = [self.tccli, "vpc", action, "--endpoint", self.endpoint]
        for name, value in args.items():
            command += [f"--{name}", value if isinstance(value, str) else json.dumps(value)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        self.output = done.stdout + done.stderr
        if done.returncode == 0:
            return json.loads(done.stdout), None
        found = re.search(r"code:(\S+)", done.stdout + done.stderr)
        return None, found.group(1) if found else done.stdout + done.stderr

    def check(self, what, got, want):
        self.steps += 1
        if got != want:
            raise SystemExit(f"{self.endpoint} step {self.steps} ({what}): got {got!r}, want {want!r}")
        print(f"{self.endpoint} step {self.steps}: {what}: ok")


def main(binary, tccli):
    with serving(binary) as addr:
        lifecycle(Tccli(tccli, f"http://{addr}"))
    with tempfile.TemporaryDirectory() as certs, serving(binary, tls_dir=certs) as addr:
        cli = Tccli(tccli, f"https://localhost:{addr.rsplit(':', 1)[1]}")
        _, err = cli.run("alice", "DescribeVpcs")
        cli.check("an untrusted certificate is refused",
                  (err, "CERTIFICATE_VERIFY_FAILED" in cli.output), ("ClientNetworkError", True))
        with trusted_by(tccli, os.path.join(certs, "cert.pem")):
            lifecycle(cli)
    print("tccli: all steps passed, over http and https")


@contextlib.contextmanager
def trusted_by(tccli, cert):
    """`cert` added to the certifi bundle of tccli's Python while the block
    runs: `cat cert.pem >> "$(python -m certifi)"`, then undone."""
    # The Python that runs tccli: its script's first line.
    with open(tccli) as f:
        python = f.readline()[2:].strip()
    bundle = subprocess.run([python, "-m", "certifi"], capture_output=True, text=True,
                            check=True).stdout.strip()
    with open(bundle, "rb") as f:
        original = f.read()
    try:
        with open(cert, "rb") as f, open(bundle, "ab") as out:
            out.write(b"\n" + f.read())
        yield
    finally:
        with open(bundle, "wb") as out:
            out.write(original)


def lifecycle(cli):
    def create(src, dst, name):
        out, err = cli.run("alice", "CreateVpcPeeringConnection", SourceVpcId=src,
                           PeeringConnectionName=name, DestinationVpcId=dst,
                           DestinationUin="100002", DestinationRegion="ap-guangzhou")
        if err:
            raise SystemExit(f"create {name}: {err}")
        return out["PeeringConnectionId"]

    def state(who, pcx):
        out, err = cli.run(who, "DescribeVpcPeeringConnections", PeeringConnectionIds=[pcx])
        return err or out["PeerConnectionSet"][0]["State"]

    accepted = create("vpc-web00001", "vpc-db000001", "by-tccli")
    cli.check("create is PENDING", state("bob", accepted), "PENDING")
    cli.check("accept", cli.run("bob", "AcceptVpcPeeringConnection",
                                PeeringConnectionId=accepted)[1], None)
    cli.check("ACTIVE", state("alice", accepted), "ACTIVE")
    rejected = create("vpc-web00002", "vpc-db000002", "to-reject")
    cli.run("bob", "RejectVpcPeeringConnection", PeeringConnectionId=rejected)
    cli.check("reject", state("alice", rejected), "REJECTED")
    cli.run("alice", "ModifyVpcPeeringConnection", PeeringConnectionId=accepted,
            PeeringConnectionName="renamed")
    out, _ = cli.run("alice", "DescribeVpcPeeringConnections",
                     Filters=[{"Name": "peering-connection-name", "Values": ["renamed"]}])
    cli.check("modify", [p["PeeringConnectionId"] for p in out["PeerConnectionSet"]], [accepted])
    cli.run("alice", "DeleteVpcPeeringConnection", PeeringConnectionId=accepted)
    cli.check("delete", state("alice", accepted), "DELETED")
    out, _ = cli.run("alice", "DescribeVpcs", Limit="5")
    cli.check("DescribeVpcs", out["TotalCount"], 2)
    cli.check("an error's code",
              cli.run("bob", "AcceptVpcPeeringConnection", PeeringConnectionId="pcx-00000000")[1],
              "ResourceNotFound")
    cli.check("the requester cannot accept",
              cli.run("alice", "AcceptVpcPeeringConnection", PeeringConnectionId=rejected)[1],
              "UnsupportedOperation.VpcPeerPurviewError")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
