// The official Tencent Cloud Node.js SDK (tencentcloud-sdk-nodejs) against
// one running vpcsim, set up as README tells SDK users: the endpoint and
// protocol, nothing else. tests/compat/nodejs_sdk.py starts vpcsim, seeds
// tests/compat/sdk-scenario.yaml and runs this with:
//
//   VPCSIM_ENDPOINT   127.0.0.1:PORT or localhost:PORT
//   VPCSIM_PROTOCOL   http:// or https://
//   NODE_EXTRA_CA_CERTS  vpcsim's certificate, for https
//
// Exits non-zero, naming the step, on the first difference.

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const tencentcloud = require("tencentcloud-sdk-nodejs");
const VpcClient = tencentcloud.vpc.v20170312.Client;

const endpoint = process.env.VPCSIM_ENDPOINT;
const protocol = process.env.VPCSIM_PROTOCOL;
if (!endpoint || !protocol) {
  console.error("set VPCSIM_ENDPOINT and VPCSIM_PROTOCOL");
  process.exit(2);
}

let steps = 0;
function check(what, got, want) {
  steps += 1;
  const [g, w] = [JSON.stringify(got), JSON.stringify(want)];
  if (g !== w) {
    console.error(`${protocol} step ${steps} (${what}): got ${g}, want ${w}`);
    process.exit(1);
  }
  console.log(`${protocol} step ${steps}: ${what}: ok`);
}

function client(secretId, secretKey, { region = "ap-guangzhou", reqMethod = "POST", signMethod, headers, proto } = {}) {
  return new VpcClient({
    credential: { secretId, secretKey },
    region,
    profile: {
      signMethod,
      httpProfile: { endpoint, protocol: proto || protocol, reqMethod, headers },
    },
  });
}

/** The SDK's error code for `call`, or "no error". */
async function codeOf(call) {
  try {
    await call();
  } catch (err) {
    return err.code || `no code: ${err.message}`;
  }
  return "no error";
}

async function scenario() {
  const alice = client("AKIDalice", "alice-secret");
  const bob = client("AKIDbob", "bob-secret");
  const create = async (c, src, dst, uin, name, region = "ap-guangzhou") =>
    (
      await c.CreateVpcPeeringConnection({
        SourceVpcId: src,
        PeeringConnectionName: name,
        DestinationVpcId: dst,
        DestinationUin: uin,
        DestinationRegion: region,
      })
    ).PeeringConnectionId;
  const describe = (c, req = {}) => c.DescribeVpcPeeringConnections(req);
  const states = async (c, req = {}) =>
    Object.fromEntries((await describe(c, req)).PeerConnectionSet.map((p) => [p.PeeringConnectionId, p.State]));
  const ids = async (c, req) => Object.keys(await states(c, req)).sort();

  const same = await create(alice, "vpc-web00001", "vpc-web00002", "100001", "same-account");
  check("a same-account peering is ACTIVE at once", (await states(alice))[same], "ACTIVE");
  const cross = await create(alice, "vpc-web00001", "vpc-db000001", "100002", "cross-account");
  check("a cross-account request is PENDING", (await states(bob))[cross], "PENDING");
  check(
    "the requester cannot accept",
    await codeOf(() => alice.AcceptVpcPeeringConnection({ PeeringConnectionId: cross })),
    "UnsupportedOperation.VpcPeerPurviewError",
  );
  await bob.AcceptVpcPeeringConnection({ PeeringConnectionId: cross });
  check("the peer accepts", (await states(alice))[cross], "ACTIVE");
  const rejected = await create(alice, "vpc-web00002", "vpc-db000002", "100002", "to-reject");
  await bob.RejectVpcPeeringConnection({ PeeringConnectionId: rejected });
  check("the peer rejects", (await states(alice))[rejected], "REJECTED");
  await alice.ModifyVpcPeeringConnection({ PeeringConnectionId: same, PeeringConnectionName: "renamed" });
  check(
    "modify renames",
    await ids(alice, { Filters: [{ Name: "peering-connection-name", Values: ["renamed"] }] }),
    [same],
  );
  await alice.DeleteVpcPeeringConnection({ PeeringConnectionId: same });
  check("delete", (await states(alice))[same], "DELETED");

  check(
    "filter by state",
    await ids(alice, { Filters: [{ Name: "state", Values: ["ACTIVE", "REJECTED"] }] }),
    [cross, rejected].sort(),
  );
  check("filter by vpc-id, either end", await ids(bob, { Filters: [{ Name: "vpc-id", Values: ["vpc-db000001"] }] }), [
    cross,
  ]);
  check("by ids", await ids(alice, { PeeringConnectionIds: [cross, rejected] }), [cross, rejected].sort());
  check(
    "an unknown id is an empty set",
    (await describe(alice, { PeeringConnectionIds: ["pcx-00000000"] })).TotalCount,
    0,
  );
  check("TotalCount", (await describe(alice)).TotalCount, 3);
  const page = (Offset) => describe(alice, { Limit: 1, Offset, OrderField: "CreatedTime", OrderDirection: "ASC" });
  const [first, second] = [await page(0), await page(1)];
  check("paging keeps the total", [first.TotalCount, second.TotalCount], [3, 3]);
  check(
    "paging moves on",
    first.PeerConnectionSet[0].PeeringConnectionId !== second.PeerConnectionSet[0].PeeringConnectionId,
    true,
  );
  const names = (await describe(alice, { OrderField: "PeeringConnectionName", OrderDirection: "ASC" })).PeerConnectionSet.map(
    (p) => p.PeeringConnectionName,
  );
  check("order by name", names, [...names].sort());
  const item = (await describe(alice, { PeeringConnectionIds: [cross] })).PeerConnectionSet[0];
  // The SDK parses numbers as numbers (json-bigint with native BigInt for
  // the large ones): the model's integers must arrive as JSON integers.
  check(
    "model fields and their JSON types",
    [item.SourceVpcId, item.DestinationVpcId, item.SourceUin, item.DestinationUin, item.SourceRegion, typeof item.Bandwidth],
    ["vpc-web00001", "vpc-db000001", 100001, 100002, "gz", "number"],
  );

  const get = client("AKIDalice", "alice-secret", { reqMethod: "GET" });
  check("the GET form", await ids(get, { Filters: [{ Name: "state", Values: ["ACTIVE"] }] }), [cross]);
  for (const signMethod of ["HmacSHA256", "HmacSHA1"]) {
    const older = client("AKIDalice", "alice-secret", { signMethod });
    check(`the older ${signMethod} form`, await ids(older, { Filters: [{ Name: "state", Values: ["ACTIVE"] }] }), [
      cross,
    ]);
    const forged = client("AKIDalice", "not-the-key", { signMethod });
    check(`a wrong key in the ${signMethod} form`, await codeOf(() => describe(forged)), "AuthFailure.SignatureFailure");
  }

  check(
    "overlapping pair",
    await codeOf(() => create(alice, "vpc-web00001", "vpc-clash001", "100002", "clash")),
    "UnsupportedOperation.VpcPeerCidrConflict",
  );
  check(
    "a live peer of one end overlaps the other",
    await codeOf(() => create(alice, "vpc-web00001", "vpc-dbtwin01", "100002", "crowded")),
    "UnauthorizedOperation.VpcPeerCidrConflict",
  );
  const far = (
    await alice.CreateVpcPeeringConnection({
      SourceVpcId: "vpc-web00002",
      PeeringConnectionName: "far",
      DestinationVpcId: "vpc-dbsh0001",
      DestinationUin: "100002",
      DestinationRegion: "ap-shanghai",
      Bandwidth: 50,
      ChargeType: "POSTPAID_BY_MONTH_95",
      QosLevel: "AG",
      Tags: [{ Key: "team", Value: "qa" }],
    })
  ).PeeringConnectionId;
  const bobSh = client("AKIDbob", "bob-secret", { region: "ap-shanghai" });
  check("a cross-region request shows in the peer's region", (await states(bobSh))[far], "PENDING");
  await bobSh.AcceptVpcPeeringConnection({ PeeringConnectionId: far });
  const farItem = (await describe(alice, { PeeringConnectionIds: [far] })).PeerConnectionSet[0];
  check(
    "cross-region fields, options and tags",
    [farItem.State, farItem.SourceRegion, farItem.DestinationRegion, farItem.Bandwidth, farItem.ChargeType, farItem.QosLevel, farItem.TagSet],
    ["ACTIVE", "gz", "sh", 50, "POSTPAID_BY_MONTH_95", "AG", [{ Key: "team", Value: "qa" }]],
  );
  await bobSh.DeleteVpcPeeringConnection({ PeeringConnectionId: far });
  check("the peer deletes it from its region", (await states(alice))[far], "DELETED");
  check(
    "unknown peering",
    await codeOf(() => bob.AcceptVpcPeeringConnection({ PeeringConnectionId: "pcx-00000000" })),
    "ResourceNotFound",
  );
  check(
    "malformed id",
    await codeOf(() => bob.AcceptVpcPeeringConnection({ PeeringConnectionId: "nope" })),
    "InvalidParameterValue.Malformed",
  );
  check("wrong SecretKey", await codeOf(() => describe(client("AKIDalice", "not-the-key"))), "AuthFailure.SignatureFailure");
  check("unknown SecretId", await codeOf(() => describe(client("AKIDnobody", "x"))), "AuthFailure.SecretIdNotFound");

  // VPCs and assistant blocks.
  const made = (await alice.CreateVpc({ VpcName: "made-by-node", CidrBlock: "10.20.0.0/16" })).Vpc;
  check("CreateVpc", [made.VpcName, made.CidrBlock], ["made-by-node", "10.20.0.0/16"]);
  const listed = await alice.DescribeVpcs({ Filters: [{ Name: "vpc-name", Values: ["by-node"] }], Offset: "0", Limit: "10" });
  check("DescribeVpcs by name, fuzzily", listed.VpcSet.map((v) => v.VpcId), [made.VpcId]);
  await alice.CreateAssistantCidr({ VpcId: made.VpcId, CidrBlocks: ["172.16.0.0/16"] });
  const blocks = await alice.DescribeAssistantCidr({ VpcIds: [made.VpcId] });
  check("assistant blocks", blocks.AssistantCidrSet.map((b) => b.CidrBlock), ["172.16.0.0/16"]);
  check(
    "an overlapping assistant block",
    await codeOf(() => alice.CreateAssistantCidr({ VpcId: made.VpcId, CidrBlocks: ["10.20.5.0/24"] })),
    "InvalidParameterValue.VpcCidrConflict",
  );
  await alice.DeleteAssistantCidr({ VpcId: made.VpcId, CidrBlocks: ["172.16.0.0/16"] });
  await alice.DeleteVpc({ VpcId: made.VpcId });
  check("DeleteVpc", (await alice.DescribeVpcs({})).TotalCount, 2);
  check("a VPC with a live peering stays", await codeOf(() => alice.DeleteVpc({ VpcId: "vpc-web00001" })), "ResourceInUse");

  // Safe retries: vpcsim's X-Client-Token header, on one call (the generic
  // request method takes per-call headers) or on every call of a client.
  const once = (token, cidr) =>
    bob.request("CreateVpc", { VpcName: "retried", CidrBlock: cidr }, { headers: { "X-Client-Token": token } });
  const answered = (await once("node-vpc-0001", "10.40.0.0/16")).Vpc.VpcId;
  const again = (await once("node-vpc-0001", "10.40.0.0/16")).Vpc.VpcId;
  check("X-Client-Token: a retry gets the first answer", again, answered);
  check(
    "X-Client-Token: the same token with another request",
    await codeOf(() => once("node-vpc-0001", "10.41.0.0/16")),
    "InvalidParameter",
  );
  const tokened = client("AKIDbob", "bob-secret", { headers: { "X-Client-Token": "node-vpc-0002" } });
  const tokenedVpc = (await tokened.CreateVpc({ VpcName: "retried-2", CidrBlock: "10.42.0.0/16" })).Vpc.VpcId;
  const remade = (await tokened.CreateVpc({ VpcName: "retried-2", CidrBlock: "10.42.0.0/16" })).Vpc.VpcId;
  check("X-Client-Token on the client: a retry gets the first answer", remade, tokenedVpc);
}

/** What README says of the SDK's HTTP layer, seen through it. */
async function quirks() {
  const alice = client("AKIDalice", "alice-secret");
  const describe = (c) => c.DescribeVpcPeeringConnections({});
  // It sends every request through http_proxy, NO_PROXY or not.
  process.env.http_proxy = "http://127.0.0.1:9";
  process.env.NO_PROXY = "127.0.0.1,localhost";
  const proxied = await codeOf(() => describe(alice));
  delete process.env.http_proxy;
  check("http_proxy is used even with NO_PROXY (so unset it)", proxied.includes("ECONNREFUSED"), true);
  if (protocol === "https://") {
    // Plain http to the TLS port: vpcsim answers 400 with a message, and
    // the SDK keeps only the status text.
    const plain = client("AKIDalice", "alice-secret", { proto: "http://" });
    let message = "no error";
    try {
      await describe(plain);
    } catch (err) {
      message = `${err.httpCode} ${err.message}`;
    }
    check("http:// to the TLS port reaches the SDK as its status only", message, "400 Bad Request");
  }
}

try {
  await scenario();
  await quirks();
  console.log(`node sdk: ${steps} steps passed over ${protocol}${endpoint}`);
} catch (err) {
  console.error(`${protocol} after step ${steps}: unexpected error`, err);
  process.exit(1);
}
