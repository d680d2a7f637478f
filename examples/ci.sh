#!/usr/bin/env bash
# vpcsim in a CI job: start it, wait until it serves, seed the state the
# tests expect, run the tests against it, keep the state when they fail,
# and stop it, leaving one self-contained database file.
#
#   examples/ci.sh TEST-COMMAND [ARG...]
#
# The tests find vpcsim at $VPCSIM_ENDPOINT (host:port): the API 3.0
# endpoint for the Tencent Cloud SDKs, and gRPC for grpcurl.
#
# Settings, from the environment:
#   VPCSIM           the binary (default: vpcsim on PATH)
#   VPCSIM_SCENARIO  what to seed (default: examples/quickstart.yaml)
#   VPCSIM_PORT      the port on 127.0.0.1 (default: 50051)
#   ARTIFACTS        where the log, the database and, on failure, a dump of
#                    the state go (default: ./vpcsim-artifacts)
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: examples/ci.sh TEST-COMMAND [ARG...]" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
vpcsim="${VPCSIM:-vpcsim}"
scenario="${VPCSIM_SCENARIO:-$here/quickstart.yaml}"
addr="127.0.0.1:${VPCSIM_PORT:-50051}"
artifacts="${ARTIFACTS:-vpcsim-artifacts}"
mkdir -p "$artifacts"

# 1. Start, on a fresh database kept with the artifacts.
"$vpcsim" serve --listen "$addr" --db "$artifacts/vpcsim.db" --reset \
  >"$artifacts/vpcsim.log" 2>&1 &
server=$!
# If anything below fails, the server goes too.
trap 'kill -TERM "$server" 2>/dev/null || true' EXIT

# 2. Wait until it serves (or give up, with the reason), and make sure the
# server that answered is ours, not another on a port ours could not take.
"$vpcsim" health --server "$addr" --wait 30 >/dev/null
if ! kill -0 "$server" 2>/dev/null; then
  echo "ci.sh: vpcsim stopped at start; see $artifacts/vpcsim.log" >&2
  exit 1
fi

# 3. Seed the scenario through the running server.
"$vpcsim" seed "$scenario" --server "$addr"

# 4. Run the tests; when they fail, dump the state they failed on.
status=0
VPCSIM_ENDPOINT="$addr" "$@" || status=$?
if [ "$status" -ne 0 ]; then
  "$vpcsim" dump --server "$addr" --output "$artifacts/state.yaml"
  echo "ci.sh: the tests failed (exit $status); the state they saw is in $artifacts/state.yaml" >&2
fi

# 5. Stop: SIGTERM finishes the calls in flight and folds the database
# into one file. A server that could not do so fails the job too.
trap - EXIT
kill -TERM "$server"
stopped=0
wait "$server" || stopped=$?
if [ "$stopped" -ne 0 ]; then
  echo "ci.sh: vpcsim exited with $stopped when stopped; see $artifacts/vpcsim.log" >&2
  [ "$status" -ne 0 ] || status=$stopped
fi
exit "$status"
