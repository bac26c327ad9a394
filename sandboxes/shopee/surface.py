"""`ShopeeControl`: the Shopee sandbox behind the uniform `SandboxControl` surface.

Shopee's own control methods key shops by `shop_id`; this one names them as Lapak's config
does (kit/stores.py does the listings and orders).
"""

from __future__ import annotations

from lapak.sandboxes.kit.stores import StoreSurface
from lapak.sandboxes.shopee.sandbox import ShopeeSandbox
from lapak.sandboxes.shopee.state import Shop


class ShopeeControl(StoreSurface[Shop]):
    sandbox: ShopeeSandbox
    platform = "shopee"
    tokens_expire = True
    sample_category = "100017"
    actions = {
        "pay": "READY_TO_SHIP",
        "cancel": "CANCELLED",
        "complete": "COMPLETED",
        "return": "TO_RETURN",
    }
