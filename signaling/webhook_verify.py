"""Checking a webhook from the facilitation server, on the clinic's side.

docs/webhooks.md shows this module as the receiver example, and the server's own tests
verify every webhook they receive with it. It needs PyJWT only.

Each request is a POST with the event as a JSON body and an `Authorization` header
holding a JWT (HS256, signed with the server's secret) whose `sha256` claim is the
base64 of the SHA-256 of the exact body bytes, as LiveKit signs its webhooks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt


class InvalidWebhook(Exception):
    """The request did not come from the server, or was changed on the way."""


def verify_webhook(
    body: bytes, authorization: str, secret: str, *, issuer: str | None = None
) -> dict[str, Any]:
    """The event in `body` if `authorization` signs exactly these bytes with `secret`
    (and names `issuer`, when given); else raise InvalidWebhook."""
    token = authorization.removeprefix("Bearer ").strip()
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=issuer,
            leeway=10,  # seconds of clock difference between the two machines
            options={"require": ["iss", "exp", "iat", "sha256"]},
        )
    except jwt.InvalidTokenError as exc:
        raise InvalidWebhook(f"bad signature token: {exc}") from None
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    if not hmac.compare_digest(str(claims["sha256"]), digest):
        raise InvalidWebhook("the body is not the one that was signed")
    event: dict[str, Any] = json.loads(body)
    return event
