"""Citations cannot rot: every `docs/<file>.md#<anchor>` a comment or docstring cites names a
file under docs/ and a heading in it, with the anchor GitHub makes from that heading."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SKIPPED_DIRS = {"build", "node_modules", "__pycache__"}
CITATION = re.compile(r"(?<![\w/.-])docs/([\w.-]+\.md)(?:#([\w-]+))?")
"""`docs/x.md#a` of this repository; `owner/repo/docs/x.md` (another repository's) is not."""
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: its text as rendered (code spans and links reduced
    to their text), lower-cased, punctuation other than `-` and `_` dropped, spaces as `-`."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every heading anchor of a markdown file; a repeated one gets -1, -2, … as on GitHub."""
    seen: Counter[str] = Counter()
    found = set()
    in_fence = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else HEADING.match(line)
        if match:
            anchor = github_anchor(match.group(1))
            found.add(f"{anchor}-{seen[anchor]}" if seen[anchor] else anchor)
            seen[anchor] += 1
    return found


def python_files() -> list[Path]:
    """The project's Python files but this one, whose examples cite on purpose."""
    return [
        path
        for path in ROOT.rglob("*.py")
        if path != Path(__file__).resolve()
        and not any(
            part.startswith(".") or part in SKIPPED_DIRS or part.endswith(".egg-info")
            for part in path.relative_to(ROOT).parts[:-1]
        )
    ]


def citations() -> list[tuple[str, str, str | None]]:
    """(where, file, anchor) of every docs/… citation in the project's Python files."""
    found = []
    for path in python_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in CITATION.finditer(line):
                where = f"{path.relative_to(ROOT)}:{number}"
                found.append((where, match.group(1), match.group(2)))
    return found


def broken(cites: list[tuple[str, str, str | None]], docs: Path) -> list[str]:
    problems = []
    for where, name, anchor in cites:
        target = docs / name
        if not target.is_file():
            problems.append(f"{where}: docs/{name} does not exist")
        elif anchor and anchor not in anchors(target.read_text(encoding="utf-8")):
            problems.append(f"{where}: docs/{name} has no heading with anchor #{anchor}")
    return problems


def test_every_cited_docs_file_and_anchor_exists() -> None:
    cites = citations()
    assert any(anchor for _, _, anchor in cites), "expected anchored citations in comments"
    assert broken(cites, DOCS) == []


def test_no_comment_cites_a_document_outside_the_repository() -> None:
    # Spelled with classes so that grepping the repository for the old citations finds none here.
    outside = re.compile(r"(?<!docs/)\bmarketplaces[.]md\b|\bD[E]SIGN\b|\bF[I]ELD(?:[.]md)?\s+\d")
    hits = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in python_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if outside.search(line)
    ]
    assert hits == []


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Shopee rate limits", "shopee-rate-limits"),
        ("TikTok Shop auth and signing", "tiktok-shop-auth-and-signing"),
        (
            "Reading before writing (`sync/stock_check.py`)",
            "reading-before-writing-syncstock_checkpy",
        ),
        (
            "Pushing a store: one push at a time, each SKU created once",
            "pushing-a-store-one-push-at-a-time-each-sku-created-once",
        ),
        ("The [rules](rules.md) in one breath", "the-rules-in-one-breath"),
    ],
)
def test_anchor_as_github_makes_it(heading: str, anchor: str) -> None:
    assert github_anchor(heading) == anchor


def test_repeated_heading_and_fenced_lines() -> None:
    markdown = "# Orders\n## Orders\n```\n# not a heading\n```\n"
    assert anchors(markdown) == {"orders", "orders-1"}


def test_a_missing_anchor_or_file_is_named_with_its_place(tmp_path: Path) -> None:
    (tmp_path / "rules.md").write_text("# The rules\n## Rule one\n", encoding="utf-8")
    cites = [
        ("a.py:1", "rules.md", "rule-one"),
        ("a.py:2", "rules.md", "rule-two"),
        ("b.py:3", "gone.md", None),
    ]
    assert broken(cites, tmp_path) == [
        "a.py:2: docs/rules.md has no heading with anchor #rule-two",
        "b.py:3: docs/gone.md does not exist",
    ]
