"""The words the pages use for Lapak's own values: order statuses, queue states, platforms.

The labels are marked with `N_` here (so `pybabel extract` finds them) and translated when a
page shows them, in the request's language: the `status_name`, `label` and `platform_name`
template filters, and `reseller.order_view`. Values sent to programs (JSON, URLs, forms) stay
the raw codes.
"""

from __future__ import annotations

from lapak.sync.i18n import N_, ORDER_STATUS_NAMES, gettext, order_status_name
from lapak.web.sessions import templates

PLATFORM_NAMES = {
    "shopee": "Shopee",
    "tokopedia": "Tokopedia",
    "lazada": "Lazada",
    "tiktok": "TikTok Shop",
    "shopify": "Shopify",
    "woocommerce": "WooCommerce",
}
QUEUE_STATE_NAMES = {
    "": N_("Everything"),
    "unclaimed": N_("Not claimed"),
    "mine": N_("Claimed by me"),
    "others": N_("Claimed by others"),
    "packed": N_("Packed"),
    "sending": N_("Waiting for marketplace"),
    "refused": N_("Refused by marketplace"),
}
QUEUE_STATUS_NAMES = {key: ORDER_STATUS_NAMES[key] for key in ("ready_to_ship", "unpaid")}


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform.title())


def status_name(status: str) -> str:
    """An order status as a person reads it, in the current language ("Dikirim")."""
    return order_status_name(status)


def label(message: str) -> str:
    """A label marked with `N_` elsewhere, in the current language."""
    return gettext(message) if message else message


templates.env.filters["status_name"] = status_name
templates.env.filters["label"] = label
templates.env.globals["platform_name"] = platform_name
