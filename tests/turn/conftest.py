"""TURN tests: credentials, and a real coturn relaying for aiortc peers and Chromium.

The relay tests run inside the private network namespace made by `scripts/in-netns.sh`
(see /work/shared/notes/test-network.md), like tests/media:

    scripts/in-netns.sh .venv/bin/python -m pytest tests/turn -q
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.coturn import CoturnProcess
from tests.support.services import require_test_netns


@pytest.fixture(scope="session")
def coturn() -> Iterator[CoturnProcess]:
    """One turnserver for the whole run; tests tell their allocations apart by username."""
    server = CoturnProcess().start()
    yield server
    server.stop()


@pytest.fixture
def media_netns() -> None:
    require_test_netns("turn")
