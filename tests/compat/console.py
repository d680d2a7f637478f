"""The web console (`serve --ui`) in a real browser, and the pictures `dump`
draws. .ci/run installs Debian's chromium and graphviz, and playwright-core
and Mermaid from npm (tests/compat/console/package-lock.json), then runs:

    python tests/compat/console.py target/release/vpcsim target/compat-venv/bin/python

1. vpcsim --ui seeded with console-scenario.yaml; console/browser.mjs checks
   the page step by step, with the real Python SDK making calls while it
   watches, and keeps a screenshot in target/console-artifacts/; then,
   behind an admin token, console/signin.mjs signs in through the form.
2. That scenario and four examples drawn by `dump --format dot` (rendered
   by graphviz's `dot -Tsvg`, which must not warn), and the scenario by
   `--format mermaid` (rendered by Mermaid in chromium), kept beside the
   screenshot.
3. The 1,000-VPC generated scenario (100 accounts of 10 VPCs, 1,000
   peerings): console/measure.mjs prints the page's load time and size.
"""

import os
import subprocess
import sys
import tempfile

from vpcsim_server import HERE, serving

ROOT = os.path.dirname(os.path.dirname(HERE))
CONSOLE = os.path.join(HERE, "console")
ARTIFACTS = os.path.join(ROOT, "target", "console-artifacts")


def node(script, env):
    environment = {k: v for k, v in os.environ.items()
                   if k.lower() not in ("http_proxy", "https_proxy")}
    environment.update(env)
    done = subprocess.run(["node", os.path.join(CONSOLE, script)], env=environment,
                          cwd=CONSOLE, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{script} failed (exit {done.returncode})")


def run(command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {done.returncode}):\n{done.stderr}")
    return done.stdout


def browser_steps(binary, python):
    with serving(binary, scenario="console-scenario.yaml",
                 args=["--ui", "--rate-limit", "DescribeVpcs=1"]) as addr:
        node("browser.mjs", {"VPCSIM_URL": f"http://{addr}", "VPCSIM_PYTHON": python,
                             "ARTIFACTS": ARTIFACTS})


def sign_in(binary):
    """The same console behind an admin token: the sign-in form in the browser."""
    token = "console-ci-token"
    with serving(binary, scenario="console-scenario.yaml",
                 args=["--ui", "--admin-token", token], admin_token=token) as addr:
        node("signin.mjs", {"VPCSIM_URL": f"http://{addr}", "VPCSIM_ADMIN_TOKEN": token})


def pictures(binary):
    """dot of the console scenario and of the examples, drawn by graphviz's
    `dot -Tsvg` (which must not warn), and the console scenario's Mermaid,
    drawn by Mermaid; all kept in ARTIFACTS."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    scenarios = [os.path.join(HERE, "console-scenario.yaml")] + [
        os.path.join(ROOT, "examples", name)
        for name in ("schema.yaml", "network-scenario.yaml", "hub-and-spoke.yaml", "expiry.yaml")]
    with tempfile.TemporaryDirectory() as scratch:
        for scenario in scenarios:
            name = os.path.splitext(os.path.basename(scenario))[0]
            db = os.path.join(scratch, name + ".db")
            run([binary, "seed", scenario, "--db", db])
            dot = run([binary, "dump", "--db", db, "--format", "dot", "--include-deleted"])
            drawn = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True,
                                   timeout=120)
            if drawn.returncode != 0 or drawn.stderr or 'class="cluster"' not in drawn.stdout:
                raise SystemExit(f"graphviz could not draw the dot of {name} cleanly "
                                 f"(exit {drawn.returncode}):\n{drawn.stderr}\n{dot}")
            with open(os.path.join(ARTIFACTS, name + ".svg"), "w") as f:
                f.write(drawn.stdout)
            print(f"graphviz drew dump --format dot of {name}: {len(drawn.stdout)} bytes of SVG")
            if name == "console-scenario":
                mermaid = run([binary, "dump", "--db", db, "--format", "mermaid"])
    diagram = os.path.join(ARTIFACTS, "console-scenario.mmd")
    with open(diagram, "w") as f:
        f.write(mermaid)
    done = subprocess.run(["node", os.path.join(CONSOLE, "mermaid.mjs"), diagram,
                           os.path.join(ARTIFACTS, "console-scenario-mermaid.svg")],
                          cwd=CONSOLE, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"Mermaid could not draw dump --format mermaid (exit {done.returncode})")


def thousand_vpcs(binary):
    with tempfile.TemporaryDirectory() as scratch:
        scenario = os.path.join(scratch, "generated-1000.yaml")
        run([binary, "generate", "--accounts", "100", "--vpcs-per-account", "10",
             "--peerings", "1000", "--output", scenario])
        # An absolute path: serving() reads it as it is.
        with serving(binary, scenario=scenario, args=["--ui"]) as addr:
            node("measure.mjs", {"VPCSIM_URL": f"http://{addr}", "VPCSIM_EXPECT_VPCS": "1000"})


def main(binary, python):
    browser_steps(binary, python)
    sign_in(binary)
    pictures(binary)
    thousand_vpcs(binary)
    print(f"console: every step passed; artifacts in {ARTIFACTS}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
