"""Lapak's declarative configuration: merchants, stores, resellers (secrets by env name)."""

from lapak.config.loader import ConfigError, load_config
from lapak.config.models import LapakConfig, PriceRule, Reseller, StoreConfig

__all__ = ["ConfigError", "LapakConfig", "PriceRule", "Reseller", "StoreConfig", "load_config"]
