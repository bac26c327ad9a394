"""The neutral wiring every process shares: `Runtime` (database, Redis, connectors, pacers,
token vaults, locks), logging with secret redaction, call pacing and the token-sealing key.

`web/` and `jobs/` both build on it and import neither each other; the composition roots
(`cli/`) put them together.
"""
