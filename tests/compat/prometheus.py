#!/usr/bin/env python3
"""A real Prometheus (Debian's package) scrapes a real vpcsim.

vpcsim serves; the Tencent Cloud Python SDK makes calls through API 3.0 (a
CreateVpc that works, one refused, a DescribeVpcs); Prometheus, configured
with README's examples/prometheus.yml, scrapes GET /metrics every second; and
queries through Prometheus' own HTTP API must see those calls by front end,
action and code, the target up, and vpcsim_build_info.

    tests/compat/prometheus.py VPCSIM_BINARY PROMETHEUS_BINARY
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vpc.v20170312 import models, vpc_client

from vpcsim_server import start

PATIENCE = 60
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")


def fail(message):
    print(f"prometheus: FAILED: {message}", file=sys.stderr)
    raise SystemExit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query(port, promql):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=5) as answer:
        body = json.load(answer)
    if body.get("status") != "success":
        fail(f"query {promql!r}: {body}")
    return body["data"]["result"]


def main():
    if len(sys.argv) != 3:
        fail("usage: prometheus.py VPCSIM_BINARY PROMETHEUS_BINARY")
    vpcsim, prometheus = sys.argv[1], sys.argv[2]
    server, addr = start(vpcsim)
    scraper = None
    try:
        profile = HttpProfile(endpoint=addr, protocol="http")
        client = vpc_client.VpcClient(credential.Credential("AKIDalice", "alice-secret"),
                                      "ap-guangzhou", ClientProfile(httpProfile=profile))
        create = models.CreateVpcRequest()
        create.VpcName, create.CidrBlock = "scraped", "10.200.0.0/16"
        client.CreateVpc(create)
        bad = models.CreateVpcRequest()
        bad.VpcName, bad.CidrBlock = "scraped-bad", "8.8.8.0/24"
        try:
            client.CreateVpc(bad)
            fail("a public CIDR block was accepted")
        except TencentCloudSDKException as err:
            refused_code = err.code
        client.DescribeVpcs(models.DescribeVpcsRequest())

        with tempfile.TemporaryDirectory() as work:
            port = free_port()
            # README's configuration, examples/prometheus.yml, pointed at
            # this server and scraping every second.
            with open(os.path.join(EXAMPLES, "prometheus.yml")) as readme_config:
                text = readme_config.read()
            for old, new in [('"vpcsim:50051"', f'"{addr}"'),
                             ("scrape_interval: 15s", "scrape_interval: 1s")]:
                if old not in text:
                    fail(f"examples/prometheus.yml no longer has {old}")
                text = text.replace(old, new)
            config = os.path.join(work, "prometheus.yml")
            with open(config, "w") as out:
                out.write(text)
            scraper = subprocess.Popen(
                [prometheus, f"--config.file={config}", f"--storage.tsdb.path={work}/data",
                 f"--web.listen-address=127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + PATIENCE
            wanted = {
                ("api3", "CreateVpc", "Ok"): 1,
                ("api3", "CreateVpc", refused_code): 1,
                ("api3", "DescribeVpcEx", "Ok"): 1,
            }
            seen = {}
            while time.monotonic() < deadline:
                if scraper.poll() is not None:
                    fail(f"prometheus exited with {scraper.returncode}:\n{scraper.stderr.read()}")
                try:
                    up = query(port, 'up{job="vpcsim"}')
                    calls = query(port, 'vpcsim_calls_total{front_end="api3"}')
                except OSError:
                    time.sleep(0.5)
                    continue
                seen = {(c["metric"]["front_end"], c["metric"]["action"], c["metric"]["code"]):
                        float(c["value"][1]) for c in calls}
                if up and up[0]["value"][1] == "1" and all(
                        seen.get(key, 0) >= n for key, n in wanted.items()):
                    break
                time.sleep(0.5)
            else:
                fail(f"within {PATIENCE} s prometheus saw {seen}, wanted {wanted}")
            print(f"prometheus step 1: the target is up, and the calls by front end, action and "
                  f"code are {sorted(seen.items())}: ok")
            info = query(port, "vpcsim_build_info")
            if not info or not info[0]["metric"].get("version"):
                fail(f"vpcsim_build_info: {info}")
            print(f"prometheus step 2: vpcsim_build_info {info[0]['metric']}: ok")
            latency = query(port, 'sum(vpcsim_call_duration_seconds_count{action="CreateVpc"})')
            if not latency or float(latency[0]["value"][1]) < 2:
                fail(f"CreateVpc latency count: {latency}")
            print("prometheus step 3: the latency histogram counts both CreateVpc calls: ok")
            vpcs = query(port, "vpcsim_vpcs")
            if not vpcs or float(vpcs[0]["value"][1]) < 1:
                fail(f"vpcsim_vpcs: {vpcs}")
            print(f"prometheus step 4: vpcsim_vpcs {vpcs[0]['value'][1]}: ok")
    finally:
        if scraper is not None:
            scraper.terminate()
            try:
                scraper.wait(timeout=30)
            except subprocess.TimeoutExpired:
                scraper.kill()
        server.terminate()
        server.wait(timeout=30)
    print("prometheus: 4 steps passed")


if __name__ == "__main__":
    main()
