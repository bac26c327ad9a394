from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from lapak.config import ConfigError, load_config
from lapak.config.loader import NOT_AN_ENV_NAME
from lapak.sync import registry
from lapak.sync.protocol import ConnectorLimits
from pydantic import BaseModel, ConfigDict, SecretStr


class ShopeeLikeCredentials(BaseModel):
    """What the Shopee connector asks for, as the brief gives it."""

    model_config = ConfigDict(extra="forbid")

    partner_id: int
    partner_key: SecretStr
    shop_id: int
    refresh_token: SecretStr


@dataclass(frozen=True)
class StandInPlugin:
    platform: str = "shopee"
    credentials_model: type[BaseModel] = ShopeeLikeCredentials
    limits: ConnectorLimits = ConnectorLimits(  # noqa: RUF009 (frozen, shared on purpose)
        rate_per_second=10,
        burst=10,
        stock_batch=50,
        price_batch=50,
        order_detail_batch=50,
        order_page_size=100,
        order_window_days=15,
    )


@pytest.fixture(autouse=True)
def shopee_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry holds one platform, "shopee", independent of the installed connectors."""
    stand_in = StandInPlugin()

    def plugin_for(platform: str) -> StandInPlugin:
        if platform != "shopee":
            raise registry.UnknownPlatformError(platform, ["shopee"])
        return stand_in

    monkeypatch.setattr(registry, "plugin_for", plugin_for)


GOOD = """
[[merchants]]
name = "Sekar"

[[stores]]
name = "shop-a"
platform = "shopee"
merchant = "Sekar"
base_url = "http://127.0.0.1:9000/"
stock_buffer = 1
[stores.credentials]
partner_id = "A_PARTNER_ID"
partner_key = "A_PARTNER_KEY"
shop_id = "A_SHOP_ID"
refresh_token = "A_REFRESH"

[[resellers]]
name = "Dewi"
token_env = "DEWI_TOKEN"
stores = ["shop-a"]
"""

GOOD_ENV = {
    "A_PARTNER_ID": "1",
    "A_PARTNER_KEY": "partner-key-of-a-0123",
    "A_SHOP_ID": "11",
    "A_REFRESH": "refresh-of-a-0123",
    "DEWI_TOKEN": "dewi-token-0123",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lapak.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str, env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_good_config_resolves_stores_resellers_and_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), GOOD_ENV)

    store = config.store("shop-a")
    assert store.base_url == "http://127.0.0.1:9000"
    assert store.stock_buffer == 1
    assert store.price_rule.markup_percent == 0
    assert store.price_rule.round_to == 1
    assert store.poll_interval_seconds == 60
    assert store.enabled is True
    assert store.rate_per_second == 10
    assert isinstance(store.credentials, ShopeeLikeCredentials)
    assert store.credentials.shop_id == 11
    assert store.credentials.partner_key.get_secret_value() == "partner-key-of-a-0123"
    assert config.stores_of_merchant("Sekar") == [store]
    assert config.stores_of_merchant("Other") == []
    assert config.database_url == f"sqlite:///{tmp_path.resolve() / 'lapak.db'}"
    assert config.redis_url is None
    assert config.operator_token() is None


def test_database_and_redis_urls_come_from_the_environment_unless_the_file_sets_them(
    tmp_path: Path,
) -> None:
    env = {
        **GOOD_ENV,
        "LAPAK_DATABASE_URL": "postgresql://db/lapak",
        "LAPAK_REDIS_URL": "redis://r:6379/1",
    }
    config = load_config(write(tmp_path, GOOD), env)
    assert (config.database_url, config.redis_url) == ("postgresql://db/lapak", "redis://r:6379/1")

    text = '[lapak]\ndatabase_url = "sqlite:///x.db"\nredis_url = "redis://f:6379/0"\n' + GOOD
    config = load_config(write(tmp_path, text), env)
    assert (config.database_url, config.redis_url) == ("sqlite:///x.db", "redis://f:6379/0")


def test_reseller_for_token_and_operator_token(tmp_path: Path) -> None:
    text = '[lapak]\noperator_token_env = "OPS"\n' + GOOD
    config = load_config(write(tmp_path, text), {**GOOD_ENV, "OPS": "operator-secret-42"})

    reseller = config.reseller_for_token("dewi-token-0123")
    assert reseller is not None
    assert (reseller.name, reseller.stores) == ("Dewi", ("shop-a",))
    assert config.reseller_for_token("dewi-token-012") is None
    assert config.reseller_for_token("") is None
    assert config.operator_token() == "operator-secret-42"


def test_store_lookup_names_the_missing_store(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), GOOD_ENV)
    with pytest.raises(LookupError, match=r"no store named 'nope' in lapak\.toml"):
        config.store("nope")


def test_toml_syntax_error_is_located(tmp_path: Path) -> None:
    found = problems(tmp_path, '[[stores]]\nname = "a"\nstock_buffer = = 3\n', {})
    assert len(found) == 1
    assert found[0].startswith("lapak.toml: line 3, column 16: invalid TOML: ")


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^absent.toml: cannot read: No such file"):
        load_config(tmp_path / "absent.toml", {})


def test_unknown_platform(tmp_path: Path) -> None:
    text = GOOD.replace('platform = "shopee"', 'platform = "warung-online"')
    assert problems(tmp_path, text, GOOD_ENV) == [
        "lapak.toml: stores[0].platform: unknown platform 'warung-online' (registered: shopee)"
    ]


def test_missing_environment_variable(tmp_path: Path) -> None:
    env = {k: v for k, v in GOOD_ENV.items() if k != "A_PARTNER_KEY"}
    assert problems(tmp_path, GOOD, env) == [
        "lapak.toml: stores[0].credentials.partner_key: "
        "environment variable A_PARTNER_KEY is not set"
    ]


def test_problems_are_in_bahasa_indonesia_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LAPAK_LANG")  # this directory's English undone: the default
    env = {k: v for k, v in GOOD_ENV.items() if k != "A_PARTNER_KEY"}
    assert problems(tmp_path, GOOD, env) == [
        "lapak.toml: stores[0].credentials.partner_key: "
        "variabel lingkungan A_PARTNER_KEY belum diisi"
    ]


def test_credentials_are_validated_by_the_platform_model(tmp_path: Path) -> None:
    text = GOOD.replace('refresh_token = "A_REFRESH"', 'region = "A_REGION"')
    env = {**GOOD_ENV, "A_SHOP_ID": "eleven", "A_REGION": "id"}
    assert problems(tmp_path, text, env) == [
        "lapak.toml: stores[0].credentials.region: "
        "not a shopee credential (partner_id, partner_key, shop_id, refresh_token)",
        "lapak.toml: stores[0].credentials.shop_id: "
        "Input should be a valid integer, unable to parse string as an integer",
        "lapak.toml: stores[0].credentials.refresh_token: Field required",
    ]


def test_a_secret_written_in_place_of_a_variable_name_is_refused_without_echoing_it(
    tmp_path: Path,
) -> None:
    text = GOOD.replace('"A_PARTNER_KEY"', '"8a7f 93c1-secret"')
    found = problems(tmp_path, text, GOOD_ENV)
    assert found == [f"lapak.toml: stores[0].credentials.partner_key: {NOT_AN_ENV_NAME}"]


@pytest.mark.parametrize(
    ("place", "text_of"),
    [
        ("stores[0].credentials.partner_key", lambda s: GOOD.replace('"A_PARTNER_KEY"', s)),
        ("lapak.operator_token_env", lambda s: f"[lapak]\noperator_token_env = {s}\n" + GOOD),
    ],
)
@pytest.mark.parametrize("secret", ["a9f3c0de77b1SeCrEt", "sk_live_51Habc", "8a7f 93c1-x"])
def test_no_problem_echoes_a_value_that_may_be_a_secret(
    tmp_path: Path, place: str, text_of: Callable[[str], str], secret: str
) -> None:
    found = problems(tmp_path, text_of(f'"{secret}"'), GOOD_ENV)
    assert any(line.startswith(f"lapak.toml: {place}: ") for line in found), found
    assert not any(secret in line for line in found), found


def test_duplicate_store_name(tmp_path: Path) -> None:
    store = GOOD[GOOD.index("[[stores]]") : GOOD.index("[[resellers]]")]
    found = problems(tmp_path, GOOD + store, GOOD_ENV)
    assert found == [
        "lapak.toml: stores[1].name: duplicate store name 'shop-a', first declared at stores[0]"
    ]


def test_wrong_types_and_ranges(tmp_path: Path) -> None:
    text = (
        GOOD.replace("stock_buffer = 1", 'stock_buffer = "lots"\npoll_interval_seconds = 0')
        .replace('name = "shop-a"', 'name = "Shop A"')
        .replace('"http://127.0.0.1:9000/"', '"ftp://example.com"')
    )
    text = text.replace('stores = ["shop-a"]', 'stores = ["Shop A"]')
    assert problems(tmp_path, text, GOOD_ENV) == [
        "lapak.toml: stores[0].name: String should match pattern '^[a-z0-9_-]+$'",
        "lapak.toml: stores[0].base_url: URL scheme should be 'http' or 'https'",
        "lapak.toml: stores[0].stock_buffer: Input should be a valid integer, "
        "unable to parse string as an integer",
        "lapak.toml: stores[0].poll_interval_seconds: Input should be greater than or equal to 1",
    ]


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    text = "shops = 1\n" + GOOD.replace("stock_buffer = 1", "stok_buffer = 1")
    assert problems(tmp_path, text, GOOD_ENV) == [
        "lapak.toml: shops: unknown key (expected one of: lapak, merchants, stores, resellers)",
        "lapak.toml: stores[0].stok_buffer: Extra inputs are not permitted",
    ]


def test_unknown_merchant_and_store_references(tmp_path: Path) -> None:
    text = GOOD.replace('merchant = "Sekar"', 'merchant = "Sekra"').replace(
        'stores = ["shop-a"]', 'stores = ["shop-a", "shop-z"]'
    )
    assert problems(tmp_path, text, GOOD_ENV) == [
        "lapak.toml: stores[0].merchant: unknown merchant 'Sekra' (declared: Sekar)",
        "lapak.toml: resellers[0].stores[1]: unknown store 'shop-z'",
    ]


def test_reseller_token_must_be_set_and_unique(tmp_path: Path) -> None:
    text = (
        GOOD
        + '[[resellers]]\nname = "Rudi"\ntoken_env = "DEWI_TOKEN"\n'
        + '[[resellers]]\nname = "Sari"\ntoken_env = "SARI_TOKEN"\n'
        + '[[resellers]]\nname = "Dewi"\ntoken_env = "DEWI2_TOKEN"\n'
    )
    env = {**GOOD_ENV, "DEWI2_TOKEN": "another-token-99"}
    assert problems(tmp_path, text, env) == [
        "lapak.toml: resellers[3].name: duplicate reseller name 'Dewi', "
        "first declared at resellers[0]",
        "lapak.toml: resellers[1].token_env: holds the same token as resellers[0]",
        "lapak.toml: resellers[2].token_env: environment variable SARI_TOKEN is not set",
    ]


def test_all_problems_are_reported_in_one_pass(tmp_path: Path) -> None:
    text = (
        '[lapak]\noperator_token_env = "OPS"\n'
        + GOOD
        + """
[[stores]]
name = "shop-b"
platform = "shopee"
merchant = "Nobody"
base_url = "https://partner.shopeemobile.com"
stock_buffer = -1
[stores.credentials]
partner_id = "B_PARTNER_ID"
partner_key = "SHOPEE_B_PARTNER_KEY"
shop_id = "B_SHOP_ID"
refresh_token = "B_REFRESH"

[[stores]]
name = "shop-a"
platform = "blibli"
merchant = "Sekar"
base_url = "https://example.com"
"""
    )
    env = {**GOOD_ENV, "B_PARTNER_ID": "2", "B_SHOP_ID": "22", "B_REFRESH": "refresh-b-0123"}
    assert problems(tmp_path, text, env) == [
        "lapak.toml: stores[2].name: duplicate store name 'shop-a', first declared at stores[0]",
        "lapak.toml: stores[1].stock_buffer: Input should be greater than or equal to 0",
        "lapak.toml: stores[1].merchant: unknown merchant 'Nobody' (declared: Sekar)",
        "lapak.toml: stores[1].credentials.partner_key: "
        "environment variable SHOPEE_B_PARTNER_KEY is not set",
        "lapak.toml: stores[2].platform: unknown platform 'blibli' (registered: shopee)",
        "lapak.toml: lapak.operator_token_env: environment variable OPS is not set",
    ]


def test_sections_of_the_wrong_shape(tmp_path: Path) -> None:
    text = 'stores = "shop-a"\nmerchants = ["Sekar"]\n[lapak]\npublic_url = 5\n'
    assert problems(tmp_path, text, {}) == [
        "lapak.toml: lapak.public_url: URL input should be a string or URL",
        "lapak.toml: merchants[0]: Input should be a valid dictionary or instance of MerchantEntry",
        "lapak.toml: stores: should be an array of tables ([[stores]])",
    ]


def test_secrets_stay_out_of_repr_and_str(tmp_path: Path) -> None:
    text = '[lapak]\noperator_token_env = "OPS"\n' + GOOD
    env = {**GOOD_ENV, "OPS": "operator-secret-42"}
    config = load_config(write(tmp_path, text), env)
    shown = repr(config) + str(config) + repr(config.stores) + repr(config.resellers)
    shown += repr(config.store("shop-a").credentials) + str(config.store("shop-a").credentials)
    for name in ("A_PARTNER_KEY", "A_REFRESH", "DEWI_TOKEN", "OPS"):
        assert env[name] not in shown
