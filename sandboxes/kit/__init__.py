"""What every sandbox shares: the `/_sandbox/` control protocol (`control.py`), the buyer
simulator, signed push delivery, the consent page, placeholder images and fault injection.
"""
