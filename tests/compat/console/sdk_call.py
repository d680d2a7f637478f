"""One call with the real Tencent Cloud Python SDK, for the browser test
(tests/compat/console/browser.mjs) to make while the page watches:

    python sdk_call.py ENDPOINT create-peering SOURCE_VPC DEST_VPC DEST_UIN
    python sdk_call.py ENDPOINT describe-peerings
    python sdk_call.py ENDPOINT describe-vpcs-twice

as alice (AKIDalice, of tests/compat/console-scenario.yaml). Prints one JSON
line: {"request_id": ..., "peering_id": ...} or {"request_id": ...,
"error": CODE} (for describe-vpcs-twice, of the second call).
"""

import json
import sys

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vpc.v20170312 import models, vpc_client


def request(model, **fields):
    req = model()
    req.from_json_string(json.dumps(fields))
    return req


def main(endpoint, action, *args):
    profile = HttpProfile(endpoint=endpoint, protocol="http")
    client = vpc_client.VpcClient(credential.Credential("AKIDalice", "alice-secret"),
                                  "ap-guangzhou", ClientProfile(httpProfile=profile))
    try:
        if action == "create-peering":
            source, dest, uin = args
            answer = client.CreateVpcPeeringConnection(request(
                models.CreateVpcPeeringConnectionRequest, SourceVpcId=source,
                DestinationVpcId=dest, DestinationUin=uin, DestinationRegion="ap-guangzhou",
                PeeringConnectionName="from-the-sdk"))
            print(json.dumps({"request_id": answer.RequestId,
                              "peering_id": answer.PeeringConnectionId}))
        elif action == "describe-peerings":
            answer = client.DescribeVpcPeeringConnections(
                models.DescribeVpcPeeringConnectionsRequest())
            print(json.dumps({"request_id": answer.RequestId, "total": answer.TotalCount}))
        elif action == "describe-vpcs-twice":
            # Back to back: the second meets a rate limit of 1 per second.
            for _ in range(2):
                try:
                    answer = client.DescribeVpcs(models.DescribeVpcsRequest())
                    last = {"request_id": answer.RequestId, "total": answer.TotalCount}
                except TencentCloudSDKException as err:
                    last = {"request_id": err.requestId, "error": err.code}
            print(json.dumps(last))
        else:
            raise SystemExit(f"unknown action {action}")
    except TencentCloudSDKException as err:
        print(json.dumps({"request_id": err.requestId, "error": err.code}))


if __name__ == "__main__":
    main(*sys.argv[1:])
