"""What a Lapak config file declares, and the resolved configuration the processes run on.

Two layers: the `*Entry` models validate the shape of each TOML table (types, ranges,
unknown keys); `config.loader` then resolves references (platforms, merchants, stores,
environment variables) into the frozen `LapakConfig`. Secrets never appear in the file,
only the names of the environment variables that hold them.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from lapak.sync.i18n import DEFAULT_ZONE, zone_of
from lapak.sync.protocol import ConnectorPlugin
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, SecretStr

ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
STORE_NAME_PATTERN = r"^[a-z0-9_-]+$"
WEBHOOK_MAX_BYTES = 1024 * 1024
"""Default cap on a webhook body: marketplaces' order pushes are a few kilobytes."""

StrayAction = Literal["zero", "report"]
"""What the read-back does with a stray listing (a catalog SKU on an item Lapak did not
bind): set its stock to 0, or only report it to operators."""

EnvName = Annotated[str, Field(pattern=ENV_NAME_PATTERN, max_length=200)]
"""The name of an environment variable (never its value)."""


def _known_zone(name: str) -> str:
    zone_of(name)  # ValueError naming the choices
    return name.upper() if name.upper() in ("WIB", "WITA", "WIT") else name


TimeZoneName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_known_zone)]
"""A store's time zone: WIB, WITA, WIT (as Indonesians name them) or an IANA name."""

if TYPE_CHECKING:
    BaseUrl = str
else:
    BaseUrl = Annotated[HttpUrl, AfterValidator(lambda url: str(url).rstrip("/"))]
    """An http(s) URL, validated as such and kept as a string without a trailing slash."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PriceRule(_Entry):
    """A store's price: catalog price plus `markup_percent`, rounded UP to a multiple of
    `round_to` (in the store's currency, e.g. 500 rupiah); see `sync.stock.store_price`.

    Precision matches the `stores` columns, so a stored rule compares equal to its source."""

    markup_percent: Decimal = Field(default=Decimal(0), gt=-100, max_digits=7, decimal_places=3)
    round_to: Decimal = Field(default=Decimal(1), gt=0, max_digits=12, decimal_places=2)


class LapakSection(_Entry):
    """The optional `[lapak]` table."""

    database_url: str | None = Field(default=None, min_length=1)
    redis_url: str | None = Field(default=None, pattern=r"^(redis|rediss|unix)://")
    operator_token_env: EnvName | None = None
    public_url: BaseUrl | None = None
    webhook_max_bytes: int = Field(default=WEBHOOK_MAX_BYTES, ge=1024, le=64 * 1024 * 1024)
    protect_metrics: bool = False
    protect_docs: bool = False
    stray_listings: StrayAction = "zero"


class MerchantEntry(_Entry):
    name: str = Field(min_length=1, max_length=120)


class StoreEntry(_Entry):
    """One `[[stores]]` table as written; references are checked by the loader."""

    name: str = Field(pattern=STORE_NAME_PATTERN, max_length=120)
    platform: str = Field(min_length=1)
    merchant: str = Field(min_length=1)
    base_url: BaseUrl
    credentials: dict[str, EnvName] = Field(default_factory=dict)
    stock_buffer: int = Field(default=0, ge=0)
    stock_allocation: int | None = Field(default=None, ge=0)
    price_rule: PriceRule = PriceRule()
    poll_interval_seconds: float = Field(default=60, ge=1)
    rate_limit_per_second: float | None = Field(default=None, gt=0)
    enabled: bool = True
    stray_listings: StrayAction | None = None
    timezone: TimeZoneName = DEFAULT_ZONE


class ResellerEntry(_Entry):
    name: str = Field(min_length=1, max_length=120)
    token_env: EnvName
    stores: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class StoreConfig:
    """A declared store with its plugin and its validated credentials."""

    name: str
    platform: str
    merchant: str
    base_url: str
    plugin: ConnectorPlugin = field(repr=False, compare=False)
    credentials: BaseModel = field(repr=False)
    """The plugin's `credentials_model` instance; secret fields are `SecretStr`."""
    stock_buffer: int = 0
    stock_allocation: int | None = None
    price_rule: PriceRule = field(default_factory=PriceRule)
    poll_interval_seconds: float = 60
    rate_limit_per_second: float | None = None
    enabled: bool = True
    stray_listings: StrayAction | None = None
    """This store's own choice; None: the `[lapak]` one (`LapakConfig.stray_action`)."""
    timezone: str = DEFAULT_ZONE
    """Where the store's resellers are: its orders' times are shown in this zone."""

    @property
    def rate_per_second(self) -> float:
        """Calls per second allowed to this store: the override, else the platform's limit."""
        return self.rate_limit_per_second or self.plugin.limits.rate_per_second


@dataclass(frozen=True)
class Reseller:
    name: str
    token: SecretStr
    stores: tuple[str, ...]


@dataclass(frozen=True)
class LapakConfig:
    """The loaded configuration. Build it with `config.load_config`."""

    path: Path
    database_url: str = field(repr=False)
    """May embed a password (postgresql://user:pw@host/db): kept out of repr."""
    redis_url: str | None = field(repr=False)
    public_url: str | None
    merchants: tuple[str, ...]
    stores: tuple[StoreConfig, ...]
    resellers: tuple[Reseller, ...]
    operator_token_secret: SecretStr | None = None
    webhook_max_bytes: int = WEBHOOK_MAX_BYTES
    """Bodies above this many bytes are refused (413) before they are read whole."""
    protect_metrics: bool = False
    """`/metrics` only for the operator (cookie session or bearer token)."""
    protect_docs: bool = False
    """`/docs`, `/redoc` and `/openapi.json` only for the operator."""
    stray_listings: StrayAction = "zero"
    """The stores' default for stray listings; a store's own `stray_listings` wins."""
    _stores_by_name: dict[str, StoreConfig] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_stores_by_name", {s.name: s for s in self.stores})

    def store(self, name: str) -> StoreConfig:
        """The store called `name`; `LookupError` naming it when none is declared."""
        try:
            return self._stores_by_name[name]
        except KeyError:
            raise LookupError(f"no store named {name!r} in {self.path.name}") from None

    @property
    def zones(self) -> dict[str, str]:
        """Each store's time zone by name, for the read models (`sync.queue.Zones`)."""
        return {s.name: s.timezone for s in self.stores}

    def stray_action(self, store: StoreConfig) -> StrayAction:
        return store.stray_listings or self.stray_listings

    def stores_of_merchant(self, name: str) -> list[StoreConfig]:
        return [s for s in self.stores if s.merchant == name]

    def reseller_named(self, name: str) -> Reseller | None:
        """The reseller called `name`, ignoring case (`ani` is `Ani`): a name typed on a
        phone or a terminal is matched as a person would read it. The loader refuses two
        resellers whose names differ only in case, so at most one matches."""
        wanted = name.strip().casefold()
        return next((r for r in self.resellers if r.name.casefold() == wanted), None)

    def reseller_for_token(self, token: str) -> Reseller | None:
        """The reseller whose token this is. Compares against every reseller in constant
        time, so response timing tells nothing about which prefix matched."""
        offered = token.encode()
        found: Reseller | None = None
        for reseller in self.resellers:
            if hmac.compare_digest(offered, reseller.token.get_secret_value().encode()):
                found = reseller
        return found

    def operator_token(self) -> str | None:
        if self.operator_token_secret is None:
            return None
        return self.operator_token_secret.get_secret_value()
