"""TURN REST credentials (coturn `use-auth-secret`) as handed to a participant at join."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from signaling.turn import (
    DEFAULT_TTL_SECONDS,
    ice_servers,
    mint_credentials,
    turn_password,
    turn_username,
)

SECRET = "north-clinic-turn-secret"
NOW = 1_700_000_000.0
URLS = [
    "turn:turn.clinic.example:3478?transport=udp",
    "turn:turn.clinic.example:3478?transport=tcp",
    "turns:turn.clinic.example:5349?transport=tcp",
]


def test_username_is_expiry_then_participant_id() -> None:
    creds = mint_credentials(SECRET, "p-7f3a", ttl=3600, now=NOW)
    assert creds.username == "1700003600:p-7f3a"
    assert creds.expires_at == 1_700_003_600
    # coturn reads the expiry as the digits before the first ':'; ids may hold ':' too.
    assert mint_credentials(SECRET, "a:b", ttl=60, now=NOW).username == "1700000060:a:b"


def test_credential_matches_a_vector_computed_with_openssl() -> None:
    # printf '%s' '1700003600:p-7f3a' | openssl dgst -sha1 -hmac 'north-clinic-turn-secret' \
    #   -binary | base64
    assert turn_password(SECRET, "1700003600:p-7f3a") == "Tz35GQJ1y/xQ3C/JWX+VPqXCQLA="


def test_credential_is_base64_hmac_sha1_of_the_username() -> None:
    creds = mint_credentials(SECRET, "participant-42", ttl=90, now=NOW)
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), creds.username.encode(), hashlib.sha1).digest()
    ).decode()
    assert creds.credential == expected


def test_default_validity_is_a_session_length_and_not_more() -> None:
    creds = mint_credentials(SECRET, "p1", now=NOW)
    assert creds.expires_at == NOW + DEFAULT_TTL_SECONDS
    assert 2 * 3600 <= DEFAULT_TTL_SECONDS <= 12 * 3600


def test_each_participant_and_each_expiry_gets_its_own_credential() -> None:
    a = mint_credentials(SECRET, "p1", ttl=60, now=NOW)
    b = mint_credentials(SECRET, "p2", ttl=60, now=NOW)
    later = mint_credentials(SECRET, "p1", ttl=60, now=NOW + 1)
    other_secret = mint_credentials(SECRET + "x", "p1", ttl=60, now=NOW)
    assert len({a.credential, b.credential, later.credential, other_secret.credential}) == 4


def test_ice_servers_one_entry_with_all_turn_urls_and_stun_first() -> None:
    servers = ice_servers(
        URLS, SECRET, "p-7f3a", stun_urls=["stun:stun.clinic.example:3478"], ttl=3600, now=NOW
    )
    assert servers == [
        {"urls": ["stun:stun.clinic.example:3478"]},
        {
            "urls": URLS,
            "username": "1700003600:p-7f3a",
            "credential": "Tz35GQJ1y/xQ3C/JWX+VPqXCQLA=",
        },
    ]


def test_ice_servers_without_turn_urls_has_no_credentials() -> None:
    assert ice_servers([], None, "p1") == []
    assert ice_servers([], None, "p1", stun_urls=["stun:s.example"]) == [
        {"urls": ["stun:s.example"]}
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ice_servers(["https://turn.example"], SECRET, "p1"), "not a turn"),
        (lambda: ice_servers(URLS, SECRET, "p1", stun_urls=["turn:x"]), "not a stun"),
        (lambda: ice_servers(URLS, None, "p1"), "no TURN shared secret"),
        (lambda: ice_servers(URLS, "", "p1"), "no TURN shared secret"),
        (lambda: mint_credentials(SECRET, "p1", ttl=0), "ttl"),
        (lambda: turn_username("", 1), "participant id"),
        (lambda: turn_username("has space", 1), "participant id"),
    ],
)
def test_misconfiguration_is_refused_loudly(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]
