"""Lapak: listings, prices and stock pushed to every marketplace store; every store's orders
pulled into one queue.

The import root of the whole package. The repository keeps one top-level folder per layer
(`sync/`, `connectors/`, `jobs/`, `config/`, `web/`, `wiring/`, `cli/`, `sandboxes/`);
`setup.py` maps each to its name under this root (`sync/` is `lapak.sync`), so nothing
generic like `sync` or `config` lands at the top of site-packages.
"""
