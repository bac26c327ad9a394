"""A third-party connector passes the conformance suite once installed, and only then.

`tests/example_connector` is a separate package (`lapak-warung`, platform `warung`) that
registers itself through the `lapak.connectors` entry point, and its sandbox through
`lapak.sandboxes`, as any outside connector would.
It is installed into a temporary directory for this test only, and the conformance suite
runs as its author would run it, through the plugin (`pytest -p lapak.testing
--lapak-platform warung`), in a child process that has that directory on its path and starts
in another temporary directory, outside Lapak's checkout: this process, and the environment
Lapak is installed in, never see the example.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from lapak.sandboxes.registry import platforms as sandbox_platforms
from lapak.sync.registry import platforms

from lapak.testing import suite

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "example_connector"
SUITE_TESTS = [name for name in suite.__all__ if name.startswith("test_")]


def test_an_installed_third_party_connector_passes_the_conformance_suite(tmp_path: Path) -> None:
    assert "warung" not in platforms(), "the example must not be installed where Lapak is"
    assert "warung" not in sandbox_platforms()
    assert importlib.util.find_spec("lapak_warung") is None

    source = shutil.copytree(EXAMPLE, tmp_path / "example", ignore=shutil.ignore_patterns("build"))
    site = tmp_path / "site"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PIP_NO_INDEX": "1"}
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(site), str(source)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    assert (site / "lapak_warung" / "__init__.py").is_file()

    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "lapak.testing", "--lapak-platform", "warung",
         "-q", "-p", "no:cacheprovider"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    summary = output.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) == len(SUITE_TESTS), output
    assert not re.search(r"\d+ (failed|error|skipped|deselected)", summary), output
    # still not here: the child process had it, we do not
    assert "warung" not in platforms() + sandbox_platforms()
