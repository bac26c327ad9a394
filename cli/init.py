"""`lapak init [--sandbox] [--platforms …]`: a commented config, its secrets file and a
sample catalog in the current directory, ready to edit (or, with `--sandbox`, ready to run
against `lapak sandbox` as written).

The credentials written are the app's own keys (`sync.connect.app_key_fields`: the
plugin's `authorization.app_keys`), named by environment variable in `lapak.toml` and
valued in `lapak.env` (mode 0600): the sandbox app's fake keys with `--sandbox`, empty lines
to fill in otherwise. What a seller's authorization gives (shop ids, tokens) is left to
`lapak connect STORE`. Nothing existing is ever overwritten.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

import typer
from lapak.cli.common import console, err
from lapak.cli.sandbox_plan import SANDBOX_HOST, SANDBOX_PORTS, sandbox_url
from lapak.sandboxes.registry import platforms as sandbox_platforms
from lapak.sandboxes.registry import sandbox_for
from lapak.sync.connect import app_key_fields
from lapak.sync.i18n import gettext
from lapak.sync.private_files import write_private
from lapak.sync.registry import UnknownPlatformError, plugin_for

ALL_PLATFORMS = tuple(SANDBOX_PORTS)
MERCHANT = "Toko Saya"
RESELLER = "Dewi"
WEB_URL = "http://127.0.0.1:8000"
"""Where `lapak run` serves by default: the sandboxes push order events there."""
SAMPLE_CATALOG = files("lapak.config") / "catalog.example.csv"
"""Shipped with the `config` package (package data): found from a checkout or a wheel."""
REAL_HOSTS = {
    "shopee": ("https://partner.shopeemobile.com", ""),
    "tokopedia": ("https://fs.tokopedia.net", ""),
    "lazada": ("https://api.lazada.co.id/rest", ""),
    "tiktok": ("https://open-api.tiktokglobalshop.com", ""),
    "shopify": ("https://NAMA-TOKO.myshopify.com", "your shop's myshopify address"),
    "woocommerce": ("https://NAMA-TOKO.id", "your WordPress site's address"),
}


def _env_name(store: str, key: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", f"{store}_{key}".upper())


def _store_table(
    platform: str, name: str, base_url: str, note: str, env_names: dict[str, str], left: list[str]
) -> str:
    lines = [
        "[[stores]]",
        f'name = "{name}"',
        f'platform = "{platform}"',
        f'merchant = "{MERCHANT}"',
        f"# The marketplace's API host{f' ({note})' if note else ''}.",
        f'base_url = "{base_url}"',
        "# Units held back from this store, and its price: catalog price + markup, rounded up.",
        "stock_buffer = 0",
        "price_rule = { markup_percent = 0, round_to = 100 }",
        "",
        "# Environment variable NAMES (their values are in lapak.env, never in this file).",
        "# The app's own keys: the shop's ids and tokens come from `lapak connect STORE`",
        "# (the optional ones below only for a store authorized by hand).",
        "[stores.credentials]",
        *(f'{key} = "{env}"' for key, env in env_names.items()),
        *(f'# {key} = "{_env_name(name, key)}"   (optional)' for key in left),
    ]
    return "\n".join(lines) + "\n"


def _credentials(platform: str, name: str, index: int, sandbox: bool) -> tuple[dict, list[str]]:
    """(key → value to write, optional keys left out) for one store: the app's keys only."""
    plugin = plugin_for(platform)
    fields = plugin.credentials_model.model_fields
    if sandbox:
        fakes = sandbox_for(plugin.platform).credentials(name, index)
        values = {key: fakes[key] for key in app_key_fields(plugin) if key in fakes}
    else:
        values = {key: "" for key, info in fields.items() if info.is_required()}
    return values, [key for key in fields if key not in values]


def _base_url(platform: str, position: int, sandbox: bool) -> tuple[str, str]:
    if sandbox:
        if platform in SANDBOX_PORTS:
            return sandbox_url(platform), "`lapak sandbox` serves it"
        port = max(SANDBOX_PORTS.values()) + 1 + position  # a plugin's own: after ours
        return f"http://{SANDBOX_HOST}:{port}", "`lapak sandbox` serves it"
    return REAL_HOSTS.get(platform, ("https://API-HOST-OF-THE-MARKETPLACE", "replace it"))


def _sample_catalog(platforms: list[str], image_base: str | None) -> str | None:
    """The shipped sample catalog; with `image_base`, every row's image is a sandbox
    placeholder and every platform's category one its sandbox accepts."""
    if not SAMPLE_CATALOG.is_file():
        return None
    text = SAMPLE_CATALOG.read_text(encoding="utf-8-sig")
    if image_base is None:
        return text
    header = text.split("\n", 1)[0]
    separator = ";" if header.count(";") > header.count(",") else ","  # the sample's own
    rows = list(csv.DictReader(io.StringIO(text), delimiter=separator))
    columns = list(rows[0]) if rows else []
    categories = {f"category_{p}": _sandbox_category(p) for p in platforms}
    for column in ["image_urls", *categories]:
        if column not in columns:
            columns.append(column)
    for row in rows:
        picture = row.get("group_sku") or row.get("sku") or "produk"
        row["image_urls"] = f"{image_base}/_sandbox/images/{_slug(picture)}.png"
        row.update(categories)
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, delimiter=separator, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:100] or "produk"


def _sandbox_category(platform: str) -> str:
    app = sandbox_for(platform).app([])
    try:
        return str(app.state.control.sample_category)
    finally:
        app.state.control.close()


def init(
    sandbox: Annotated[
        bool, typer.Option(help="Stores on the sandbox marketplaces (`lapak sandbox`).")
    ] = False,
    platforms: Annotated[
        str, typer.Option(help="Comma-separated platforms, one store each.")
    ] = ",".join(ALL_PLATFORMS),
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the files.")] = Path("."),
) -> None:
    """Write a commented lapak.toml, lapak.env (0600) and catalog.csv to start from."""
    chosen = [p.strip() for p in platforms.split(",") if p.strip()]
    if not chosen or len(set(chosen)) != len(chosen):
        message = gettext("--platforms %(value)r: name each platform once, comma-separated")
        err.print(message % {"value": platforms}, markup=False)
        raise typer.Exit(2)
    for platform in chosen:
        try:
            plugin_for(platform)
        except UnknownPlatformError as unknown:
            message = gettext("--platforms: unknown platform %(platform)r (registered: %(known)s)")
            known = ", ".join(unknown.known) or "-"
            err.print(message % {"platform": platform, "known": known}, markup=False)
            raise typer.Exit(2) from None
        if sandbox and platform not in sandbox_platforms():
            message = gettext(
                "--platforms: %(platform)s has no sandbox (sandboxes: %(known)s); "
                "leave out --sandbox or the platform"
            )
            known = ", ".join(sandbox_platforms()) or "-"
            err.print(message % {"platform": platform, "known": known}, markup=False)
            raise typer.Exit(2)
    files = {name: directory / name for name in ("lapak.toml", "lapak.env", "catalog.csv")}
    for path in files.values():
        if path.exists():
            message = gettext(
                "%(path)s already exists: lapak init never overwrites a file; move it away first"
            )
            err.print(message % {"path": path}, markup=False)
            raise typer.Exit(2)

    env: dict[str, Any] = {
        "LAPAK_OPERATOR_TOKEN": f"ops-{secrets.token_urlsafe(16)}",
        "LAPAK_RESELLER_DEWI_TOKEN": f"dewi-{secrets.token_urlsafe(16)}",
    }
    tables, stores = [], []
    for index, platform in enumerate(chosen):
        name = f"toko-{platform}"
        values, left = _credentials(platform, name, index, sandbox)
        names = {key: _env_name(name, key) for key in values}
        env |= {names[key]: value for key, value in values.items()}
        base_url, note = _base_url(platform, index, sandbox)
        tables.append(_store_table(platform, name, base_url, note, names, left))
        stores.append(name)

    catalog = _sample_catalog(chosen, sandbox_url(chosen[0]) if sandbox else None)
    directory.mkdir(parents=True, exist_ok=True)
    files["lapak.toml"].write_text(_config_text(tables, stores, sandbox), encoding="utf-8")
    write_private(files["lapak.env"], _env_text(env, sandbox))
    if catalog is not None:
        files["catalog.csv"].write_text(catalog, encoding="utf-8")
    written = [str(path) for key, path in files.items() if key != "catalog.csv" or catalog]
    message = gettext("wrote %(files)s (%(count)d stores: %(stores)s)")
    values = {"files": ", ".join(written), "count": len(chosen), "stores": ", ".join(stores)}
    console.print(message % values, markup=False)
    if sandbox:
        next_steps = gettext(
            "next: `lapak sandbox` (another terminal), `lapak run` (another terminal), "
            "`lapak connect STORE` for each store (Authorize on the page it opens), "
            "`lapak catalog import catalog.csv`"
        )
    else:
        next_steps = gettext(
            "next: fill in lapak.env (and base_url where it says), `lapak run`, then "
            "`lapak connect STORE` for each store"
        )
    console.print(next_steps, markup=False)


def _config_text(tables: list[str], stores: list[str], sandbox: bool) -> str:
    where = (
        "on the sandbox marketplaces `lapak sandbox` serves (fake shops, fake buyers)"
        if sandbox
        else "on the real marketplaces: fill in lapak.env with your app's keys"
    )
    public = (
        f'public_url = "{WEB_URL}"' if sandbox else '# public_url = "https://lapak.toko-saya.id"'
    )
    store_list = ", ".join(f'"{name}"' for name in stores)
    return f"""# Lapak configuration written by `lapak init`: one store per platform
# {where}.
# Every key is explained in config/lapak.example.toml and the README's "Config reference".
# Secrets never go in this file: [stores.credentials] names environment variables, and
# lapak.env beside this file (mode 0600) holds their values.

[lapak]
# The operators' token (opens /ops/): its value is in lapak.env.
operator_token_env = "LAPAK_OPERATOR_TOKEN"
# Where the marketplaces send order events (Lapak's web address, webhooks at /webhooks/STORE).
{public}

# The business (UMKM) that owns the catalog and the stores.
[[merchants]]
name = "{MERCHANT}"

{chr(10).join(tables)}
# A reseller works the order queue of these stores from a phone, with the token in lapak.env.
[[resellers]]
name = "{RESELLER}"
token_env = "LAPAK_RESELLER_DEWI_TOKEN"
stores = [{store_list}]
"""


def _env_text(env: dict[str, Any], sandbox: bool) -> str:
    stores = "the store keys are the sandbox's fakes" if sandbox else "fill in the empty ones"
    return (
        f"# Secrets for lapak.toml (KEY=value): {stores}. The tokens open Lapak: keep this\n"
        "# file private (mode 0600).\n" + "".join(f"{key}={value}\n" for key, value in env.items())
    )
