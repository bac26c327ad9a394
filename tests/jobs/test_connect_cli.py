"""`lapak connect STORE --paste`, run as a user runs it: the link printed, the seller
authorizing on the sandbox's page, the address the browser ended on pasted back."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lapak.sandboxes.kit.consent import _FirstForm
from lapak.sandboxes.registry import sandbox_for
from lapak.wiring.server import serve

STORE = "toko-lazada"
KEYS = {"app_key": "120077", "app_secret": "cli-lazada-secret-0123456789"}
LAPAK = [sys.executable, "-c", "from cli import main; main()"]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[object, Path, dict[str, str]]]:
    app = sandbox_for("lazada").app([{"name": STORE, **KEYS}])
    server = serve(app)
    env = {**os.environ, "CLI_LAZADA_APP_KEY": KEYS["app_key"]}
    env["CLI_LAZADA_APP_SECRET"] = KEYS["app_secret"]
    config = tmp_path / "lapak.toml"
    config.write_text(
        f'[lapak]\ndatabase_url = "sqlite:///{tmp_path / "lapak.db"}"\n'
        '[[merchants]]\nname = "Toko"\n'
        f'[[stores]]\nname = "{STORE}"\nplatform = "lazada"\nmerchant = "Toko"\n'
        f'base_url = "{server.url}"\n[stores.credentials]\n'
        'app_key = "CLI_LAZADA_APP_KEY"\napp_secret = "CLI_LAZADA_APP_SECRET"\n'
    )
    try:
        yield app.state.sandbox, config, env
    finally:
        server.stop()


def _authorize(link: str) -> str:
    """Press Authorize on the sandbox's page; the address the browser is sent to."""
    with httpx.Client(follow_redirects=False) as browser:
        page = browser.get(link)
        form = _FirstForm()
        form.feed(page.text)
        answer = browser.post(httpx.URL(link).join(form.action), data=form.fields)
    assert answer.status_code == 303
    return answer.headers["location"]


def _connect(config: Path, env: dict[str, str], advance: object = None) -> tuple[int, str, str]:
    process = subprocess.Popen(
        [*LAPAK, "connect", STORE, "--paste", "--config", str(config), "--port", "9"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None and process.stdin is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("http"):
            break
    else:
        raise AssertionError(f"no link printed: {lines} {process.communicate()}")
    redirect = _authorize(lines[-1].strip())
    if callable(advance):
        advance()
    out, error = process.communicate(redirect + "\n", timeout=60)
    return process.returncode, "".join(lines) + out, error


def test_paste_mode_connects_and_never_prints_a_token(sandbox) -> None:  # type: ignore[no-untyped-def]
    _, config, env = sandbox

    status, out, error = _connect(config, env)

    assert status == 0, error
    assert f"connected {STORE} (lazada), token valid until " in out
    assert "WIB" in out
    assert "50000" not in out + error  # the sandbox's access and refresh tokens start so


def test_the_success_line_is_in_bahasa_indonesia_by_default(sandbox) -> None:  # type: ignore[no-untyped-def]
    _, config, env = sandbox
    env = {key: value for key, value in env.items() if key != "LAPAK_LANG"}

    status, out, error = _connect(config, env)

    assert status == 0, error
    assert "Buka tautan ini" in out
    assert f"{STORE} (lazada) terhubung, token berlaku sampai " in out
    assert "WIB (diperbarui otomatis)" in out


def test_an_expired_code_exits_2_saying_what_to_do(sandbox) -> None:  # type: ignore[no-untyped-def]
    lazada, config, env = sandbox

    status, _, error = _connect(config, env, advance=lambda: lazada.clock.advance(31 * 60))

    assert status == 2
    assert f"{STORE} is not connected" in error
    assert "the code may have expired" in error
    assert "Traceback" not in error


def test_an_unknown_store_exits_2(sandbox) -> None:  # type: ignore[no-untyped-def]
    _, config, env = sandbox

    done = subprocess.run(
        [*LAPAK, "connect", "nope", "--paste", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )

    assert done.returncode == 2
    assert "no store named 'nope'" in done.stderr
    assert "Traceback" not in done.stderr
