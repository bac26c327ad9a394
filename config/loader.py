"""Loads `lapak.toml`: validates every table, resolves references and environment variables,
and reports every problem of the file at once as located lines (docs/rules.md, rule 8)."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from lapak.config.models import (
    ENV_NAME_PATTERN,
    LapakConfig,
    LapakSection,
    MerchantEntry,
    Reseller,
    ResellerEntry,
    StoreConfig,
    StoreEntry,
)
from lapak.sync import registry
from lapak.sync.i18n import N_, translate
from lapak.sync.protocol import ConnectorPlugin
from lapak.sync.secrets import register_secret
from pydantic import BaseModel, SecretStr, ValidationError

SECTIONS = ("lapak", "merchants", "stores", "resellers")
CONVENTIONAL_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")
"""Names shown in problems as they are. Any other string where a variable name belongs may
be a secret written in clear (`partner_key = "a9f3c0de..."`): problems never echo it."""
NOT_AN_ENV_NAME = N_(
    "not an environment variable name (letters, digits and _, not starting with a digit); "
    "a secret written here in clear? It is not shown: put it in the environment and name "
    "the variable here"
)
# The problems' fixed words are translated (`LAPAK_LANG`); paths, keys and names stay as
# written. Pydantic's own words for a value of the wrong type stay English.
_TOML_POSITION = re.compile(r"^(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """The config file is unusable. `problems` holds one located line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def load_config(path: Path | str, env: Mapping[str, str] | None = None) -> LapakConfig:
    """Read and resolve the config at `path`; environment variables come from `env`
    (default: the process environment). Raises `ConfigError` listing every problem."""
    path = Path(path)
    loader = _Loader(path, os.environ if env is None else env)
    config = loader.load()
    if loader.problems or config is None:
        raise ConfigError(loader.problems)
    _register_secrets(config)
    return config


def location(where: str, loc: Iterable[int | str]) -> str:
    """`stores[1]` + ("credentials", "partner_key") -> `stores[1].credentials.partner_key`."""
    for part in loc:
        if isinstance(part, int):
            where += f"[{part}]"
        else:
            where = f"{where}.{part}" if where else str(part)
    return where


class _Loader:
    def __init__(self, path: Path, env: Mapping[str, str]):
        self.path = path
        self.env = env
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{self.path.name}: {where}: {message}")

    def validate(self, model: type[M], raw: Any, where: str) -> M | None:
        try:
            return model.model_validate(raw)
        except ValidationError as error:
            for item in error.errors(include_url=False):
                env_pattern = (item.get("ctx") or {}).get("pattern") == ENV_NAME_PATTERN
                message = translate(NOT_AN_ENV_NAME) if env_pattern else item["msg"]
                self.add(location(where, item["loc"]), message)
            return None

    def load(self) -> LapakConfig | None:
        document = self._read()
        if document is None:
            return None
        for key in document:
            if key not in SECTIONS:
                expected = ", ".join(SECTIONS)
                self.add(
                    key, translate(N_("unknown key (expected one of: %(keys)s)"), keys=expected)
                )
        section = self.validate(LapakSection, document.get("lapak", {}), "lapak")
        merchants = self._merchants(self._tables(document, "merchants"))
        stores = self._stores(self._tables(document, "stores"), merchants)
        resellers = self._resellers(self._tables(document, "resellers"), stores)
        operator_token = self._operator_token(section)
        if section is None:
            return None
        return LapakConfig(
            path=self.path,
            database_url=self._database_url(section),
            redis_url=section.redis_url or self.env.get("LAPAK_REDIS_URL") or None,
            public_url=section.public_url,
            merchants=tuple(merchants),
            stores=tuple(s for s in stores.values() if s is not None),
            resellers=tuple(resellers),
            operator_token_secret=operator_token,
            webhook_max_bytes=section.webhook_max_bytes,
            protect_metrics=section.protect_metrics,
            protect_docs=section.protect_docs,
            stray_listings=section.stray_listings,
        )

    def _read(self) -> dict[str, Any] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as error:
            why = translate(N_("cannot read: %(error)s"), error=error.strerror or error)
            self.problems.append(f"{self.path.name}: {why}")
            return None
        except UnicodeDecodeError as error:
            line = self.path.read_bytes()[: error.start].count(b"\n") + 1
            where = translate(N_("line %(line)d"), line=line)
            self.add(where, translate(N_("not UTF-8 text (TOML files are UTF-8)")))
            return None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            match = _TOML_POSITION.match(str(error))
            if match:
                where = translate(
                    N_("line %(line)s, column %(column)s"),
                    line=match["line"],
                    column=match["column"],
                )
                self.add(where, translate(N_("invalid TOML: %(error)s"), error=match["message"]))
            else:
                invalid = translate(N_("invalid TOML: %(error)s"), error=error)
                self.problems.append(f"{self.path.name}: {invalid}")
            return None

    def _tables(self, document: dict[str, Any], key: str) -> list[Any]:
        value = document.get(key, [])
        if not isinstance(value, list):
            self.add(key, translate(N_("should be an array of tables ([[%(key)s]])"), key=key))
            return []
        return value

    def _env(self, name: str, where: str) -> str | None:
        value = self.env.get(name)
        hidden = translate(N_("named here (name not shown)"))
        shown = name if CONVENTIONAL_ENV_NAME.match(name) else hidden
        if value is None:
            self.add(where, translate(N_("environment variable %(name)s is not set"), name=shown))
        elif not value:
            self.add(where, translate(N_("environment variable %(name)s is empty"), name=shown))
        return value or None

    def _first_seen(self, kind: str, section: str, raw: list[Any]) -> dict[str, int]:
        """Index of each name's first table; later tables with the same name are problems."""
        seen: dict[str, int] = {}
        for index, table in enumerate(raw):
            name = table.get("name") if isinstance(table, dict) else None
            if not isinstance(name, str):
                continue
            if name in seen:
                self.add(
                    f"{section}[{index}].name",
                    translate(
                        N_("duplicate %(kind)s name %(name)r, first declared at %(first)s"),
                        kind=translate(kind),
                        name=name,
                        first=f"{section}[{seen[name]}]",
                    ),
                )
            else:
                seen[name] = index
        return seen

    def _merchants(self, raw: list[Any]) -> list[str]:
        for index, table in enumerate(raw):
            self.validate(MerchantEntry, table, f"merchants[{index}]")
        return list(self._first_seen(N_("merchant"), "merchants", raw))

    def _stores(self, raw: list[Any], merchants: list[str]) -> dict[str, StoreConfig | None]:
        """Every declared store name, mapped to its resolved config (None when invalid)."""
        first = self._first_seen(N_("store"), "stores", raw)
        resolved: dict[str, StoreConfig | None] = dict.fromkeys(first)
        for index, table in enumerate(raw):
            store = self._store(table, f"stores[{index}]", merchants)
            if store is not None and first[store.name] == index:
                resolved[store.name] = store
        return resolved

    def _store(self, table: Any, where: str, merchants: list[str]) -> StoreConfig | None:
        entry = self.validate(StoreEntry, table, where)
        raw = table if isinstance(table, dict) else {}
        merchant = raw.get("merchant")
        if isinstance(merchant, str) and merchant and merchant not in merchants:
            declared = ", ".join(merchants) or "-"
            unknown = N_("unknown merchant %(name)r (declared: %(declared)s)")
            self.add(f"{where}.merchant", translate(unknown, name=merchant, declared=declared))
        plugin = self._plugin(raw.get("platform"), f"{where}.platform")
        declared_credentials = raw.get("credentials", {})
        if plugin is None or not isinstance(declared_credentials, dict):
            return None
        credentials = self._credentials(plugin, declared_credentials, f"{where}.credentials")
        if entry is None or credentials is None:
            return None
        fields = {name: getattr(entry, name) for name in StoreEntry.model_fields}
        del fields["credentials"]
        return StoreConfig(**fields, plugin=plugin, credentials=credentials)

    def _plugin(self, platform: Any, where: str) -> ConnectorPlugin | None:
        if not isinstance(platform, str) or not platform:
            return None
        try:
            return registry.plugin_for(platform)
        except registry.UnknownPlatformError as unknown:
            known = ", ".join(unknown.known) or "-"
            message = N_("unknown platform %(platform)r (registered: %(known)s)")
            self.add(where, translate(message, platform=platform, known=known))
            return None

    def _credentials(
        self, plugin: ConnectorPlugin, declared: dict[str, Any], where: str
    ) -> BaseModel | None:
        """Resolve each declared env var and validate the values with the plugin's model.

        Problems name the variable, never its value."""
        model = plugin.credentials_model
        values: dict[str, str] = {}
        unusable: set[str] = set()
        for key, name in declared.items():
            if key not in model.model_fields:
                expected = ", ".join(model.model_fields)
                message = N_("not a %(platform)s credential (%(expected)s)")
                self.add(
                    f"{where}.{key}",
                    translate(message, platform=plugin.platform, expected=expected),
                )
            elif not isinstance(name, str) or not re.match(ENV_NAME_PATTERN, name):
                unusable.add(key)  # the StoreEntry validation reports this one
            elif (value := self._env(name, f"{where}.{key}")) is not None:
                values[key] = value
            else:
                unusable.add(key)
        try:
            return model.model_validate(values)
        except ValidationError as error:
            for item in error.errors(include_url=False):
                if not item["loc"] or item["loc"][0] not in unusable:
                    self.add(location(where, item["loc"]), item["msg"])
            return None

    def _resellers(
        self, raw: list[Any], stores: Mapping[str, StoreConfig | None]
    ) -> list[Reseller]:
        self._first_seen(N_("reseller"), "resellers", raw)
        self._same_ignoring_case(raw)
        resellers: list[Reseller] = []
        token_owner: dict[str, int] = {}
        for index, table in enumerate(raw):
            where = f"resellers[{index}]"
            entry = self.validate(ResellerEntry, table, where)
            raw_stores = table.get("stores") if isinstance(table, dict) else None
            for position, name in enumerate(raw_stores if isinstance(raw_stores, list) else []):
                if isinstance(name, str) and name not in stores:
                    unknown = translate(N_("unknown store %(name)r"), name=name)
                    self.add(f"{where}.stores[{position}]", unknown)
            if entry is None:
                continue
            token = self._env(entry.token_env, f"{where}.token_env")
            if token is None:
                continue
            if token in token_owner:
                other = f"resellers[{token_owner[token]}]"
                same = translate(N_("holds the same token as %(other)s"), other=other)
                self.add(f"{where}.token_env", same)
                continue
            token_owner[token] = index
            resellers.append(Reseller(entry.name, SecretStr(token), tuple(entry.stores)))
        return resellers

    def _same_ignoring_case(self, raw: list[Any]) -> None:
        """Reseller names are matched ignoring case (`--as ani`): two that differ only in
        case would be one person to that match, so the second is a problem."""
        seen: dict[str, tuple[int, str]] = {}
        for index, table in enumerate(raw):
            name = table.get("name") if isinstance(table, dict) else None
            if not isinstance(name, str):
                continue
            first = seen.setdefault(name.casefold(), (index, name))
            if first[0] != index and first[1] != name:
                self.add(
                    f"resellers[{index}].name",
                    translate(
                        N_(
                            "reseller name %(name)r differs from %(other)r (%(where)s) only in "
                            "case; names are matched ignoring case: rename one"
                        ),
                        name=name,
                        other=first[1],
                        where=f"resellers[{first[0]}]",
                    ),
                )

    def _operator_token(self, section: LapakSection | None) -> SecretStr | None:
        if section is None or section.operator_token_env is None:
            return None
        token = self._env(section.operator_token_env, "lapak.operator_token_env")
        return SecretStr(token) if token is not None else None

    def _database_url(self, section: LapakSection) -> str:
        """The file's `database_url`, else `LAPAK_DATABASE_URL`, else `lapak.db` beside the
        config file."""
        if section.database_url:
            return section.database_url
        from_env = self.env.get("LAPAK_DATABASE_URL")
        if from_env:
            return from_env
        return f"sqlite:///{self.path.resolve().parent / 'lapak.db'}"


def _register_secrets(config: LapakConfig) -> None:
    """Let the log redactor scrub every secret value the config holds, wherever it shows up."""
    for store in config.stores:
        for value in dict(store.credentials).values():
            if isinstance(value, SecretStr):
                register_secret(value.get_secret_value())
    for reseller in config.resellers:
        register_secret(reseller.token.get_secret_value())
    if config.operator_token_secret is not None:
        register_secret(config.operator_token_secret.get_secret_value())
