"""Drives vpcsim's API 3.0 endpoint with the real tccli, as a script or an
operator would: credentials from the environment, one `--endpoint` flag.
.ci/run installs tccli into a venv and runs:

    python tests/compat/tccli.py target/release/vpcsim path/to/venv/bin/tccli

The lifecycle (peerings, then a network across two accounts: subnets, a
peering, routes through it, the refusals, the teardown) runs twice, each time
on a fresh server: over http, then over https with `--tls-self-signed`. tccli trusts only the certifi bundle of its
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
        cli = Tccli(tccli, f"http://{addr}")
        lifecycle(cli)
        network(cli)
    with tempfile.TemporaryDirectory() as certs, serving(binary, tls_dir=certs) as addr:
        cli = Tccli(tccli, f"https://localhost:{addr.rsplit(':', 1)[1]}")
        _, err = cli.run("alice", "DescribeVpcs")
        cli.check("an untrusted certificate is refused",
                  (err, "CERTIFICATE_VERIFY_FAILED" in cli.output), ("ClientNetworkError", True))
        with trusted_by(tccli, os.path.join(certs, "cert.pem")):
            lifecycle(cli)
            network(cli)
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


def network(cli):
    """Two accounts' VPCs joined by a peering, with tccli's command lines:
    a subnet on each side, a route on each side through the peering, the
    refusals, then the teardown in the order the cloud takes it."""
    def ok(who, action, **args):
        out, err = cli.run(who, action, **args)
        if err:
            raise SystemExit(f"{cli.endpoint}: {action} {args}: {err}")
        return out

    def code(who, action, **args):
        return cli.run(who, action, **args)[1]

    web = ok("alice", "CreateVpc", VpcName="net-web", CidrBlock="10.60.0.0/16",
             Tags=[{"Key": "team", "Value": "web"}])["Vpc"]
    cli.check("CreateVpc --Tags", web["TagSet"], [{"Key": "team", "Value": "web"}])
    db = ok("bob", "CreateVpc", VpcName="net-db", CidrBlock="10.61.0.0/16")["Vpc"]
    out = ok("alice", "DescribeVpcs", Filters=[{"Name": "tag:team", "Values": ["web"]}])
    cli.check("DescribeVpcs by tag", [v["VpcId"] for v in out["VpcSet"]], [web["VpcId"]])
    sub_web = ok("alice", "CreateSubnet", VpcId=web["VpcId"], SubnetName="web-a",
                 CidrBlock="10.60.1.0/24", Zone="ap-guangzhou-3")["Subnet"]
    sub_db = ok("bob", "CreateSubnet", VpcId=db["VpcId"], SubnetName="db-a",
                CidrBlock="10.61.1.0/24", Zone="ap-guangzhou-3")["Subnet"]
    cli.check("CreateSubnet", (sub_web["CidrBlock"], sub_web["TotalIpAddressCount"],
                               sub_web["IsDefault"], sub_web["NetworkAclId"]),
              ("10.60.1.0/24", 256, False, ""))
    out = ok("bob", "DescribeSubnets", Filters=[{"Name": "vpc-id", "Values": [db["VpcId"]]}],
             Offset="0", Limit="20")
    cli.check("DescribeSubnets --Offset --Limit", [s["SubnetId"] for s in out["SubnetSet"]],
              [sub_db["SubnetId"]])

    def main_table(who, vpc):
        out = ok(who, "DescribeRouteTables",
                 Filters=[{"Name": "vpc-id", "Values": [vpc]},
                          {"Name": "association.main", "Values": ["true"]}])
        return out["RouteTableSet"][0]["RouteTableId"]

    rtb_web, rtb_db = main_table("alice", web["VpcId"]), main_table("bob", db["VpcId"])
    pcx = ok("alice", "CreateVpcPeeringConnection", SourceVpcId=web["VpcId"],
             PeeringConnectionName="net", DestinationVpcId=db["VpcId"], DestinationUin="100002",
             DestinationRegion="ap-guangzhou")["PeeringConnectionId"]

    def via(table, destination):
        return dict(RouteTableId=table, Routes=[{
            "DestinationCidrBlock": destination, "GatewayType": "PEERCONNECTION", "GatewayId": pcx}])

    def routes(who, table):
        out = ok(who, "DescribeRouteTables", RouteTableIds=[table])
        return [(r["DestinationCidrBlock"], r["GatewayId"]) for r in out["RouteTableSet"][0]["RouteSet"]]

    cli.check("a route through a PENDING peering",
              code("alice", "CreateRoutes", **via(rtb_web, "10.61.0.0/16")),
              "InvalidParameterValue.RouteNextHopInvalid")
    ok("bob", "AcceptVpcPeeringConnection", PeeringConnectionId=pcx)
    made = ok("alice", "CreateRoutes", **via(rtb_web, "10.61.0.0/16"))
    route = made["RouteTableSet"][0]["RouteSet"][0]
    cli.check("CreateRoutes", (made["TotalCount"], len(made["RouteTableSet"][0]["RouteSet"]),
                               route["RouteType"]), (1, 1, "USER"))
    ok("bob", "CreateRoutes", **via(rtb_db, "10.60.0.0/16"))
    cli.check("a route on each side", (routes("alice", rtb_web), routes("bob", rtb_db)),
              ([("10.61.0.0/16", pcx)], [("10.60.0.0/16", pcx)]))

    cli.check("a destination outside the peer VPC",
              code("alice", "CreateRoutes", **via(rtb_web, "10.62.0.0/16")),
              "InvalidParameterValue.CidrNotInPeerVpc")
    cli.check("an overlapping subnet",
              code("alice", "CreateSubnet", VpcId=web["VpcId"], SubnetName="clash",
                   CidrBlock="10.60.1.0/25", Zone="ap-guangzhou-3"),
              "InvalidParameterValue.SubnetConflict")
    cli.check("deleting a VPC with subnets", code("alice", "DeleteVpc", VpcId=web["VpcId"]),
              "ResourceInUse")
    cli.check("deleting the default route table",
              code("alice", "DeleteRouteTable", RouteTableId=rtb_web),
              "UnsupportedOperation.DelDefaultRoute")
    cli.check("the refusals changed nothing", routes("alice", rtb_web), [("10.61.0.0/16", pcx)])
    ok("alice", "DisableRoutes", RouteTableId=rtb_web, RouteIds=[route["RouteId"]])
    out = ok("alice", "DescribeRouteTables", RouteTableIds=[rtb_web])
    cli.check("DisableRoutes --RouteIds", out["RouteTableSet"][0]["RouteSet"][0]["Enabled"], False)

    # Teardown: alice's route, the subnets, the peering (taking bob's
    # route), the VPCs.
    out = ok("alice", "DeleteRoutes", RouteTableId=rtb_web,
             Routes=[{"RouteItemId": route["RouteItemId"]}])
    cli.check("DeleteRoutes", [r["RouteItemId"] for r in out["RouteSet"]], [route["RouteItemId"]])
    ok("alice", "DeleteSubnet", SubnetId=sub_web["SubnetId"])
    ok("bob", "DeleteSubnet", SubnetId=sub_db["SubnetId"])
    ok("bob", "DeleteVpcPeeringConnection", PeeringConnectionId=pcx)
    cli.check("deleting the ACTIVE peering took bob's route", routes("bob", rtb_db), [])
    ok("alice", "DeleteVpc", VpcId=web["VpcId"])
    ok("bob", "DeleteVpc", VpcId=db["VpcId"])
    out = ok("alice", "DescribeVpcs", Filters=[{"Name": "vpc-name", "Values": ["net-"]}])
    cli.check("torn down", out["TotalCount"], 0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
