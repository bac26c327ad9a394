"""Build `build/typecheck/lapak/`: the installed package's tree (real directories, each
module a symlink to its file in the repository) and print `build/typecheck`.

mypy and import-linter find packages on the file system; an editable install reaches
`lapak.sync` (the folder `sync/`) through setuptools' import hook, which neither follows. With
this tree on `MYPYPATH` / `PYTHONPATH` both see `lapak.*` as the wheel installs it, and a
mypy error names `build/typecheck/lapak/sync/push.py`, which is `sync/push.py`.
"""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from setup import FOLDERS  # noqa: E402  (the one list of mapped folders)

view = ROOT / "build" / "typecheck"
shutil.rmtree(view, ignore_errors=True)
package = view / "lapak"
package.mkdir(parents=True)


def link_tree(source: Path, target: Path) -> None:
    """Mirror `source`'s modules under `target`: import-linter walks real directories only."""
    for module in source.rglob("*.py"):
        link = target / module.relative_to(source)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(module)


link_tree(ROOT / "lapak", package)
(package / "py.typed").symlink_to(ROOT / "lapak" / "py.typed")
for folder in FOLDERS:
    link_tree(ROOT / folder, package / folder)
print(view.relative_to(ROOT))
