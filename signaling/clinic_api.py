"""The clinic's HTTP API: what a scheduling or EHR system sets up before a session.

`PUT /api/sessions/{session}/admission` with `Authorization: Bearer <join token>` of a
facilitator of that session (the clinic's system mints one, as it mints join links) and
a JSON body `{roster_only?, roster?, locked?, rules_text?}`: the roster of participant
ids for a roster-only session, a lock, the session's ground rules. The body is validated
like any Socket.IO request; the same permission table decides.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from facilitation import Admission, ErrorCode, Refused
from signaling import protocol, tokens
from signaling.config import Config

STATUS = {
    ErrorCode.NOT_PERMITTED: 403,
    ErrorCode.SESSION_ENDED: 409,
}


def routes(config: Config, admission: Admission, deliver: Any) -> list[web.RouteDef]:
    async def put_admission(request: web.Request) -> web.Response:
        session_id = request.match_info["session"]
        header = request.headers.get("Authorization", "")
        try:
            if not header.startswith("Bearer "):
                raise Refused(ErrorCode.TOKEN_MISSING)
            identity = tokens.verify(config.secret, header[7:], session=session_id)
            if request.content_length and request.content_length > protocol.MAX_MESSAGE_BYTES:
                raise Refused(ErrorCode.PAYLOAD_TOO_LARGE)
            try:
                body = json.loads(await request.text() or "{}")
            except ValueError:
                raise Refused(ErrorCode.INVALID_PAYLOAD, "The body is not JSON.") from None
            settings = protocol.parse("session.configure", body)
            await deliver(await admission.configure_ahead(
                identity, **settings.model_dump(exclude_none=True)
            ))
        except Refused as refused:
            status = 401 if refused.code.value.startswith("token_") else STATUS.get(
                refused.code, 400
            )
            return web.json_response(protocol.error(refused.code, refused.message), status=status)
        return web.json_response(protocol.ok())

    return [web.put("/api/sessions/{session}/admission", put_admission)]
