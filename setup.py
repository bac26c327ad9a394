"""Maps the repository's top-level folders to one import root: `sync/` installs as
`lapak.sync`, `connectors/` as `lapak.connectors`, and so on (the rest of the packaging is in
pyproject.toml). `.ci/package_view.py` builds the same tree out of symlinks for mypy and
import-linter, which cannot follow an editable install's import hook."""

from setuptools import find_packages, setup

FOLDERS = ("sync", "connectors", "jobs", "config", "web", "wiring", "cli", "sandboxes")


def packages() -> list[str]:
    """Every package under the root: `lapak`, its own subpackages and each mapped folder's."""
    found = ["lapak", *(f"lapak.{name}" for name in find_packages("lapak"))]
    for folder in FOLDERS:
        found += [f"lapak.{folder}", *(f"lapak.{folder}.{name}" for name in find_packages(folder))]
    return found


if __name__ == "__main__":
    setup(
        package_dir={"lapak": "lapak", **{f"lapak.{folder}": folder for folder in FOLDERS}},
        packages=packages(),
    )
