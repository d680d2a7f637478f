"""Drives vpcsim's API 3.0 endpoint with the real Tencent Cloud Python SDK
(tencentcloud-sdk-python-vpc), as a team's code under test would: only the
endpoint differs. Peerings, VPCs, then a whole network across two accounts
(subnets, route tables, routes through a peering, every refusal, teardown).
.ci/run installs the SDK into a venv and runs:

    python tests/compat/tencent_sdk.py target/release/vpcsim

The whole sequence runs twice, each time on a fresh server: over http, then
over https with `--tls-self-signed`, the SDK trusting the certificate it wrote.
Exits non-zero, naming the step, on the first difference.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from unittest import mock

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.common.retry import StandardRetryer
from tencentcloud.vpc.v20170312 import models, vpc_client
from vpcsim_server import HERE, serving



class Run:
    """The SDK pointed at one vpcsim: `endpoint` over `protocol`, trusting
    `cert` (the SDK's `certification`) for https."""

    def __init__(self, endpoint, protocol="http", cert=None):
        self.endpoint = endpoint
        self.protocol = protocol
        self.cert = cert
        self.steps = 0

    def client(self, secret_id, secret_key, region="ap-guangzhou", method="POST",
               sign_method="TC3-HMAC-SHA256", protocol=None, cert=None):
        profile = HttpProfile(endpoint=self.endpoint, protocol=protocol or self.protocol,
                              reqMethod=method, certification=cert or self.cert)
        return vpc_client.VpcClient(credential.Credential(secret_id, secret_key), region,
                                    ClientProfile(httpProfile=profile, signMethod=sign_method))

    def check(self, what, got, want):
        self.steps += 1
        if got != want:
            raise SystemExit(f"{self.protocol} step {self.steps} ({what}): got {got!r}, want {want!r}")
        print(f"{self.protocol} step {self.steps}: {what}: ok")

    def code_of(self, call):
        return self.error_of(call)[0]

    def error_of(self, call):
        """The code and message of the SDK's exception."""
        try:
            call()
        except TencentCloudSDKException as err:
            return err.get_code(), err.get_message()
        return "no error", ""


def request(model, **fields):
    req = model()
    req.from_json_string(json.dumps(fields))
    return req


def main(binary):
    # A field vpcsim prints that the SDK's model lacks is a warning of the
    # SDK's ("... fileds are useless."): here, an error.
    warnings.filterwarnings("error", message=".*fileds are useless")
    with serving(binary) as addr:
        scenario(Run(addr))
        network(Run(addr))
        faults(Run(addr), binary, addr)
    with tempfile.TemporaryDirectory() as certs, serving(binary, tls_dir=certs) as addr:
        # By name, as https://localhost:PORT: the certificate holds
        # localhost, 127.0.0.1 and ::1.
        run = Run(f"localhost:{addr.rsplit(':', 1)[1]}", "https", os.path.join(certs, "cert.pem"))
        trust(run)
        scenario(run)
        network(run)
    print("tencent sdk: all steps passed, over http and https")


def trust(run):
    """What the SDK needs to reach vpcsim over https, and what is not enough."""
    def describe(client):
        return client.DescribeVpcPeeringConnections(models.DescribeVpcPeeringConnectionsRequest())

    run.check("with certification=cert.pem the SDK trusts vpcsim",
              describe(run.client("AKIDalice", "alice-secret")).TotalCount, 0)
    # The SDK hands requests certifi's bundle itself, so REQUESTS_CA_BUNDLE
    # and SSL_CERT_FILE do not reach it (README says so).
    import certifi
    saved = {k: os.environ.get(k) for k in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")}
    os.environ.update(REQUESTS_CA_BUNDLE=run.cert, SSL_CERT_FILE=run.cert)
    try:
        code, message = run.error_of(lambda: describe(
            run.client("AKIDalice", "alice-secret", cert=certifi.where())))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    run.check("with only REQUESTS_CA_BUNDLE the SDK still checks against certifi",
              (code, "CERTIFICATE_VERIFY_FAILED" in message), ("ClientNetworkError", True))
    code, message = run.error_of(lambda: describe(
        run.client("AKIDalice", "alice-secret", protocol="http")))
    run.check("http:// to the TLS port is told to use https",
              (code, "https://" in str(message)), ("ServerNetworkError", True))


def scenario(run):
    alice = run.client("AKIDalice", "alice-secret")
    bob = run.client("AKIDbob", "bob-secret")

    def create(client, src, dst, uin, name, region="ap-guangzhou"):
        return client.CreateVpcPeeringConnection(request(
            models.CreateVpcPeeringConnectionRequest, SourceVpcId=src, PeeringConnectionName=name,
            DestinationVpcId=dst, DestinationUin=uin, DestinationRegion=region)).PeeringConnectionId

    def describe(client, **fields):
        return client.DescribeVpcPeeringConnections(
            request(models.DescribeVpcPeeringConnectionsRequest, **fields))

    def states(client, **fields):
        return {p.PeeringConnectionId: p.State for p in describe(client, **fields).PeerConnectionSet}

    same = create(alice, "vpc-web00001", "vpc-web00002", "100001", "same-account")
    run.check("a same-account peering is ACTIVE at once", states(alice)[same], "ACTIVE")
    cross = create(alice, "vpc-web00001", "vpc-db000001", "100002", "cross-account")
    run.check("a cross-account request is PENDING", states(bob)[cross], "PENDING")
    run.check("the requester cannot accept",
              run.code_of(lambda: alice.AcceptVpcPeeringConnection(request(
                  models.AcceptVpcPeeringConnectionRequest, PeeringConnectionId=cross))),
              "UnsupportedOperation.VpcPeerPurviewError")
    bob.AcceptVpcPeeringConnection(request(models.AcceptVpcPeeringConnectionRequest,
                                           PeeringConnectionId=cross))
    run.check("the peer accepts", states(alice)[cross], "ACTIVE")
    rejected = create(alice, "vpc-web00002", "vpc-db000002", "100002", "to-reject")
    bob.RejectVpcPeeringConnection(request(models.RejectVpcPeeringConnectionRequest,
                                           PeeringConnectionId=rejected))
    run.check("the peer rejects", states(alice)[rejected], "REJECTED")
    alice.ModifyVpcPeeringConnection(request(models.ModifyVpcPeeringConnectionRequest,
                                             PeeringConnectionId=same, PeeringConnectionName="renamed"))
    named = describe(alice, Filters=[{"Name": "peering-connection-name", "Values": ["renamed"]}])
    run.check("modify renames", [p.PeeringConnectionId for p in named.PeerConnectionSet], [same])
    alice.DeleteVpcPeeringConnection(request(models.DeleteVpcPeeringConnectionRequest,
                                             PeeringConnectionId=same))
    run.check("delete", states(alice)[same], "DELETED")

    run.check("filter by state",
              sorted(states(alice, Filters=[{"Name": "state", "Values": ["ACTIVE", "REJECTED"]}])),
              sorted([cross, rejected]))
    run.check("filter by vpc-id, either end",
              sorted(states(bob, Filters=[{"Name": "vpc-id", "Values": ["vpc-db000001"]}])), [cross])
    run.check("by ids", sorted(states(alice, PeeringConnectionIds=[cross, rejected])),
              sorted([cross, rejected]))
    # Terraform reads a peering back by id and needs an empty set, not an
    # error, once it is gone or was never the caller's.
    run.check("an unknown id is an empty set",
              describe(alice, PeeringConnectionIds=["pcx-00000000"]).TotalCount, 0)
    everything = describe(alice)
    run.check("TotalCount", everything.TotalCount, 3)
    first = describe(alice, Limit=1, OrderField="CreatedTime", OrderDirection="ASC")
    second = describe(alice, Limit=1, Offset=1, OrderField="CreatedTime", OrderDirection="ASC")
    run.check("paging keeps the total", (first.TotalCount, second.TotalCount), (3, 3))
    run.check("paging moves on",
              first.PeerConnectionSet[0].PeeringConnectionId != second.PeerConnectionSet[0].PeeringConnectionId,
              True)
    by_name = describe(alice, OrderField="PeeringConnectionName", OrderDirection="ASC")
    names = [p.PeeringConnectionName for p in by_name.PeerConnectionSet]
    run.check("order by name", names, sorted(names))
    item = describe(alice, PeeringConnectionIds=[cross]).PeerConnectionSet[0]
    run.check("model fields",
              (item.SourceVpcId, item.DestinationVpcId, item.SourceUin, item.DestinationUin,
               item.SourceRegion),
              ("vpc-web00001", "vpc-db000001", 100001, 100002, "gz"))

    get = run.client("AKIDalice", "alice-secret", method="GET")
    run.check("the GET form",
              sorted(states(get, Filters=[{"Name": "state", "Values": ["ACTIVE"]}])), [cross])

    for sign_method in ["HmacSHA256", "HmacSHA1"]:
        older = run.client("AKIDalice", "alice-secret", sign_method=sign_method)
        run.check(f"the older {sign_method} form",
                  sorted(states(older, Filters=[{"Name": "state", "Values": ["ACTIVE"]}])), [cross])
        forged = run.client("AKIDalice", "not-the-key", sign_method=sign_method)
        run.check(f"a wrong key in the {sign_method} form",
                  run.code_of(lambda: describe(forged)), "AuthFailure.SignatureFailure")

    run.check("overlapping pair",
              run.code_of(lambda: create(alice, "vpc-web00001", "vpc-clash001", "100002", "clash")),
              "UnsupportedOperation.VpcPeerCidrConflict")
    run.check("a live peer of one end overlaps the other",
              run.code_of(lambda: create(alice, "vpc-web00001", "vpc-dbtwin01", "100002", "crowded")),
              "UnauthorizedOperation.VpcPeerCidrConflict")
    # A cross-region peering with link options and tags, accepted, modified
    # and deleted by the peer from its own region.
    far = alice.CreateVpcPeeringConnection(request(
        models.CreateVpcPeeringConnectionRequest, SourceVpcId="vpc-web00002",
        PeeringConnectionName="far", DestinationVpcId="vpc-dbsh0001", DestinationUin="100002",
        DestinationRegion="ap-shanghai", Bandwidth=50, ChargeType="POSTPAID_BY_MONTH_95",
        QosLevel="AG", Tags=[{"Key": "team", "Value": "qa"}])).PeeringConnectionId
    bob_sh = run.client("AKIDbob", "bob-secret", region="ap-shanghai")
    run.check("a cross-region request shows in the peer's region", states(bob_sh)[far], "PENDING")
    run.check("the peer VPC must be in DestinationRegion",
              run.code_of(lambda: create(alice, "vpc-web00002", "vpc-dbsh0001", "100002", "near")),
              "ResourceNotFound")
    bob_sh.AcceptVpcPeeringConnection(request(models.AcceptVpcPeeringConnectionRequest,
                                              PeeringConnectionId=far))
    item = describe(alice, PeeringConnectionIds=[far]).PeerConnectionSet[0]
    run.check("cross-region fields, options and tags",
              (item.State, item.SourceRegion, item.DestinationRegion, item.Bandwidth,
               item.ChargeType, item.QosLevel, [(t.Key, t.Value) for t in item.TagSet]),
              ("ACTIVE", "gz", "sh", 50, "POSTPAID_BY_MONTH_95", "AG", [("team", "qa")]))
    bob_sh.ModifyVpcPeeringConnection(request(
        models.ModifyVpcPeeringConnectionRequest, PeeringConnectionId=far, Bandwidth=200,
        ChargeType="POSTPAID_BY_DAY_MAX"))
    item = describe(alice, PeeringConnectionIds=[far]).PeerConnectionSet[0]
    run.check("modify sets bandwidth and billing", (item.Bandwidth, item.ChargeType),
              (200, "POSTPAID_BY_DAY_MAX"))
    run.check("an unknown ChargeType",
              run.code_of(lambda: alice.ModifyVpcPeeringConnection(request(
                  models.ModifyVpcPeeringConnectionRequest, PeeringConnectionId=far,
                  ChargeType="FREE"))),
              "InvalidParameterValue")
    bob_sh.DeleteVpcPeeringConnection(request(models.DeleteVpcPeeringConnectionRequest,
                                              PeeringConnectionId=far))
    run.check("the peer deletes it from its region", states(alice)[far], "DELETED")
    run.check("unknown peering",
              run.code_of(lambda: bob.AcceptVpcPeeringConnection(request(
                  models.AcceptVpcPeeringConnectionRequest, PeeringConnectionId="pcx-00000000"))),
              "ResourceNotFound")
    run.check("malformed id",
              run.code_of(lambda: bob.AcceptVpcPeeringConnection(request(
                  models.AcceptVpcPeeringConnectionRequest, PeeringConnectionId="nope"))),
              "InvalidParameterValue.Malformed")
    run.check("wrong SecretKey",
              run.code_of(lambda: describe(run.client("AKIDalice", "not-the-key"))),
              "AuthFailure.SignatureFailure")
    run.check("unknown SecretId",
              run.code_of(lambda: describe(run.client("AKIDnobody", "x"))),
              "AuthFailure.SecretIdNotFound")
    # VPCs and assistant blocks.
    made = alice.CreateVpc(request(models.CreateVpcRequest, VpcName="made-by-sdk",
                                   CidrBlock="10.20.0.0/16")).Vpc
    run.check("CreateVpc", (made.VpcName, made.CidrBlock), ("made-by-sdk", "10.20.0.0/16"))
    # DescribeVpcs takes Offset and Limit as strings, as its model says.
    listed = alice.DescribeVpcs(request(models.DescribeVpcsRequest,
                                        Filters=[{"Name": "vpc-name", "Values": ["by-sdk"]}],
                                        Offset="0", Limit="10"))
    run.check("DescribeVpcs by name, fuzzily", [v.VpcId for v in listed.VpcSet], [made.VpcId])
    run.check("DescribeVpcs total", alice.DescribeVpcs(models.DescribeVpcsRequest()).TotalCount, 3)
    alice.CreateAssistantCidr(request(models.CreateAssistantCidrRequest, VpcId=made.VpcId,
                                      CidrBlocks=["172.16.0.0/16"]))
    blocks = alice.DescribeAssistantCidr(request(models.DescribeAssistantCidrRequest,
                                                 VpcIds=[made.VpcId]))
    run.check("assistant blocks", [b.CidrBlock for b in blocks.AssistantCidrSet], ["172.16.0.0/16"])
    run.check("an overlapping assistant block",
              run.code_of(lambda: alice.CreateAssistantCidr(request(
                  models.CreateAssistantCidrRequest, VpcId=made.VpcId, CidrBlocks=["10.20.5.0/24"]))),
              "InvalidParameterValue.VpcCidrConflict")
    alice.DeleteAssistantCidr(request(models.DeleteAssistantCidrRequest, VpcId=made.VpcId,
                                      CidrBlocks=["172.16.0.0/16"]))
    alice.DeleteVpc(request(models.DeleteVpcRequest, VpcId=made.VpcId))
    run.check("DeleteVpc", alice.DescribeVpcs(models.DescribeVpcsRequest()).TotalCount, 2)
    run.check("a VPC with a live peering stays",
              run.code_of(lambda: alice.DeleteVpc(request(models.DeleteVpcRequest,
                                                          VpcId="vpc-web00001"))),
              "ResourceInUse")
    run.check("10.0.0.0/8 itself is no VPC block",
              run.code_of(lambda: alice.CreateVpc(request(models.CreateVpcRequest, VpcName="wide",
                                                          CidrBlock="10.0.0.0/8"))),
              "InvalidParameterValue.Range")

    stale = time.time() - 600
    with mock.patch.object(time, "time", return_value=stale):
        run.check("a stale timestamp", run.code_of(lambda: describe(alice)),
                  "AuthFailure.SignatureExpire")


def network(run):
    """Two accounts' VPCs joined by a peering, as a team would build them:
    a subnet on each side, the peering accepted, a route on each side
    through it; then each refusal the rules make, and the teardown in the
    order the cloud takes it. Leaves the state as it found it."""
    alice = run.client("AKIDalice", "alice-secret")
    bob = run.client("AKIDbob", "bob-secret")
    vpcs_before = alice.DescribeVpcs(models.DescribeVpcsRequest()).TotalCount

    def call(client, action, **fields):
        return getattr(client, action)(request(getattr(models, action + "Request"), **fields))

    def code(client, action, **fields):
        return run.code_of(lambda: call(client, action, **fields))

    # VPCs with tags, found by them.
    web = call(alice, "CreateVpc", VpcName="net-web", CidrBlock="10.60.0.0/16",
               Tags=[{"Key": "team", "Value": "web"}]).Vpc
    run.check("CreateVpc keeps Tags", [(t.Key, t.Value) for t in web.TagSet], [("team", "web")])
    db = call(bob, "CreateVpc", VpcName="net-db", CidrBlock="10.61.0.0/16").Vpc
    tagged = call(alice, "DescribeVpcs", Filters=[{"Name": "tag:team", "Values": ["web"]}])
    run.check("DescribeVpcs by tag:team", [v.VpcId for v in tagged.VpcSet], [web.VpcId])
    run.check("DescribeVpcs by tag-key",
              call(alice, "DescribeVpcs", Filters=[{"Name": "tag-key", "Values": ["nope"]}]).TotalCount, 0)

    # A subnet on each side, on its VPC's default route table.
    sub_web = call(alice, "CreateSubnet", VpcId=web.VpcId, SubnetName="web-a",
                   CidrBlock="10.60.1.0/24", Zone="ap-guangzhou-3",
                   Tags=[{"Key": "tier", "Value": "app"}]).Subnet
    run.check("CreateSubnet's Subnet",
              (sub_web.VpcId, sub_web.CidrBlock, sub_web.Zone, sub_web.TotalIpAddressCount,
               sub_web.AvailableIpAddressCount, sub_web.IsDefault, sub_web.EnableBroadcast,
               sub_web.NetworkAclId, sub_web.CdcId, sub_web.IsCdcSubnet,
               [(t.Key, t.Value) for t in sub_web.TagSet]),
              (web.VpcId, "10.60.1.0/24", "ap-guangzhou-3", 256, 253, False, False, "", "", 0,
               [("tier", "app")]))
    run.check("CreatedTime is YYYY-MM-DD HH:MM:SS",
              time.strftime("%Y-%m-%d %H:%M:%S",
                            time.strptime(sub_web.CreatedTime, "%Y-%m-%d %H:%M:%S")),
              sub_web.CreatedTime)
    subs_db = call(bob, "CreateSubnets", VpcId=db.VpcId, Tags=[{"Key": "tier", "Value": "db"}],
                   Subnets=[{"SubnetName": "db-a", "CidrBlock": "10.61.1.0/24", "Zone": "ap-guangzhou-3"},
                            {"SubnetName": "db-b", "CidrBlock": "10.61.2.0/24", "Zone": "ap-guangzhou-4"}]
                   ).SubnetSet
    run.check("CreateSubnets shares Tags",
              [[(t.Key, t.Value) for t in s.TagSet] for s in subs_db], [[("tier", "db")]] * 2)
    listed = call(bob, "DescribeSubnets", Filters=[{"Name": "vpc-id", "Values": [db.VpcId]}],
                  Offset="1", Limit="1")
    run.check("DescribeSubnets pages with string Offset and Limit",
              (listed.TotalCount, [s.SubnetName for s in listed.SubnetSet]), (2, ["db-b"]))

    def main_table(client, vpc):
        # As Terraform reads a VPC's default table.
        tables = call(client, "DescribeRouteTables", Offset="0", Limit="100",
                      Filters=[{"Name": "vpc-id", "Values": [vpc]},
                               {"Name": "association.main", "Values": ["true"]}]).RouteTableSet
        return tables[0]

    rtb_web = main_table(alice, web.VpcId)
    run.check("the default table: Main, with the subnet",
              (rtb_web.Main, [(a.SubnetId, a.RouteTableId) for a in rtb_web.AssociationSet],
               sub_web.RouteTableId),
              (True, [(sub_web.SubnetId, rtb_web.RouteTableId)], rtb_web.RouteTableId))
    rtb_db = main_table(bob, db.VpcId)

    # The peering, and a route through it from each side.
    pcx = call(alice, "CreateVpcPeeringConnection", SourceVpcId=web.VpcId,
               PeeringConnectionName="net", DestinationVpcId=db.VpcId, DestinationUin="100002",
               DestinationRegion="ap-guangzhou").PeeringConnectionId

    def via(table, destination):
        return dict(RouteTableId=table, Routes=[{
            "DestinationCidrBlock": destination, "GatewayType": "PEERCONNECTION",
            "GatewayId": pcx, "RouteDescription": "through net", "Enabled": True}])

    def routes(client, table):
        return [(r.DestinationCidrBlock, r.GatewayId, r.Enabled) for r in call(
            client, "DescribeRouteTables", RouteTableIds=[table]).RouteTableSet[0].RouteSet]

    run.check("a route through a PENDING peering",
              code(alice, "CreateRoutes", **via(rtb_web.RouteTableId, "10.61.0.0/16")),
              "InvalidParameterValue.RouteNextHopInvalid")
    call(bob, "AcceptVpcPeeringConnection", PeeringConnectionId=pcx)
    made = call(alice, "CreateRoutes", **via(rtb_web.RouteTableId, "10.61.0.0/16"))
    route = made.RouteTableSet[0].RouteSet[0]
    run.check("CreateRoutes answers the table with only the new route",
              (made.TotalCount, len(made.RouteTableSet), len(made.RouteTableSet[0].RouteSet),
               route.RouteType, route.GatewayType, route.Enabled, route.RouteId > 0,
               route.RouteItemId.startswith("rti-")),
              (1, 1, 1, "USER", "PEERCONNECTION", True, True, True))
    call(bob, "CreateRoutes", **via(rtb_db.RouteTableId, "10.60.0.0/16"))
    run.check("a route on each side",
              (routes(alice, rtb_web.RouteTableId), routes(bob, rtb_db.RouteTableId)),
              ([("10.61.0.0/16", pcx, True)], [("10.60.0.0/16", pcx, True)]))

    # The refusals, each changing nothing.
    before = (routes(alice, rtb_web.RouteTableId),
              call(alice, "DescribeSubnets", Limit="100").TotalCount)
    run.check("a destination outside the peer VPC",
              code(alice, "CreateRoutes", **via(rtb_web.RouteTableId, "10.62.0.0/16")),
              "InvalidParameterValue.CidrNotInPeerVpc")
    run.check("a destination inside the own VPC",
              code(alice, "CreateRoutes", **via(rtb_web.RouteTableId, "10.60.8.0/24")),
              "InvalidParameterValue.VpcCidrConflict")
    run.check("a second route to the same destination through a peering",
              code(alice, "CreateRoutes", **via(rtb_web.RouteTableId, "10.61.0.0/16")),
              "UnsupportedOperation.EcmpWithUserRoute")
    run.check("an overlapping subnet",
              code(alice, "CreateSubnet", VpcId=web.VpcId, SubnetName="clash",
                   CidrBlock="10.60.1.128/25", Zone="ap-guangzhou-3"),
              "InvalidParameterValue.SubnetConflict")
    run.check("a subnet outside its VPC",
              code(alice, "CreateSubnet", VpcId=web.VpcId, SubnetName="out",
                   CidrBlock="10.61.9.0/24", Zone="ap-guangzhou-3"),
              "InvalidParameterValue.SubnetRange")
    run.check("deleting a VPC with subnets", code(alice, "DeleteVpc", VpcId=web.VpcId),
              "ResourceInUse")
    run.check("deleting the default route table",
              code(alice, "DeleteRouteTable", RouteTableId=rtb_web.RouteTableId),
              "UnsupportedOperation.DelDefaultRoute")
    run.check("the refusals changed nothing",
              (routes(alice, rtb_web.RouteTableId),
               call(alice, "DescribeSubnets", Limit="100").TotalCount), before)

    # A table of its own: the subnet moved to it, routes switched off and
    # on, replaced; names changed.
    custom = call(alice, "CreateRouteTable", VpcId=web.VpcId, RouteTableName="web-custom",
                  Tags=[{"Key": "tier", "Value": "app"}]).RouteTable
    run.check("CreateRouteTable", (custom.Main, custom.RouteSet, custom.AssociationSet,
                                   [(t.Key, t.Value) for t in custom.TagSet]),
              (False, [], [], [("tier", "app")]))
    call(alice, "ReplaceRouteTableAssociation", RouteTableId=custom.RouteTableId,
         SubnetId=sub_web.SubnetId)
    run.check("a table with a subnet stays",
              code(alice, "DeleteRouteTable", RouteTableId=custom.RouteTableId),
              "UnsupportedOperation.DelRouteWithSubnet")
    call(alice, "DisableRoutes", RouteTableId=rtb_web.RouteTableId, RouteIds=[route.RouteId])
    run.check("DisableRoutes", routes(alice, rtb_web.RouteTableId), [("10.61.0.0/16", pcx, False)])
    call(alice, "EnableRoutes", RouteTableId=rtb_web.RouteTableId, RouteItemIds=[route.RouteItemId])
    run.check("EnableRoutes", routes(alice, rtb_web.RouteTableId), [("10.61.0.0/16", pcx, True)])
    replaced = call(alice, "ReplaceRoutes", RouteTableId=rtb_web.RouteTableId, Routes=[{
        "RouteItemId": route.RouteItemId, "DestinationCidrBlock": "10.61.1.0/24",
        "GatewayType": "PEERCONNECTION", "GatewayId": pcx}])
    run.check("ReplaceRoutes", (replaced.OldRouteSet[0].DestinationCidrBlock,
                                replaced.NewRouteSet[0].DestinationCidrBlock,
                                replaced.NewRouteSet[0].RouteId),
              ("10.61.0.0/16", "10.61.1.0/24", route.RouteId))
    call(alice, "ModifySubnetAttribute", SubnetId=sub_web.SubnetId, SubnetName="web-renamed",
         EnableBroadcast="false")
    call(alice, "ModifyRouteTableAttribute", RouteTableId=custom.RouteTableId,
         RouteTableName="web-renamed")
    call(alice, "ModifyVpcAttribute", VpcId=web.VpcId, VpcName="net-web-renamed",
         EnableMulticast="false")
    run.check("renamed", (
        call(alice, "DescribeSubnets", SubnetIds=[sub_web.SubnetId]).SubnetSet[0].SubnetName,
        call(alice, "DescribeRouteTables", Filters=[{"Name": "route-table-name", "Values": ["renamed"]}]
             ).RouteTableSet[0].RouteTableId,
        call(alice, "DescribeVpcs", VpcIds=[web.VpcId]).VpcSet[0].VpcName),
        ("web-renamed", custom.RouteTableId, "net-web-renamed"))
    run.check("a VPC attribute vpcsim does not model",
              code(alice, "ModifyVpcAttribute", VpcId=web.VpcId, DnsServers=["1.1.1.1"]),
              "UnsupportedOperation")

    # Teardown, in the order the cloud takes it: alice's route and table,
    # the subnets, then the peering (which takes bob's route with it), then
    # the VPCs.
    deleted = call(alice, "DeleteRoutes", RouteTableId=rtb_web.RouteTableId,
                   Routes=[{"RouteId": route.RouteId}]).RouteSet
    run.check("DeleteRoutes by RouteId answers the route", [r.RouteItemId for r in deleted],
              [route.RouteItemId])
    call(alice, "ReplaceRouteTableAssociation", RouteTableId=rtb_web.RouteTableId,
         SubnetId=sub_web.SubnetId)
    call(alice, "DeleteRouteTable", RouteTableId=custom.RouteTableId)
    call(alice, "DeleteSubnet", SubnetId=sub_web.SubnetId)
    for subnet in subs_db:
        call(bob, "DeleteSubnet", SubnetId=subnet.SubnetId)
    run.check("a VPC with a live peering stays", code(bob, "DeleteVpc", VpcId=db.VpcId),
              "ResourceInUse")
    run.check("bob's route is there before the peering goes",
              routes(bob, rtb_db.RouteTableId), [("10.60.0.0/16", pcx, True)])
    call(alice, "DeleteVpcPeeringConnection", PeeringConnectionId=pcx)
    run.check("deleting the ACTIVE peering took bob's route", routes(bob, rtb_db.RouteTableId), [])
    call(alice, "DeleteVpc", VpcId=web.VpcId)
    call(bob, "DeleteVpc", VpcId=db.VpcId)
    run.check("torn down", (alice.DescribeVpcs(models.DescribeVpcsRequest()).TotalCount,
                            call(alice, "DescribeSubnets").TotalCount,
                            call(bob, "DescribeSubnets").TotalCount),
              (vpcs_before, 0, 0))


def faults(run, binary, addr):
    """Fault rules as the SDK meets them: an injected RequestLimitExceeded,
    the SDK's own retries of it, and a lost answer whose VPC was made."""
    seeded = subprocess.run([binary, "seed", os.path.join(HERE, "sdk-faults.yaml"),
                             "--server", addr], capture_output=True, text=True, timeout=60)
    if seeded.returncode != 0:
        raise SystemExit(f"seeding sdk-faults.yaml failed:\n{seeded.stderr}")
    alice = run.client("AKIDalice", "alice-secret")
    run.check("an injected RequestLimitExceeded reaches the SDK as that code",
              run.code_of(lambda: alice.DescribeVpcs(models.DescribeVpcsRequest())),
              "RequestLimitExceeded")
    # The SDK's StandardRetryer retries RequestLimitExceeded. The rule fails
    # its first try (the second firing); the next tries get answers. Yet
    # this SDK (tencentcloud-sdk-python-common 3.1.195, retry.py) never
    # clears the error of a failed try, so it retries its successes and
    # raises that first error: what a fault rule is for finding.
    tries = []

    class Recording(StandardRetryer):
        def on_retry(self, n, sleep, resp, err):
            tries.append(resp is not None)

    patient = run.client("AKIDalice", "alice-secret")
    patient.profile.retryer = Recording(max_attempts=3, backoff_fn=lambda n: 0.05)
    code = run.code_of(lambda: patient.DescribeVpcs(models.DescribeVpcsRequest()))
    run.check("StandardRetryer: a failed try, then answers it retries anyway, then the old error",
              (tries, code), ([False, True, True], "RequestLimitExceeded"))
    run.check("the rule is spent: the next call is answered",
              alice.DescribeVpcs(models.DescribeVpcsRequest()).TotalCount, 2)
    bob = run.client("AKIDbob", "bob-secret")
    run.check("a lost answer: CreateVpc answers InternalError",
              run.code_of(lambda: bob.CreateVpc(request(models.CreateVpcRequest,
                                                        VpcName="lost", CidrBlock="10.30.0.0/16"))),
              "InternalError")
    listed = bob.DescribeVpcs(request(models.DescribeVpcsRequest,
                                      Filters=[{"Name": "vpc-name", "Values": ["lost"]}]))
    run.check("...and the VPC was made", [v.CidrBlock for v in listed.VpcSet], ["10.30.0.0/16"])


if __name__ == "__main__":
    main(sys.argv[1])
