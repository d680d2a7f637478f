// Writes tests/fixtures/tc3/sdk/nodejs.json: requests exactly as the
// official Node.js SDK sends them when only its endpoint points at a local
// server, captured on the wire by a server in this process. vpcsim's tests
// verify each one (tests/sdk_vectors.rs) and replay it to a real server.
//
//   cd tests/compat/node && npm ci && node make_vectors.mjs > ../../fixtures/tc3/sdk/nodejs.json
//
// Timestamps are real: the tests check signatures apart from the clock.

import http from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Client } = require("tencentcloud-sdk-nodejs/tencentcloud/services/vpc/v20170312/vpc_client");
const { sdkVersion } = require("tencentcloud-sdk-nodejs/tencentcloud/common/sdk_version");

const SECRET_ID = "AKIDsdkvectors00000000000000000000001";
const SECRET_KEY = "sdk-vectors-secret-key-000000000001";

/** A server on `host` that records every request and answers an empty set. */
async function captureServer(host) {
  const seen = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const headers = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        headers[req.rawHeaders[i]] = req.rawHeaders[i + 1];
      }
      const [path, query = ""] = req.url.split(/\?(.*)/s);
      seen.push({ method: req.method, path, query, headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ Response: { RequestId: "r1", TotalCount: 0, PeerConnectionSet: [] } }));
    });
  });
  await new Promise((resolve) => server.listen(0, host, resolve));
  return { server, seen, port: server.address().port };
}

async function main() {
  const v4 = await captureServer("127.0.0.1");
  const v6 = await captureServer("::1");
  const vectors = [];
  const capture = async (name, endpoint, { server = v4, profile = {}, credential = {}, call }) => {
    const client = new Client({
      credential: { secretId: SECRET_ID, secretKey: SECRET_KEY, ...credential },
      region: "ap-guangzhou",
      profile: { ...profile, httpProfile: { endpoint, protocol: "http://", ...(profile.httpProfile || {}) } },
    });
    await call(client);
    const request = server.seen.pop();
    vectors.push({ name: `nodejs-${name}`, secret_id: SECRET_ID, secret_key: SECRET_KEY, ...request });
  };
  const describe = (c) => c.DescribeVpcPeeringConnections({ Limit: 5 });
  const create = (c) =>
    c.CreateVpcPeeringConnection({
      SourceVpcId: "vpc-web00001",
      PeeringConnectionName: "研发测试使用",
      DestinationVpcId: "vpc-db000001",
      DestinationUin: "100002",
      DestinationRegion: "ap-guangzhou",
      Tags: [{ Key: "team", Value: "qa" }],
    });
  const filtered = (c) =>
    c.DescribeVpcPeeringConnections({ Filters: [{ Name: "state", Values: ["ACTIVE", "PENDING"] }], Limit: 5 });

  await capture("post-json-ipv4", `127.0.0.1:${v4.port}`, { call: describe });
  await capture("post-json-utf8-body", `127.0.0.1:${v4.port}`, { call: create });
  await capture("post-json-localhost", `localhost:${v4.port}`, { call: describe });
  await capture("post-json-ipv6", `[::1]:${v6.port}`, { server: v6, call: describe });
  await capture("get-query", `127.0.0.1:${v4.port}`, {
    profile: { httpProfile: { reqMethod: "GET" } },
    call: filtered,
  });
  await capture("post-json-token-language", `localhost:${v4.port}`, {
    credential: { token: "temporary-session-token-0001" },
    profile: { language: "en-US" },
    call: describe,
  });
  await capture("v1-hmac-sha256", `127.0.0.1:${v4.port}`, { profile: { signMethod: "HmacSHA256" }, call: filtered });
  await capture("v1-hmac-sha1-get", `localhost:${v4.port}`, {
    profile: { signMethod: "HmacSHA1", httpProfile: { reqMethod: "GET" } },
    call: describe,
  });
  v4.server.close();
  v6.server.close();
  const fixture = {
    sdk: `tencentcloud-sdk-nodejs ${sdkVersion}`,
    produced: "captured from requests the SDK sent to a local server (tests/compat/node/make_vectors.mjs)",
    vectors,
  };
  process.stdout.write(JSON.stringify(fixture, null, 2) + "\n");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
