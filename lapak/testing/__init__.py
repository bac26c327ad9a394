"""Lapak's conformance suite as a pytest plugin: what every connector must do against its
sandbox over real HTTP. A connector passes it or does not ship.

Install Lapak with the `testing` extra next to the connector package (which registers its
sandbox under the `lapak.sandboxes` entry-point group), then, from any directory::

    pytest -p lapak.testing --lapak-platform warung

`--lapak-platform` adds the suite (`lapak.testing.suite`) to what pytest collects and names
the platforms it runs against: repeat it for several, or give `all` for every platform that
has a sandbox. Without it the plugin adds nothing. A test module that imports the suite
(`from lapak.testing.suite import *`, as Lapak's own `tests/connectors/conformance/` does)
runs it against the platforms named, or against every platform with a sandbox when none is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lapak.sandboxes.registry import platforms as sandbox_platforms

OPTION = "--lapak-platform"
EVERY = "all"
SUITE = Path(__file__).with_name("suite.py")
SUITE_NODEID = SUITE.relative_to(SUITE.parents[2]).as_posix()
"""`lapak/testing/suite.py`: how reports name the suite's tests wherever Lapak is installed."""

# The suite's asserts report their operands however the suite reached pytest (`-p` marks
# this package for rewriting already; a test module importing the suite does not).
pytest.register_assert_rewrite("lapak.testing.suite")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("lapak", "Lapak conformance suite").addoption(
        OPTION,
        action="append",
        dest="lapak_platform",
        metavar="PLATFORM",
        help=(
            "run the conformance suite against PLATFORM's connector and sandbox "
            f"(repeatable; '{EVERY}': every platform with a sandbox)"
        ),
    )


def chosen_platforms(config: pytest.Config) -> list[str]:
    """The platforms named by `--lapak-platform`, or every platform with a sandbox when the
    option is absent or says `all`."""
    named: list[str] | None = config.getoption("lapak_platform", default=None)
    if not named or EVERY in named:
        return sandbox_platforms()
    return list(dict.fromkeys(named))


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("lapak_platform", default=None):
        return
    known = sandbox_platforms()
    unknown = [name for name in chosen_platforms(config) if name not in known]
    if unknown:
        raise pytest.UsageError(
            f"{OPTION} {', '.join(unknown)}: no sandbox registered under the "
            f"'lapak.sandboxes' entry-point group (sandboxes: {', '.join(known) or 'none'})"
        )
    config.args.append(str(SUITE))


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(
    module_path: Path, parent: pytest.Collector
) -> pytest.Module | None:
    """The suite collected from outside the rootdir (site-packages, say) would have an empty
    file part in its test ids (`::test_…[warung]`); it gets its path in the package instead."""
    if module_path != SUITE or module_path.is_relative_to(parent.config.rootpath):
        return None
    return pytest.Module.from_parent(parent, path=module_path, nodeid=SUITE_NODEID)
