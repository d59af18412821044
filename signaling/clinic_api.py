"""The clinic's HTTP API: what a scheduling or EHR system sets up before a session, and what
facilitators take away from it.

Every request carries `Authorization: Bearer <join token>` of a facilitator of that
session (the clinic's system mints one, as it mints join links); the same permission
table decides as for Socket.IO requests.

- `PUT /api/sessions/{session}/admission` with a JSON body `{roster_only?, roster?,
  locked?, rules_text?}`: the roster of participant ids for a roster-only session, a lock,
  the session's ground rules. The body is validated like any Socket.IO request.
- `GET /api/sessions/{session}/rooms/{room}/whiteboard.svg`: a room's whiteboard as SVG.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from facilitation import Admission, ErrorCode, Identity, Refused, Whiteboard
from signaling import protocol, tokens
from signaling.config import Config

STATUS = {
    ErrorCode.NOT_PERMITTED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.SESSION_ENDED: 409,
}


def _caller(config: Config, request: web.Request) -> Identity:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Refused(ErrorCode.TOKEN_MISSING)
    return tokens.verify(config.secret, header[7:], session=request.match_info["session"])


def _refusal(refused: Refused) -> web.Response:
    status = 401 if refused.code.value.startswith("token_") else STATUS.get(refused.code, 400)
    return web.json_response(protocol.error(refused.code, refused.message), status=status)


def routes(
    config: Config, admission: Admission, whiteboard: Whiteboard, deliver: Any
) -> list[web.RouteDef]:
    async def put_admission(request: web.Request) -> web.Response:
        try:
            identity = _caller(config, request)
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
            return _refusal(refused)
        return web.json_response(protocol.ok())

    async def get_whiteboard_svg(request: web.Request) -> web.Response:
        room_id = request.match_info["room"]
        try:
            identity = _caller(config, request)
            if not re.fullmatch(protocol.ID_PATTERN, room_id):
                raise Refused(ErrorCode.INVALID_PAYLOAD, "That is not a room id.")
            svg, deliveries = await whiteboard.export_svg(identity, room_id)
            await deliver(deliveries)
        except Refused as refused:
            return _refusal(refused)
        return web.Response(
            text=svg,
            content_type="image/svg+xml",
            charset="utf-8",
            headers={
                # What a group drew is private: never kept by a cache on the way.
                "Cache-Control": "no-store",
                "Content-Disposition": f'inline; filename="whiteboard-{room_id}.svg"',
            },
        )

    return [
        web.put("/api/sessions/{session}/admission", put_admission),
        web.get("/api/sessions/{session}/rooms/{room}/whiteboard.svg", get_whiteboard_svg),
    ]
