"""docs/protocol.md and the web client's types name every event and error code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from facilitation.errors import ErrorCode
from signaling import protocol

REPO = Path(__file__).resolve().parents[2]
NAMES = [
    *protocol.REQUESTS,
    *protocol.SERVER_EVENTS,
    *protocol.ROOM_EVENTS,
    *(code.value for code in ErrorCode),
]


@pytest.mark.parametrize("name", NAMES)
def test_integrator_docs_name_it(name: str) -> None:
    text = (REPO / "docs" / "protocol.md").read_text()
    assert f"`{name}`" in text or (name.startswith("token_") and "`token_*`" in text)


@pytest.mark.parametrize("name", NAMES)
def test_web_client_types_name_it(name: str) -> None:
    text = (REPO / "web_client" / "src" / "protocol.ts").read_text()
    # As a string literal, or as a bare key of an interface (`join: ...`).
    bare_key = re.search(rf"^\s*{re.escape(name)}\??\s*:", text, re.MULTILINE)
    assert f'"{name}"' in text or f"'{name}'" in text or bare_key
