"""Browser tests: real Chromium (Debian's), driven by Playwright, against the real server.

Every participant gets its own browser context (its own cookies, storage and fake
devices). The client is instrumented only from outside: an init script collects the
RTCPeerConnections a page creates (to read their stats) and records how many tiles each
person has over time (to prove no duplicate ever appears).

Run inside the project's network namespace (see scripts/in-netns.sh):
    scripts/in-netns.sh .venv/bin/python -m pytest tests/browser
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from rooms.model import Role
from signaling.python_participant import PythonParticipant
from tests.browser.helpers import FacilitatorControls
from tests.support.chromium import CHROMIUM
from tests.support.chromium import CHROMIUM_ARGS as SHARED_CHROMIUM_ARGS
from tests.support.services import REPO, ServerProcess

STATIC_INDEX = REPO / "signaling" / "static" / "index.html"

# A hostname that is not "potentially trustworthy" (unlike localhost and 127.0.0.0/8), so a
# page served under it over http is not a secure context. Chromium resolves it to loopback.
INSECURE_HOST = "insecure-origin.test"

CHROMIUM_ARGS = [*SHARED_CHROMIUM_ARGS, f"--host-resolver-rules=MAP {INSECURE_HOST} 127.0.0.1"]

# Collects every RTCPeerConnection the page makes, and logs how many tiles show each name.
INIT_SCRIPT = r"""
(() => {
  const Native = window.RTCPeerConnection;
  if (Native && !window.__testPeerConnections) {
    const pcs = [];
    Object.defineProperty(window, '__testPeerConnections', { value: pcs });
    window.RTCPeerConnection = class extends Native {
      constructor(...args) { super(...args); pcs.push(this); }
    };
  }
  const tiles = {};  // the name a tile shows -> {max, appeared, vanished, present}
  Object.defineProperty(window, '__testTiles', { value: tiles });
  const count = () => {
    const now = {};
    for (const el of document.querySelectorAll('li.tile .name')) {
      const id = el.textContent;
      now[id] = (now[id] || 0) + 1;
    }
    for (const id of Object.keys(now)) {
      const t = tiles[id] || (tiles[id] = { max: 0, appeared: 0, vanished: 0, present: false });
      if (!t.present) { t.appeared += 1; t.present = true; }
      t.max = Math.max(t.max, now[id]);
    }
    for (const id of Object.keys(tiles)) {
      if (!now[id] && tiles[id].present) { tiles[id].present = false; tiles[id].vanished += 1; }
    }
  };
  const start = () => {
    new MutationObserver(count)
      .observe(document.documentElement, { childList: true, subtree: true });
    count();
  };
  if (document.documentElement) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def built_client() -> Path:
    # An error, not a skip: a browser test that never ran must not look like a pass.
    if not os.environ.get("FACILITATION_TEST_NETNS"):
        pytest.fail(
            "browser tests run inside the test network namespace: "
            "sudo scripts/in-netns.sh .venv/bin/python -m pytest tests/browser",
            pytrace=False,
        )
    if not STATIC_INDEX.is_file():
        pytest.fail(
            "The web client is not built (signaling/static/index.html is missing). Run:\n"
            "  npm --prefix web_client ci && npm --prefix web_client run build",
            pytrace=False,
        )
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (install Debian's chromium)", pytrace=False)
    return STATIC_INDEX


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        await b.close()


@dataclass
class Person:
    name: str
    context: BrowserContext
    page: Page
    console: list[str] = field(default_factory=list)


NewPerson = Callable[..., Awaitable[Person]]


@pytest_asyncio.fixture(loop_scope="session")
async def new_person(browser: Browser) -> AsyncIterator[NewPerson]:
    """Open a join link in a fresh browser context (its own fake camera and microphone)."""
    contexts: list[BrowserContext] = []

    async def open_link(url: str, name: str = "", *, width: int = 480, height: int = 640) -> Person:
        context = await browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        context.set_default_timeout(20_000)
        await context.add_init_script(INIT_SCRIPT)
        page = await context.new_page()
        person = Person(name=name, context=context, page=page)
        page.on("console", lambda msg: person.console.append(msg.text))
        page.on("pageerror", lambda exc: person.console.append(f"pageerror: {exc}"))
        await page.goto(url)
        return person

    yield open_link
    for context in contexts:
        await context.close()


@pytest.fixture
def session_id() -> str:
    return "s-" + uuid.uuid4().hex[:12]


def invite(secret: str, base_url: str, session: str, *args: str) -> list[tuple[str, str, str]]:
    """Join links printed by the real `facilitation invite` command: (role, name, url)."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "signaling",
            "invite",
            "--session",
            session,
            "--base-url",
            base_url,
            *args,
        ],
        cwd=REPO,
        env={**os.environ, "FACILITATION_SECRET": secret},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    rows = [tuple(line.split("\t")) for line in out.splitlines() if line.strip()]
    assert all(len(r) == 3 for r in rows), out
    return rows  # type: ignore[return-value]


@pytest_asyncio.fixture(loop_scope="session")
async def python_people() -> AsyncIterator[list[PythonParticipant]]:
    """Python (aiortc) participants a test makes alongside its browsers; closed after."""
    made: list[PythonParticipant] = []
    yield made
    for person in made:
        await person.close()


# ---- breakouts and check-ins (test_breakouts.py, test_checkins.py) ---------------------------
@pytest.fixture(scope="module")
def group_server(secret: str) -> Iterator[ServerProcess]:
    """Its own Janus and the default threshold: a main room of five or more goes through
    the SFU, rooms of two are peer to peer. A dropped seat is kept 20 s."""
    proc = ServerProcess(secret=secret, grace_seconds=20.0, janus="auto").start()
    yield proc
    proc.stop()


# ---- the whiteboard (test_whiteboard*.py) ---------------------------------------------------
@pytest.fixture(scope="module")
def wb_server(secret: str) -> Iterator[ServerProcess]:
    # A long grace period: a browser that goes offline for a while keeps its seat.
    proc = ServerProcess(secret=secret, grace_seconds=60).start()
    yield proc
    proc.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def checker(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str
) -> AsyncIterator[FacilitatorControls]:
    """A silent observer on a plain Socket.IO client: asks the server for its board."""
    token = mint(session_id, "Board checker", Role.OBSERVER, participant_id="p-checker")
    client = FacilitatorControls(wb_server, session_id, token)
    await client.join()
    yield client
    await client.close()
