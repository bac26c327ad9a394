"""The one import root: every module of Lapak is `lapak.…` (setup.py maps the folders)."""

import ast
from pathlib import Path

from setup import FOLDERS, packages

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("lapak", *FOLDERS, "tests", "benchmarks")


def python_files() -> list[Path]:
    return [path for folder in SOURCES for path in (ROOT / folder).rglob("*.py")]


def test_no_module_imports_a_folder_by_its_bare_name() -> None:
    """`import sync` works in a checkout (the folder is there) and nowhere else."""
    bare = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            bare += [
                f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
                for name in names
                if name.split(".")[0] in FOLDERS
            ]
    assert not bare, "\n".join(bare)


def test_every_package_folder_is_mapped_under_lapak() -> None:
    """A new subpackage ships in the wheel without anyone listing it."""
    shipped = set(packages())
    folders = {
        init.parent.relative_to(ROOT).as_posix()
        for folder in ("lapak", *FOLDERS)
        for init in (ROOT / folder).rglob("__init__.py")
    }
    expected = {
        name if name == "lapak" or name.startswith("lapak/") else f"lapak/{name}"
        for name in folders
    }
    assert {name.replace("/", ".") for name in expected} == shipped
