"""The fake marketplaces: one sandbox per platform (`sandboxes/<platform>/`) and what they
share (`sandboxes/kit/`). They serve tests, benchmarks, `lapak demo` and `lapak sandbox`;
no production path imports them (the import contracts in pyproject.toml hold it).
"""
