"""The container image and the compose example, as a CI pipeline uses them,
with Debian's podman and runc. .ci/run builds the image (container/build)
and calls:

    python tests/compat/container.py target/release/vpcsim [podman-compose]

The image is run with a named volume and the admin token as a secret file,
awaited through its health check, seeded with `vpcsim seed --server`, driven
with the Tencent Cloud Python SDK, and stopped with `podman stop`; its
volume must then hold one self-contained database that `check` accepts.
Then examples/compose.yaml is brought up and down with podman-compose.
Exits non-zero, naming the step, on the first difference; removes every
container and volume it made.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vpc.v20170312 import models, vpc_client

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
IMAGE = "localhost/vpcsim:latest"
NAME = "vpcsim-ci"
VOLUME = "vpcsim-ci-data"
TOKEN = "ci-admin-token"

steps = 0


def check(what, got, want):
    global steps
    steps += 1
    if got != want:
        raise SystemExit(f"container step {steps} ({what}): got {got!r}, want {want!r}")
    print(f"container step {steps}: {what}: ok")


def podman(*args, check_rc=True):
    done = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=300)
    if check_rc and done.returncode != 0:
        raise SystemExit(f"podman {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_up():
    podman("rm", "--force", "--ignore", NAME, check_rc=False)
    podman("volume", "rm", "--force", VOLUME, check_rc=False)


def sdk(endpoint, secret_id, secret_key):
    http = HttpProfile(endpoint=endpoint, protocol="http")
    return vpc_client.VpcClient(credential.Credential(secret_id, secret_key), "ap-guangzhou",
                                ClientProfile(httpProfile=http))


def peering_state(client, peering_id):
    request = models.DescribeVpcPeeringConnectionsRequest()
    request.PeeringConnectionIds = [peering_id]
    found = client.DescribeVpcPeeringConnections(request).PeerConnectionSet
    return found[0].State if found else None


def image(binary):
    size = int(podman("image", "inspect", IMAGE, "--format", "{{.Size}}").stdout.strip())
    print(f"image {IMAGE}: {size} bytes ({size / 1e6:.1f} MB)")
    inspected = json.loads(podman("image", "inspect", IMAGE).stdout)[0]
    config = inspected["Config"]
    check("the image runs as a user without privileges", config.get("User"), "65532:65532")
    check("its entrypoint is the binary alone", config.get("Entrypoint"), ["/vpcsim"])
    check("its health check needs no shell", (inspected.get("Healthcheck") or {}).get("Test"),
          ["CMD", "/vpcsim", "health"])
    refused = podman("run", "--rm", IMAGE, check_rc=False)
    check("without an admin token it refuses to listen beyond loopback",
          (refused.returncode != 0, "without an admin token" in refused.stderr), (True, True))


def run_image(binary, work):
    port = free_port()
    token_file = os.path.join(work, "token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")
    podman("run", "--detach", "--name", NAME, "--publish", f"127.0.0.1:{port}:50051",
           "--volume", f"{VOLUME}:/data",
           "--volume", f"{token_file}:/run/secrets/vpcsim_admin_token:ro",
           "--env", "VPCSIM_ADMIN_TOKEN_FILE=/run/secrets/vpcsim_admin_token", IMAGE)
    addr = f"127.0.0.1:{port}"
    waited = subprocess.run([binary, "health", "--server", addr, "--wait", "60"],
                            capture_output=True, text=True)
    if waited.returncode != 0:
        logs = podman("logs", NAME, check_rc=False)
        raise SystemExit(f"the container never served: {waited.stderr}\n{logs.stdout}{logs.stderr}")
    check("the published port serves", waited.stdout.strip(), f"{addr}: SERVING")
    # The image's own HEALTHCHECK, run on demand (no systemd timers here).
    check("the image's health check passes", podman("healthcheck", "run", NAME).returncode, 0)

    env = dict(os.environ, VPCSIM_ADMIN_TOKEN=TOKEN)
    seeded = subprocess.run([binary, "seed", os.path.join(ROOT, "examples", "quickstart.yaml"),
                             "--server", addr], capture_output=True, text=True, env=env)
    check("seeded through it with the admin token", (seeded.returncode, seeded.stderr[:7]),
          (0, "seeded "))
    unauthorised = subprocess.run([binary, "dump", "--server", addr], capture_output=True,
                                  text=True, env={k: v for k, v in os.environ.items()
                                                  if k != "VPCSIM_ADMIN_TOKEN"})
    check("an admin call without the token is refused", unauthorised.returncode, 1)

    alice, bob = sdk(addr, "AKIDalice", "alice-secret"), sdk(addr, "AKIDbob", "bob-secret")
    check("the SDK sees the seeded request", peering_state(alice, "pcx-quick001"), "PENDING")
    accept = models.AcceptVpcPeeringConnectionRequest()
    accept.PeeringConnectionId = "pcx-quick001"
    bob.AcceptVpcPeeringConnection(accept)
    check("the peer accepts through the SDK", peering_state(alice, "pcx-quick001"), "ACTIVE")

    started = time.monotonic()
    podman("stop", NAME)
    print(f"podman stop took {time.monotonic() - started:.1f} s")
    state = json.loads(podman("inspect", NAME).stdout)[0]["State"]
    check("podman stop ends it cleanly", state["ExitCode"], 0)

    mountpoint = podman("volume", "inspect", VOLUME, "--format", "{{.Mountpoint}}").stdout.strip()
    check("the volume holds one self-contained file", sorted(os.listdir(mountpoint)),
          ["vpcsim.db"])
    owner = os.stat(os.path.join(mountpoint, "vpcsim.db")).st_uid
    check("written by the image's user", owner, 65532)
    copy = os.path.join(work, "copy.db")
    with open(os.path.join(mountpoint, "vpcsim.db"), "rb") as src, open(copy, "wb") as dst:
        dst.write(src.read())
    checked = subprocess.run([binary, "check", "--db", copy], capture_output=True, text=True)
    check("a copy of it passes check", checked.returncode, 0)
    dumped = subprocess.run([binary, "dump", "--db", copy, "--format", "json"],
                            capture_output=True, text=True).stdout
    peerings = {p["peering_connection_id"]: p["state"] for p in json.loads(dumped)["peerings"]}
    check("and holds what the SDK did", peerings.get("pcx-quick001"), "ACTIVE")


def compose(binary, podman_compose):
    project = "vpcsim-compose-ci"
    port = free_port()
    env = dict(os.environ, VPCSIM_PORT=str(port))
    file = os.path.join(ROOT, "examples", "compose.yaml")

    def run(*args):
        return subprocess.run([podman_compose, "-p", project, "-f", file, *args],
                              capture_output=True, text=True, env=env, timeout=300)

    try:
        up = run("up", "--detach")
        if up.returncode != 0:
            raise SystemExit(f"podman-compose up failed:\n{up.stdout}{up.stderr}")
        app = f"{project}_app_1"
        waited = podman("wait", app)
        logs = podman("logs", app)
        check("the dependent service saw a healthy vpcsim",
              (waited.stdout.strip(), logs.stdout.strip()), ("0", "127.0.0.1:50051: SERVING"))
        dumped = subprocess.run([binary, "dump", "--server", f"127.0.0.1:{port}"],
                                capture_output=True, text=True,
                                env=dict(os.environ, VPCSIM_ADMIN_TOKEN="change-me-compose-token"))
        check("vpcsim loaded its start scenario, behind the secret token",
              (dumped.returncode, "pcx-quick001" in dumped.stdout), (0, True))
        check("its health check passes",
              podman("healthcheck", "run", f"{project}_vpcsim_1").returncode, 0)
    finally:
        down = run("down", "--volumes")
        if down.returncode != 0:
            print(f"podman-compose down failed:\n{down.stdout}{down.stderr}")
    left = podman("ps", "--all", "--filter", f"name={project}", "--format", "{{.Names}}")
    check("compose down leaves no container", left.stdout.strip(), "")


def main(binary, podman_compose=None):
    binary = os.path.abspath(binary)
    clean_up()
    try:
        image(binary)
        with tempfile.TemporaryDirectory() as work:
            run_image(binary, work)
    finally:
        clean_up()
    if podman_compose:
        compose(binary, podman_compose)
    print(f"container: {steps} steps passed")


if __name__ == "__main__":
    main(*sys.argv[1:])
