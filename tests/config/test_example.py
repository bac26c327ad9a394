"""The shipped example config loads with the installed connectors (the real registry)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from lapak.config import LapakConfig, load_config
from lapak.wiring.logging import redact_secrets

EXAMPLE = Path(__file__).parents[2] / "config" / "lapak.example.toml"

EXAMPLE_ENV = {
    "LAPAK_OPERATOR_TOKEN": "operator-token-0123456789",
    "SHOPEE_PARTNER_ID": "2001887",
    "SHOPEE_PARTNER_KEY": "partner-key-abcdef0123456789",
    "SHOPEE_UTAMA_SHOP_ID": "101",
    "SHOPEE_UTAMA_REFRESH_TOKEN": "refresh-utama-0123456789",
    "SHOPEE_GROSIR_SHOP_ID": "102",
    "SHOPEE_GROSIR_REFRESH_TOKEN": "refresh-grosir-0123456789",
    "TOKOPEDIA_FS_ID": "13004",
    "TOKOPEDIA_CLIENT_ID": "client-id-0123456789",
    "TOKOPEDIA_CLIENT_SECRET": "client-secret-0123456789",
    "TOKOPEDIA_SHOP_ID": "479066",
    "TOKOPEDIA_WEBHOOK_SECRET": "webhook-secret-0123456789",
    "LAZADA_APP_KEY": "123456",
    "LAZADA_APP_SECRET": "lazada-secret-0123456789",
    "LAZADA_REFRESH_TOKEN": "lazada-refresh-0123456789",
    "TIKTOK_APP_KEY": "29a39d",
    "TIKTOK_APP_SECRET": "tiktok-secret-0123456789",
    "TIKTOK_SHOP_CIPHER": "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3",
    "TIKTOK_REFRESH_TOKEN": "tiktok-refresh-0123456789",
    "SHOPIFY_ACCESS_TOKEN": "shpat_0123456789abcdef0123456789abcdef",
    "SHOPIFY_CLIENT_SECRET": "shpss_0123456789abcdef0123456789abcdef",
    "WOO_CONSUMER_KEY": "ck_0123456789abcdef0123456789abcdef01234567",
    "WOO_CONSUMER_SECRET": "cs_0123456789abcdef0123456789abcdef01234567",
    "WOO_WEBHOOK_SECRET": "woo-webhook-secret-0123456789",
    "LAPAK_RESELLER_DEWI_TOKEN": "dewi-token-0123456789",
    "LAPAK_RESELLER_RUDI_TOKEN": "rudi-token-0123456789",
}
SECRETS = [  # app keys and consumer keys are public identifiers, like the partner id
    v for k, v in EXAMPLE_ENV.items() if k.endswith(("_TOKEN", "_SECRET", "PARTNER_KEY"))
]


def load_example() -> LapakConfig:
    return load_config(EXAMPLE, EXAMPLE_ENV)


def test_the_example_loads() -> None:
    config = load_example()

    assert config.merchants == ("Batik Sekar",)
    utama, grosir, *others = config.stores
    assert (utama.name, grosir.name) == ("sekar-shopee-utama", "sekar-shopee-grosir")
    assert [s.platform for s in others] == [
        "tokopedia", "lazada", "tiktok", "shopify", "woocommerce"
    ]  # fmt: skip
    assert (utama.stock_buffer, grosir.stock_buffer, grosir.stock_allocation) == (0, 2, 50)
    assert grosir.price_rule.markup_percent == Decimal("10.0")
    assert grosir.price_rule.round_to == 500
    assert [r.name for r in config.resellers] == ["Dewi", "Rudi"]
    assert config.public_url == "https://lapak.example.id"
    assert config.operator_token() == EXAMPLE_ENV["LAPAK_OPERATOR_TOKEN"]
    assert (
        config.reseller_for_token(EXAMPLE_ENV["LAPAK_RESELLER_RUDI_TOKEN"]) is config.resellers[1]
    )


def test_the_example_keeps_its_secrets_out_of_repr() -> None:
    config = load_example()
    shown = repr(config) + str(config) + repr(config.stores) + repr(config.resellers)
    for store in config.stores:
        shown += repr(store.credentials) + str(store.credentials)
    for secret in SECRETS:
        assert secret not in shown


def test_loaded_secrets_are_registered_with_the_log_redactor() -> None:
    config = load_example()
    token = config.store("sekar-shopee-grosir").credentials.refresh_token  # type: ignore[attr-defined]
    event = redact_secrets(None, "error", {"event": f"refresh {token.get_secret_value()} failed"})
    assert event == {"event": "refresh [redacted] failed"}
