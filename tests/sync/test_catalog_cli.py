"""`lapak catalog import` and `export` as a user meets them: a file problem is one located
line and exit status 2, never a traceback; export then import changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from lapak.cli import app
from typer.testing import CliRunner

runner = CliRunner()


@pytest.fixture(autouse=True, scope="module")
def english_messages() -> Iterator[None]:
    """These tests read the messages' English wording (the default is Bahasa Indonesia)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAPAK_LANG", "en")
        yield


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("LAPAK_DATABASE_URL", raising=False)
    monkeypatch.delenv("LAPAK_REDIS_URL", raising=False)
    path = tmp_path / "lapak.toml"
    path.write_text('[[merchants]]\nname = "Batik Sekar"\n')
    return path


def lapak(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("content", "name", "line"),
    [
        (b"", "kosong.csv", "kosong.csv: the file is empty: its first row must name the columns"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00",
            "foto.csv",
            "foto.csv: not a CSV or .xlsx file (a PNG image); save the catalog as .xlsx or CSV",
        ),
        (
            b"sku,name,harga,weight_grams\n",
            "katalog.csv",
            "katalog.csv: unknown columns: harga (known: sku, name, price, weight_grams, stock, "
            "description, group_sku, variant_name, image_urls, category_<platform>)",
        ),
    ],
    ids=["empty", "not-a-csv", "unknown-column"],
)
def test_a_file_problem_is_one_located_line_and_exit_2(
    config: Path, tmp_path: Path, content: bytes, name: str, line: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = lapak("catalog", "import", path, "--config", config)
    assert (code, out, err.splitlines()) == (2, "", [line])


def test_a_missing_file_and_a_bad_encoding_are_exit_2(config: Path, tmp_path: Path) -> None:
    code, _, err = lapak("catalog", "import", tmp_path / "nope.csv", "--config", config)
    assert code == 2 and err.strip().endswith("nope.csv: cannot read it: No such file or directory")
    path = tmp_path / "katalog.csv"
    path.write_bytes(b"sku;name;price;weight_grams\nA;Caf\xe9;1.000;100\n")
    code, _, err = lapak("catalog", "import", path, "--encoding", "utf-8", "--config", config)
    assert (code, err.strip()) == (
        2,
        "katalog.csv: not utf-8 text: byte 34 (e9) cannot be read; try another --encoding",
    )


def test_import_export_round_trip_through_the_cli(config: Path, tmp_path: Path) -> None:
    catalog = Path(__file__).resolve().parents[2] / "config" / "catalog.example.csv"
    code, out, _ = lapak("catalog", "import", catalog, "--config", config)
    assert (code, out.strip()) == (0, "7 created, 0 updated, 0 unchanged, 0 rejected")
    for name in ("katalog.csv", "katalog.xlsx"):
        code, out, _ = lapak("catalog", "export", tmp_path / name, "--config", config)
        assert (code, out.strip()) == (0, f"7 products written to {tmp_path / name}")
        code, out, _ = lapak("catalog", "import", tmp_path / name, "--config", config)
        assert (code, out.strip()) == (0, "0 created, 0 updated, 7 unchanged, 0 rejected")
    sheet = openpyxl.load_workbook(tmp_path / "katalog.xlsx").active
    prices = {row[0]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert prices["KOPI-GAYO-1KG"] == 315000
    code, _, err = lapak("catalog", "export", tmp_path / "katalog.ods", "--config", config)
    assert (code, err.strip()) == (2, "katalog.ods: write the catalog to a .csv or .xlsx file")


def test_a_bad_row_is_located_and_the_good_rows_import(config: Path, tmp_path: Path) -> None:
    path = tmp_path / "katalog.csv"
    path.write_text("sku,name,price,weight_grams\nA,Apel,15000.50,100\nB,Bayam,1.500,100\n")
    code, out, err = lapak("catalog", "import", path, "--config", config)
    assert code == 1
    assert out.strip() == "1 created, 0 updated, 0 unchanged, 1 rejected"
    assert err.strip() == f"{path}: row 3: price: '1.500' reads as 1500 or 1.5; write 1500 or 1,5"


def test_import_speaks_bahasa_indonesia_by_default(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LAPAK_LANG")  # the module's English undone: the default
    path = tmp_path / "katalog.csv"
    path.write_text("sku;name;price;weight_grams\nA;Apel;15.000;100\nB;Bayam;;100\n")
    code, out, err = lapak("catalog", "import", path, "--config", config)
    assert code == 1
    assert out.strip() == "1 baru, 0 diperbarui, 0 tidak berubah, 1 ditolak"
    assert err.strip() == f"{path}: baris 3, kolom price: kosong; setiap produk wajib punya isinya"
    empty = tmp_path / "kosong.csv"
    empty.write_bytes(b"")
    code, _, err = lapak("catalog", "import", empty, "--config", config)
    assert (code, err.strip()) == (
        2,
        "kosong.csv: file kosong: baris pertamanya harus berisi nama kolom",
    )


def test_lapak_init_sandbox_writes_the_sample_so_that_it_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LAPAK_DATABASE_URL", "LAPAK_REDIS_URL", "LAPAK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    code, _, _ = lapak("init", "--sandbox", "--platforms", "shopee,lazada", "--dir", tmp_path)
    assert code == 0
    code, out, err = lapak(
        "catalog", "import", tmp_path / "catalog.csv", "--config", tmp_path / "lapak.toml"
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "7 created, 0 updated, 0 unchanged, 0 rejected"
