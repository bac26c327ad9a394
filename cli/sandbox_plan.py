"""Which sandbox `lapak sandbox` serves on which port, read from the config without guessing.

The rule: each platform Lapak ships with has a fixed loopback port (`SANDBOX_PORTS`, 8901
Shopee … 8906 WooCommerce), the one `lapak init --sandbox` writes into every store's
`base_url`. `lapak sandbox` serves a platform's sandbox on the port its stores' `base_url`
names, so an edited port is honoured; a `base_url` on another platform's fixed port, two
platforms on one port or one platform on two ports is refused, naming the store. A store
whose `base_url` is not on this machine (a real marketplace) is left alone; one on this
machine whose platform ships no sandbox (`lapak.sandboxes`) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lapak.config import LapakConfig
from lapak.config.models import StoreConfig
from lapak.sandboxes.registry import platforms as sandbox_platforms
from lapak.sandboxes.registry import sandbox_for
from lapak.sync.i18n import N_, translate
from pydantic import SecretStr

SANDBOX_HOST = "127.0.0.1"
SANDBOX_PORTS = {
    "shopee": 8901,
    "tokopedia": 8902,
    "lazada": 8903,
    "tiktok": 8904,
    "shopify": 8905,
    "woocommerce": 8906,
}
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def sandbox_url(platform: str) -> str:
    """The `base_url` of a store of `platform` on its sandbox (`lapak init --sandbox`)."""
    return f"http://{SANDBOX_HOST}:{SANDBOX_PORTS[platform]}"


class SandboxPlanError(Exception):
    """A config `lapak sandbox` cannot serve as written; the message names the store."""


@dataclass
class SandboxPlan:
    ports: dict[str, int] = field(default_factory=dict)
    """Platform → the loopback port its sandbox is served on."""
    stores: dict[str, list[tuple[int, StoreConfig]]] = field(default_factory=dict)
    """Platform → its stores (with their index in the config) the sandbox holds."""
    elsewhere: list[StoreConfig] = field(default_factory=list)
    """Stores whose `base_url` is not on this machine: not served."""


def plan_sandboxes(config: LapakConfig) -> SandboxPlan:
    plan = SandboxPlan()
    owner_of_port: dict[int, StoreConfig] = {}
    for index, store in enumerate(config.stores):
        where = translate(
            N_("%(file)s: store %(store)r (%(platform)s)"),
            file=config.path.name,
            store=store.name,
            platform=store.platform,
        )
        url = urlsplit(store.base_url)
        if url.hostname not in LOOPBACK:
            plan.elsewhere.append(store)
            continue
        if store.platform not in sandbox_platforms():
            raise SandboxPlanError(
                where
                + ": "
                + translate(
                    N_(
                        "the %(platform)s connector ships no sandbox (sandboxes: %(known)s); "
                        "point base_url at the marketplace itself"
                    ),
                    platform=store.platform,
                    known=", ".join(sandbox_platforms()) or "-",
                )
            )
        if url.port is None:
            raise SandboxPlanError(
                where
                + ": "
                + translate(
                    N_("base_url %(url)s names no port; write %(suggested)s"),
                    url=store.base_url,
                    suggested=_suggested(store.platform),
                )
            )
        port = url.port
        for platform, fixed in SANDBOX_PORTS.items():
            if fixed == port and platform != store.platform:
                raise SandboxPlanError(
                    where
                    + ": "
                    + translate(
                        N_(
                            "base_url %(url)s is the %(platform)s sandbox's port (%(port)s); "
                            "write %(suggested)s"
                        ),
                        url=store.base_url,
                        platform=platform,
                        port=fixed,
                        suggested=_suggested(store.platform),
                    )
                )
        taken = owner_of_port.get(port)
        if taken is not None and taken.platform != store.platform:
            raise SandboxPlanError(
                where
                + ": "
                + translate(
                    N_(
                        "port %(port)s is already the %(platform)s sandbox's (store %(store)r); "
                        "one port serves one platform"
                    ),
                    port=port,
                    platform=taken.platform,
                    store=taken.name,
                )
            )
        served = plan.ports.setdefault(store.platform, port)
        if served != port:
            raise SandboxPlanError(
                where
                + ": "
                + translate(
                    N_(
                        "base_url port %(port)s, but other %(platform)s stores use %(served)s; "
                        "one platform's stores share one sandbox port"
                    ),
                    port=port,
                    platform=store.platform,
                    served=served,
                )
            )
        owner_of_port[port] = store
        plan.stores.setdefault(store.platform, []).append((index, store))
    return plan


def _suggested(platform: str) -> str:
    if platform in SANDBOX_PORTS:
        return f'base_url = "{sandbox_url(platform)}"'
    return f'base_url = "http://{SANDBOX_HOST}:PORT" (a free port of your choosing)'


def sandbox_shops(stores: list[tuple[int, StoreConfig]]) -> list[dict[str, Any]]:
    """The stores as their sandbox wants them: the plugin's fake values for the store's
    position (what `lapak init --sandbox` wrote), overridden by the config's credentials
    in clear, so the sandbox and Lapak agree on every key either has."""
    shops = []
    for index, store in stores:
        values = {
            key: value.get_secret_value() if isinstance(value, SecretStr) else value
            for key, value in store.credentials.model_dump(exclude_none=True).items()
        }
        fakes = sandbox_for(store.platform).credentials(store.name, index)
        shops.append({"name": store.name, **fakes, **values})
    return shops
