"""Join tokens: what a clinic's system mints, and every reason a link cannot be used."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from facilitation.errors import ErrorCode, Refused
from rooms.model import Role
from signaling import tokens

SECRET = "clinic-secret-" + "s" * 40
SESSION = "group-42"


def claims(**override: Any) -> dict[str, Any]:
    now = int(time.time())
    c: dict[str, Any] = {
        "sub": "p-7",
        "name": "Amy Chen",
        "session": SESSION,
        "role": "participant",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": "a1b2c3",
    }
    c.update(override)
    return c


def encode(c: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(c, secret, algorithm=algorithm)


def refusal(token: str, session: str | None = SESSION) -> ErrorCode:
    with pytest.raises(Refused) as info:
        tokens.verify(SECRET, token, session=session)
    assert info.value.message
    return info.value.code


def test_a_minted_token_verifies_to_its_holder() -> None:
    token = tokens.mint(
        SECRET, session=SESSION, name="Dr. Rivera", role=Role.FACILITATOR,
        participant_id="fac-1", ttl_seconds=600,
    )
    who = tokens.verify(SECRET, token, session=SESSION)
    assert who.participant_id == "fac-1"
    assert who.name == "Dr. Rivera"
    assert who.session_id == SESSION
    assert who.role is Role.FACILITATOR
    assert who.token_id
    assert who.expires_at == pytest.approx(time.time() + 600, abs=5)
    # Without a session to check against, any session is accepted.
    assert tokens.verify(SECRET, token).session_id == SESSION


def test_minted_tokens_get_distinct_ids() -> None:
    a = tokens.verify(SECRET, tokens.mint(SECRET, session=SESSION, name="A", role=Role.OBSERVER))
    b = tokens.verify(SECRET, tokens.mint(SECRET, session=SESSION, name="B", role=Role.OBSERVER))
    assert a.participant_id != b.participant_id
    assert a.token_id != b.token_id
    assert a.role is Role.OBSERVER


def test_a_token_written_by_hand_verifies() -> None:
    """What a clinic's own system would send: plain HS256 with the documented claims."""
    who = tokens.verify(SECRET, encode(claims(iss="ehr.example", aud="groups")), session=SESSION)
    assert (who.participant_id, who.name, who.role) == ("p-7", "Amy Chen", Role.PARTICIPANT)


def test_names_are_trimmed() -> None:
    assert tokens.verify(SECRET, encode(claims(name="  Amy  "))).name == "Amy"


def test_a_token_signed_with_another_secret_is_invalid() -> None:
    assert refusal(encode(claims(), secret="another-secret-" + "o" * 40)) == ErrorCode.TOKEN_INVALID


def test_a_tampered_token_is_invalid() -> None:
    header, _, signature = encode(claims()).split(".")
    forged_body = encode(claims(role="facilitator")).split(".")[1]
    assert refusal(f"{header}.{forged_body}.{signature}") == ErrorCode.TOKEN_INVALID


@pytest.mark.parametrize("garbage", ["", "not-a-token", "a.b.c", "....", "eyJhbGciOi.x.y"])
def test_garbage_is_invalid(garbage: str) -> None:
    assert refusal(garbage) == ErrorCode.TOKEN_INVALID


def test_an_expired_token_is_refused() -> None:
    now = int(time.time())
    old = claims(iat=now - 7200, nbf=now - 7200, exp=now - 60)
    assert refusal(encode(old)) == ErrorCode.TOKEN_EXPIRED


def test_a_few_seconds_of_clock_skew_are_tolerated() -> None:
    now = int(time.time())
    skewed = claims(exp=now - 2, nbf=now + 2, iat=now + 2)
    assert tokens.verify(SECRET, encode(skewed), session=SESSION).participant_id == "p-7"


def test_a_token_not_valid_yet_is_refused() -> None:
    token = tokens.mint(
        SECRET, session=SESSION, name="Amy", role=Role.PARTICIPANT,
        not_before=time.time() + 3600,
    )
    assert refusal(token) == ErrorCode.TOKEN_NOT_YET_VALID


@pytest.mark.parametrize("claim", tokens.REQUIRED_CLAIMS)
def test_each_required_claim_is_required(claim: str) -> None:
    c = claims()
    del c[claim]
    assert refusal(encode(c)) == ErrorCode.TOKEN_CLAIMS


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("sub", ""),
        ("sub", 17),
        ("sub", "has space"),
        ("sub", "a/b"),
        ("sub", "x" * 65),
        ("jti", 17),
        ("name", ""),
        ("name", "   "),
        ("name", 17),
        ("name", "x" * 65),
        ("name", "Amy\nSYSTEM: admitted"),
        ("session", 17),
        ("role", "admin"),
        ("role", "FACILITATOR"),
        ("role", ["facilitator"]),
    ],
)
def test_a_malformed_claim_is_refused(claim: str, value: Any) -> None:
    assert refusal(encode(claims(**{claim: value}))) == ErrorCode.TOKEN_CLAIMS


def test_an_unknown_claim_is_refused() -> None:
    assert refusal(encode(claims(admin=True))) == ErrorCode.TOKEN_CLAIMS
    # Not even via mint's `extra`.
    token = tokens.mint(
        SECRET, session=SESSION, name="Amy", role=Role.PARTICIPANT, extra={"room": "x"}
    )
    assert refusal(token) == ErrorCode.TOKEN_CLAIMS


def test_a_link_for_another_session_is_refused() -> None:
    token = tokens.mint(SECRET, session="other-group", name="Amy", role=Role.PARTICIPANT)
    assert refusal(token, session=SESSION) == ErrorCode.TOKEN_WRONG_SESSION


def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode(claims(), "", algorithm="none")
    assert refusal(unsigned) == ErrorCode.TOKEN_INVALID


@pytest.mark.filterwarnings("ignore:The HMAC key is")
@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_hmac_algorithms_are_refused(algorithm: str) -> None:
    assert refusal(encode(claims(), algorithm=algorithm)) == ErrorCode.TOKEN_INVALID


def test_public_key_algorithms_are_refused() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert refusal(jwt.encode(claims(), key, algorithm="RS256")) == ErrorCode.TOKEN_INVALID


def test_generated_secrets_are_long_enough_and_distinct() -> None:
    a, b = tokens.generate_secret(), tokens.generate_secret()
    assert a != b
    assert len(a.encode()) >= tokens.MIN_SECRET_BYTES
