"""The config loader on bad files: every problem is a located line (`ConfigError`), never a
traceback; and the CLI turns it into exit status 2."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import strategies as st
from lapak.config import ConfigError, load_config

from tests.fuzz.harness import boundary

EXAMPLE = (Path(__file__).parents[2] / "config" / "lapak.example.toml").read_bytes()
LINES = EXAMPLE.splitlines()
TOML_VALUES = [
    b"18446744073709551616",
    b"-1",
    b"1e999",
    b"nan",
    b"inf",
    b'"\\u0000"',
    b'""',
    b"[]",
    b"{}",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    b"1979-05-27T07:32:00Z",
    b"true",
    b'"x"',
    b"\xff\xfe",
]
_files = itertools.count()


@st.composite
def configs(draw: st.DrawFn) -> bytes:
    """The annotated example with one to three lines broken, or plain bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        action = draw(st.sampled_from(["value", "value", "drop", "bytes", "duplicate"]))
        if action == "value" and b"=" in line:
            key = line.split(b"=", 1)[0]
            lines[index] = key + b"= " + draw(st.sampled_from(TOML_VALUES))
        elif action == "drop":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, line)
        else:
            lines[index] = draw(st.binary(max_size=30))
    return b"\n".join(lines)


@pytest.fixture
def config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("config")


@boundary(
    "config.loader",
    configs(),
    allowed=(ConfigError,),
    examples=[EXAMPLE.replace(b"[lapak]", b"[lapak]\n# \xff\xfe not UTF-8", 1)],
    fixtures=("config_dir",),
)
def test_config_loader(text: bytes, config_dir: Path) -> None:
    path = config_dir / f"lapak-{next(_files)}.toml"
    path.write_bytes(text)
    try:
        load_config(path, env={})
    except ConfigError as error:
        assert error.problems and all(p.startswith(path.name) for p in error.problems), error
        raise
