"""`lapak init [--sandbox]` and `lapak sandbox`: a config that runs as written, ports by a
stated rule, refusals naming the store, buyers and placeholder images (issue 9, item 6)."""

from __future__ import annotations

import csv
import os
import re
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import lapak.cli.init as init_module
import lapak.cli.sandbox_plan as sandbox_plan
import pytest
from lapak.cli import app
from lapak.cli.sandbox_plan import SANDBOX_PORTS, plan_sandboxes
from lapak.config import load_config
from lapak.config.envfile import load_env_file
from typer.testing import CliRunner

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def invoke(*args: str | Path):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """lapak.env is read without overriding the environment: start each test without the
    variables an earlier one loaded."""
    for key in list(os.environ):
        if key.startswith(("TOKO_", "LAPAK_OPERATOR", "LAPAK_RESELLER")):
            monkeypatch.delenv(key)


def test_init_sandbox_writes_a_config_that_loads_as_written(
    tmp_path: Path, clean_env: None
) -> None:
    result = invoke("init", "--sandbox", "--dir", tmp_path)
    assert result.exit_code == 0, result.output
    env_file = tmp_path / "lapak.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    load_env_file(tmp_path / "lapak.toml")
    config = load_config(tmp_path / "lapak.toml")
    assert [s.platform for s in config.stores] == list(SANDBOX_PORTS)
    assert config.reseller_named("dewi") is not None and config.operator_token_secret
    plan = plan_sandboxes(config)
    assert plan.ports == SANDBOX_PORTS and not plan.elsewhere
    text = (tmp_path / "lapak.toml").read_text()
    assert text.count("\n#") > 10  # commented for the person who edits it
    for store in config.stores:  # no secret in the config: only variable names
        for value in store.credentials.model_dump(mode="json").values():
            assert value is None or str(value) not in text or len(str(value)) < 8
    granted = ("refresh_token", "access_token", "consumer_key", "consumer_secret", "shop_id")
    env = (tmp_path / "lapak.env").read_text()  # the app's keys only: connecting gives the rest
    assert not [key for key in granted if f"_{key.upper()}=" in env]
    assert "TOKO_TIKTOK_SERVICE_ID=" in env and "TOKO_SHOPIFY_CLIENT_ID=" in env


def test_init_for_named_platforms_leaves_real_keys_to_fill_in(
    tmp_path: Path, clean_env: None
) -> None:
    result = invoke("init", "--platforms", "shopee,lazada", "--dir", tmp_path)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "lapak.toml").read_text()
    assert re.findall(r'platform = "(\w+)"', text) == ["shopee", "lazada"]
    assert 'base_url = "https://partner.shopeemobile.com"' in text
    env = (tmp_path / "lapak.env").read_text()
    assert "TOKO_SHOPEE_PARTNER_KEY=\n" in env and "TOKO_LAZADA_APP_SECRET=\n" in env


def test_init_refuses_to_overwrite_and_unknown_platforms(tmp_path: Path, clean_env: None) -> None:
    (tmp_path / "lapak.env").write_text("MINE=1\n")
    result = invoke("init", "--sandbox", "--dir", tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path / 'lapak.env'} already exists" in result.output
    assert (tmp_path / "lapak.env").read_text() == "MINE=1\n"
    assert not (tmp_path / "lapak.toml").exists()
    unknown = invoke("init", "--platforms", "shopee,bukalapak", "--dir", tmp_path / "x")
    assert unknown.exit_code == 2 and "bukalapak" in unknown.output


def test_the_sandbox_sample_catalog_uses_placeholder_images_and_sandbox_categories(
    tmp_path: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = tmp_path / "catalog.example.csv"
    sample.write_text(
        "sku,name,price,weight_grams,stock,group_sku\n"
        "KOPI-1,Kopi Gayo,89000,280,10,\n"
        "BTK-M,Batik,185000,260,5,BTK\n"
    )
    monkeypatch.setattr(init_module, "SAMPLE_CATALOG", sample)
    out = tmp_path / "out"
    assert invoke("init", "--sandbox", "--platforms", "lazada,shopee", "--dir", out).exit_code == 0
    rows = list(csv.DictReader((out / "catalog.csv").open()))
    assert [r["image_urls"] for r in rows] == [
        "http://127.0.0.1:8903/_sandbox/images/KOPI-1.png",
        "http://127.0.0.1:8903/_sandbox/images/BTK.png",
    ]
    assert {r["category_shopee"] for r in rows} == {"100017"}
    assert all(r["category_lazada"] for r in rows) and rows[0]["price"] == "89000"


def test_a_base_url_on_another_platforms_port_is_refused_naming_the_store(
    tmp_path: Path, clean_env: None
) -> None:
    assert invoke("init", "--sandbox", "--dir", tmp_path).exit_code == 0
    config = tmp_path / "lapak.toml"
    config.write_text(config.read_text().replace("127.0.0.1:8903", "127.0.0.1:8901"))
    result = invoke("sandbox", "--config", config)
    assert result.exit_code == 2
    assert "store 'toko-lazada' (lazada)" in result.output
    assert "shopee sandbox's port (8901)" in result.output
    assert 'base_url = "http://127.0.0.1:8903"' in result.output


def test_a_platform_that_ships_no_sandbox_is_refused_by_init_and_sandbox(
    tmp_path: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connector needs no sandbox (`lapak.sandboxes` is its own entry-point group); asking
    for one of a platform that has none is a user error naming the platform and the store."""
    assert invoke("init", "--sandbox", "--dir", tmp_path).exit_code == 0
    without_lazada = [p for p in SANDBOX_PORTS if p != "lazada"]
    monkeypatch.setattr(sandbox_plan, "sandbox_platforms", lambda: without_lazada)
    monkeypatch.setattr(init_module, "sandbox_platforms", lambda: without_lazada)

    served = invoke("sandbox", "--config", tmp_path / "lapak.toml")
    assert served.exit_code == 2
    assert "store 'toko-lazada' (lazada)" in served.output
    assert "the lazada connector ships no sandbox" in served.output

    written = invoke("init", "--sandbox", "--platforms", "shopee,lazada", "--dir", tmp_path / "x")
    assert written.exit_code == 2 and "lazada has no sandbox" in written.output
    assert not (tmp_path / "x" / "lapak.toml").exists()
    real = invoke("init", "--platforms", "shopee,lazada", "--dir", tmp_path / "y")
    assert real.exit_code == 0, real.output  # real keys to fill in: no sandbox needed


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def test_lapak_sandbox_serves_each_store_at_its_base_url_with_buyers_and_images(
    tmp_path: Path, clean_env: None
) -> None:
    assert invoke("init", "--sandbox", "--platforms", "shopee,woocommerce", "--dir", tmp_path)
    config = tmp_path / "lapak.toml"
    shopee_port, woo_port = _free_ports(2)  # not the fixed ports: another run may hold them
    text = config.read_text().replace(":8901", f":{shopee_port}").replace(":8906", f":{woo_port}")
    config.write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKO_")}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "lapak"),
            "sandbox",
            "--buyers",
            "20",
            "--config",
            str(config),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        stores = sorted(lines[:2])  # printed by port, and the free ports come in any order
        assert f"base_url = http://127.0.0.1:{shopee_port}" in stores[0]
        assert stores[0].split()[:2] == ["toko-shopee", "shopee"]
        assert f"base_url = http://127.0.0.1:{woo_port}" in stores[1]
        assert "placeholder images" in lines[2] and "buyers: 20" in lines[3]
        shopee = f"http://127.0.0.1:{shopee_port}"
        images = [
            httpx.get(f"http://127.0.0.1:{port}/_sandbox/images/KOPI-1.png")
            for port in (shopee_port, woo_port)
        ]
        assert all(
            i.status_code == 200 and i.headers["content-type"] == "image/png" for i in images
        )
        assert images[0].content == images[1].content and images[0].content[:4] == b"\x89PNG"
        other = httpx.get(f"{shopee}/_sandbox/images/SAMBAL.png").content
        assert other != images[0].content
        [shop] = httpx.get(f"{shopee}/_sandbox/shops").json()
        listing = {"sku": "KOPI-1", "name": "Kopi", "price": 89000, "stock": 1000}
        url = f"{shopee}/_sandbox/shops/{shop['name']}/listings"
        assert httpx.post(url, json=listing).is_success
        deadline = time.monotonic() + 30
        while not httpx.get(f"{shopee}/_sandbox/shops").json()[0]["orders"]:
            assert time.monotonic() < deadline, "the buyers placed no order"
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(10)
    assert process.returncode == 0
