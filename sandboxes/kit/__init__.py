"""What every sandbox shares: the `/_sandbox/` control protocol and API (`control.py`,
`control_api.py`, `surface.py`), the shop state (`catalog.py`, `orders.py`, `tokens.py`,
`stores.py`), the ASGI app and wire pieces (`app.py`, `wire.py`), the buyer simulator,
signed push delivery, the consent page, placeholder images and fault injection.
"""
