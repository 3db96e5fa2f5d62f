"""Link tokens: randomness, HMAC digests and the state of a stored link at a given moment."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from signing.tokens import (
    LinkClaim,
    LinkState,
    StoredLink,
    digests_equal,
    link_state,
    new_token,
    token_digest,
)

KEY = b"k" * 32
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
DOC = hashlib.sha256(b"agreement v1").hexdigest()
OTHER_DOC = hashlib.sha256(b"agreement v2").hexdigest()


def stored_for(token: str, **changes: object) -> StoredLink:
    claim = LinkClaim("req-1", "tenant", DOC, NOW + timedelta(days=14))
    row = StoredLink(digest=token_digest(token, KEY), claim=claim)
    return replace(row, **changes)  # type: ignore[arg-type]


def test_new_tokens_are_url_safe_256_bits_and_distinct() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    for token in tokens:
        assert len(token) == 43  # 32 bytes in unpadded base64
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_digest_is_stable_hex_and_depends_on_key_and_token() -> None:
    token = "abc"
    assert token_digest(token, KEY) == token_digest(token, KEY)
    assert len(token_digest(token, KEY)) == 64
    assert token_digest(token, KEY) != token_digest(token, b"other key")
    assert token_digest(token, KEY) != token_digest("abd", KEY)
    assert token not in token_digest(token, KEY)


def test_digest_needs_a_key() -> None:
    with pytest.raises(ValueError):
        token_digest("abc", b"")


def test_digests_equal() -> None:
    assert digests_equal("ab" * 32, "ab" * 32)
    assert not digests_equal("ab" * 32, "ac" * 32)
    assert not digests_equal("ab", "ab" * 32)
    assert not digests_equal("é", "e")


def test_valid_link() -> None:
    token = new_token()
    assert link_state(token, stored_for(token), key=KEY, now=NOW) is LinkState.VALID


def test_missing_row_or_wrong_token_is_unknown() -> None:
    token = new_token()
    assert link_state(token, None, key=KEY, now=NOW) is LinkState.UNKNOWN
    assert link_state(new_token(), stored_for(token), key=KEY, now=NOW) is LinkState.UNKNOWN
    assert link_state(token, stored_for(token), key=b"x" * 32, now=NOW) is LinkState.UNKNOWN


def test_expiry_boundary_is_exclusive() -> None:
    token = new_token()
    row = stored_for(token)
    expires = row.claim.expires_at
    tick = timedelta(microseconds=1)
    assert link_state(token, row, key=KEY, now=expires - tick) is LinkState.VALID
    assert link_state(token, row, key=KEY, now=expires) is LinkState.EXPIRED
    assert link_state(token, row, key=KEY, now=expires + tick) is LinkState.EXPIRED


def test_expiry_compares_instants_across_zones() -> None:
    token = new_token()
    row = stored_for(token)
    summer_time = timezone(timedelta(hours=2))
    at_expiry_elsewhere = row.claim.expires_at.astimezone(summer_time)
    assert link_state(token, row, key=KEY, now=at_expiry_elsewhere) is LinkState.EXPIRED
    just_before = at_expiry_elsewhere - timedelta(microseconds=1)
    assert link_state(token, row, key=KEY, now=just_before) is LinkState.VALID


def test_used_revoked_voided() -> None:
    token = new_token()
    earlier = NOW - timedelta(hours=1)
    assert link_state(token, stored_for(token, used_at=earlier), key=KEY, now=NOW) is (
        LinkState.USED
    )
    assert link_state(token, stored_for(token, revoked_at=earlier), key=KEY, now=NOW) is (
        LinkState.REVOKED
    )
    assert link_state(token, stored_for(token, voided_at=earlier), key=KEY, now=NOW) is (
        LinkState.VOIDED
    )


def test_precedence_voided_then_revoked_then_used_then_expired() -> None:
    token = new_token()
    late = NOW + timedelta(days=30)
    t = NOW - timedelta(hours=1)
    everything = stored_for(token, used_at=t, revoked_at=t, voided_at=t)
    assert link_state(token, everything, key=KEY, now=late) is LinkState.VOIDED
    assert link_state(token, replace(everything, voided_at=None), key=KEY, now=late) is (
        LinkState.REVOKED
    )
    used_and_expired = stored_for(token, used_at=t)
    assert link_state(token, used_and_expired, key=KEY, now=late) is LinkState.USED


def test_link_for_another_document_version_is_voided() -> None:
    token = new_token()
    row = stored_for(token)
    assert link_state(token, row, key=KEY, now=NOW, document_sha256=DOC) is LinkState.VALID
    assert link_state(token, row, key=KEY, now=NOW, document_sha256=OTHER_DOC) is LinkState.VOIDED


def test_naive_now_is_refused() -> None:
    token = new_token()
    with pytest.raises(ValueError):
        link_state(token, stored_for(token), key=KEY, now=NOW.replace(tzinfo=None))


def test_claim_validates_hash_and_expiry() -> None:
    with pytest.raises(ValueError):
        LinkClaim("req-1", "tenant", "not-a-hash", NOW)
    with pytest.raises(ValueError):
        LinkClaim("req-1", "tenant", DOC, NOW.replace(tzinfo=None))


@pytest.mark.parametrize("state", list(LinkState))
def test_every_state_has_dutch_text(state: LinkState) -> None:
    assert state.description_nl.endswith(".")
