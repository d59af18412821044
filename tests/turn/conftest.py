"""TURN tests: credentials, and a real coturn relaying for aiortc peers and Chromium.

The relay tests run inside the private network namespace made by `scripts/in-netns.sh`
(see /work/shared/notes/test-network.md), like tests/media:

    scripts/in-netns.sh .venv/bin/python -m pytest tests/turn -q
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.coturn import CoturnProcess


@pytest.fixture(scope="session")
def coturn() -> Iterator[CoturnProcess]:
    """One turnserver for the whole run; tests tell their allocations apart by username."""
    server = CoturnProcess().start()
    yield server
    server.stop()


@pytest.fixture
def media_netns() -> None:
    # An error, not a skip: a media test that never ran must not look like a pass.
    if not os.environ.get("FACILITATION_TEST_NETNS"):
        pytest.fail(
            "TURN media tests run inside the test network namespace: "
            "sudo scripts/in-netns.sh .venv/bin/python -m pytest tests/turn",
            pytrace=False,
        )
