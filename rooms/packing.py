"""Records as msgpack bytes: how Redis keeps them, and how the memory store keeps the
whiteboard's (a packed copy is far cheaper than a deep copy of many points)."""

from __future__ import annotations

from typing import Any

import msgpack  # type: ignore[import-untyped]


def pack(obj: Any) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)  # type: ignore[no-any-return]


def unpack(data: bytes | str) -> Any:
    # Redis clients are made with decode_responses=False: replies are always bytes.
    assert isinstance(data, bytes)
    return msgpack.unpackb(data, raw=False)
