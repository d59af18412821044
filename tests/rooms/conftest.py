"""Both store backends behind one fixture, so every contract test runs against each."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from rooms.memory_store import MemoryStore
from rooms.redis_store import RedisStore
from rooms.store import DEFAULT_ATTENDANCE_RETENTION, DEFAULT_EVENT_LOG_LENGTH, Store

MakeStore = Callable[..., Store]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def make_store(request: pytest.FixtureRequest) -> AsyncIterator[MakeStore]:
    """A factory for stores of the parametrised backend; Redis ones get a fresh key prefix
    each, so tests never see each other's keys on the shared redis-server."""
    made: list[Store] = []
    redis_url = request.getfixturevalue("redis_server").url if request.param == "redis" else ""

    def make(
        event_log_length: int = DEFAULT_EVENT_LOG_LENGTH,
        attendance_retention: float = DEFAULT_ATTENDANCE_RETENTION,
    ) -> Store:
        store: Store
        if request.param == "memory":
            store = MemoryStore(event_log_length=event_log_length,
                                attendance_retention=attendance_retention)
        else:
            prefix = f"test-{uuid.uuid4().hex}"
            store = RedisStore(redis_url, prefix=prefix, event_log_length=event_log_length,
                               attendance_retention=attendance_retention)
        made.append(store)
        return store

    yield make
    for store in made:
        await store.close()


@pytest.fixture
def store(make_store: MakeStore) -> Store:
    return make_store()
