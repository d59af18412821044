"""Links that cannot be used get a plain message; a page that is not secure says why the
camera is unavailable."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.async_api import expect

from rooms.model import Role
from signaling import tokens
from tests.browser.conftest import INSECURE_HOST, NewPerson
from tests.browser.helpers import expect_media_flowing, join, tile
from tests.support.services import ServerProcess

WRONG_SECRET = "another-clinics-secret-" + "y" * 40


def _token(case: str, secret: str, session_id: str) -> str:
    """A join token that the server refuses for the given reason ("" for none at all)."""
    now = time.time()
    key, session = secret, session_id
    ttl, issued, not_before = 3600, now, None
    if case == "expired":
        issued = now - 2 * ttl
    elif case == "bad_signature":
        key = WRONG_SECRET
    elif case == "wrong_session":
        session = "some-other-session"
    elif case == "not_yet_valid":
        not_before = now + ttl
    else:
        assert case == "missing"
        return ""
    return tokens.mint(
        key,
        session=session,
        name="Sam",
        role=Role.PARTICIPANT,
        ttl_seconds=ttl,
        now=issued,
        not_before=not_before,
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        pytest.param(
            "expired",
            "This join link has expired. Please ask your clinic for a new link.",
            id="expired",
        ),
        pytest.param(
            "bad_signature",
            "This join link does not work. Please ask your clinic for a new link.",
            id="bad_signature",
        ),
        pytest.param(
            "wrong_session", "This join link is for a different session.", id="wrong_session"
        ),
        pytest.param("not_yet_valid", "This join link cannot be used yet.", id="not_yet_valid"),
        pytest.param("missing", "This join link is incomplete.", id="missing"),
    ],
)
async def test_unusable_link_shows_a_plain_message(
    server: ServerProcess,
    secret: str,
    session_id: str,
    new_person: NewPerson,
    case: str,
    message: str,
) -> None:
    token = _token(case, secret, session_id)
    url = f"{server.base_url}/s/{session_id}" + (f"#token={token}" if token else "")
    person = await new_person(url, "Sam")
    page = person.page
    await expect(page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    await expect(page.get_by_text(message)).to_be_visible()
    # No way forward that cannot work: no device check, no join button.
    await expect(page.get_by_role("button", name="Join", exact=True)).to_have_count(0)
    assert "token=" not in page.url
    if token:
        assert not [m for m in person.console if token in m], "the token was logged"


async def test_insecure_page_says_the_camera_is_blocked_and_still_joins(
    server: ServerProcess,
    mint: Callable[..., str],
    session_id: str,
    new_person: NewPerson,
) -> None:
    """Served over plain http under a real hostname (not localhost), the page is not a
    secure context, so browsers hide the camera and microphone."""
    host_token = mint(session_id, "Dana Rivera", Role.FACILITATOR)
    host = await new_person(f"{server.base_url}/s/{session_id}#token={host_token}", "Dana Rivera")
    insecure_url = server.base_url.replace("127.0.0.1", INSECURE_HOST)
    sam = await new_person(f"{insecure_url}/s/{session_id}#token={mint(session_id, 'Sam')}", "Sam")
    assert await sam.page.evaluate("window.isSecureContext") is False
    blocked = "blocks the camera and microphone on pages that are not secure"
    await expect(sam.page.get_by_text(blocked)).to_be_visible()
    await expect(sam.page.get_by_text("starts with https://")).to_be_visible()

    # Sam can still join to listen and watch.
    await join(host.page)
    await join(sam.page)
    await expect(sam.page.get_by_text("Your microphone is not available")).to_be_visible()
    await expect(sam.page.get_by_role("button", name="Mute microphone")).to_have_count(0)
    await expect(tile(host.page, "Sam").get_by_role("img", name="Camera off")).to_be_visible()
    await expect(tile(host.page, "Sam").get_by_role("img", name="Microphone off")).to_be_visible()
    await expect_media_flowing([sam.page], 1)


async def test_same_link_in_a_second_window_replaces_the_first(
    server: ServerProcess,
    mint: Callable[..., str],
    session_id: str,
    new_person: NewPerson,
) -> None:
    url = f"{server.base_url}/s/{session_id}#token={mint(session_id, 'Sam')}"
    first = await new_person(url, "Sam")
    await join(first.page)
    second = await new_person(url, "Sam")
    await join(second.page)
    await expect(first.page.get_by_text("You joined from another window or device")).to_be_visible()
    await expect(second.page.get_by_text("Connected", exact=True)).to_be_visible()
