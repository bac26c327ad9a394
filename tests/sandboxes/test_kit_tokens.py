"""The kit's token store: codes, refresh rules by policy, expiry on the sandbox clock."""

from __future__ import annotations

import itertools

import pytest
from lapak.sandboxes.kit.clock import SandboxClock
from lapak.sandboxes.kit.tokens import Kind, TokenPolicy, TokenRefused, TokenStore


def _store(**policy: object) -> tuple[TokenStore[int], SandboxClock]:
    clock = SandboxClock()
    numbers = itertools.count(1)

    def make(kind: Kind) -> str:
        return f"{kind}-{next(numbers)}"

    settings: dict = {"access_ttl": 100, "refresh_ttl": 1000, "code_ttl": 10, **policy}
    return TokenStore(clock, TokenPolicy(**settings), make), clock


def test_a_code_is_redeemed_once_for_its_owner() -> None:
    store, _ = _store()
    code = store.issue_code(7)
    assert code.startswith("code-")
    assert store.redeem_code(code) == 7
    with pytest.raises(TokenRefused) as refused:
        store.redeem_code(code)
    assert refused.value.reason == "unknown"
    issued = store.issue(7)
    assert store.access_owner(issued.access_token) == 7
    assert store.refresh_owner(issued.refresh_token) == 7


def test_an_expired_code_is_refused() -> None:
    store, clock = _store()
    code = store.issue_code(7)
    clock.advance(11)
    with pytest.raises(TokenRefused, match="expired"):
        store.redeem_code(code)


def test_rotating_refresh_kills_the_used_token_and_cuts_old_access() -> None:
    store, clock = _store(old_access_grace=5)
    store.add_refresh_token(7, "configured")
    first = store.refresh("configured")
    with pytest.raises(TokenRefused):
        store.refresh("configured")
    second = store.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.refresh_expires_at == pytest.approx(clock.now() + 1000, abs=1)
    clock.advance(6)
    assert store.access_owner(first.access_token) is None
    assert store.access_owner(second.access_token) == 7


def test_a_rotated_refresh_token_can_keep_the_authorization_end() -> None:
    store, clock = _store(refresh_keeps_expiry=True)
    first = store.issue(7)
    clock.advance(50)
    second = store.refresh(first.refresh_token)
    assert second.refresh_expires_at == first.refresh_expires_at
    assert store.access_owner(first.access_token) == 7  # no grace: lives to its own end


def test_without_rotation_the_same_refresh_token_comes_back() -> None:
    store, clock = _store(rotate=False, forget_expired_refresh=False, remember_expired_access=100)
    first = store.issue(7)
    again = store.refresh(first.refresh_token)
    assert again.refresh_token == first.refresh_token
    assert again.access_token != first.access_token
    clock.advance(150)
    grant = store.access(first.access_token)
    assert grant is not None and store.expired(grant)
    clock.advance(1000)
    with pytest.raises(TokenRefused, match="expired"):
        store.refresh(first.refresh_token)
    with pytest.raises(TokenRefused, match="expired"):
        store.refresh(first.refresh_token)  # still known: not forgotten


def test_expire_access_kills_only_the_owners_live_tokens() -> None:
    store, _ = _store()
    mine, theirs = store.issue(7), store.issue(8)
    assert store.expire_access(7) == 1
    assert store.expire_access(7) == 0
    assert store.access_owner(mine.access_token) is None
    assert store.access_owner(theirs.access_token) == 8
