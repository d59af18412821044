"""The command line, run as a clinic's admin would: `python -m signaling ...`."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from facilitation.errors import ErrorCode, Refused
from rooms.model import Role
from signaling import tokens
from tests.support.services import REPO, free_port

SECRET = "cli-test-secret-" + "c" * 40


def run(
    *args: str, secret: str | None = None, state_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACILITATION_")}
    if secret is not None:
        env["FACILITATION_SECRET"] = secret
    if state_dir is not None:
        env["XDG_STATE_HOME"] = str(state_dir)
    return subprocess.run(
        [sys.executable, "-m", "signaling", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def invite_lines(out: str) -> list[tuple[str, str, str]]:
    lines = [line.split("\t") for line in out.splitlines()]
    assert all(len(parts) == 3 for parts in lines), out
    return [(role, name, url) for role, name, url in lines]


def token_of(url: str, base_url: str, session: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == base_url
    assert parts.path == f"/s/{session}"
    assert not parts.query  # the token never goes where servers and proxies log it
    assert parts.fragment.startswith("token=")
    return parts.fragment.removeprefix("token=")


# ---- serve ---------------------------------------------------------------------------------
def test_serve_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    result = run("serve", "--port", str(free_port()), state_dir=tmp_path)
    assert result.returncode != 0
    assert "FACILITATION_SECRET" in result.stderr
    assert "--dev" in result.stderr
    assert "Facilitation server on" not in result.stdout
    assert not (tmp_path / "facilitation").exists()  # no development secret was made


def test_serve_refuses_a_short_secret() -> None:
    result = run("serve", "--port", str(free_port()), secret="short-secret")
    assert result.returncode != 0
    assert f"at least {tokens.MIN_SECRET_BYTES} bytes" in result.stderr
    assert "Facilitation server on" not in result.stdout


def test_serve_needs_a_key_with_a_certificate() -> None:
    result = run("serve", "--port", str(free_port()), "--tls-cert", "cert.pem", secret=SECRET)
    assert result.returncode != 0
    assert "--tls-key" in result.stderr


@pytest.mark.parametrize("flag", ["--engagement-interval", "--webhook-max-delay"])
def test_serve_refuses_a_pause_of_no_time(flag: str) -> None:
    result = run("serve", "--port", str(free_port()), flag, "0", secret=SECRET)
    assert result.returncode == 2
    assert f"{flag} must be more than 0 seconds." in result.stderr
    assert "Facilitation server on" not in result.stdout


# ---- invite --------------------------------------------------------------------------------
def test_invite_prints_one_working_link_per_person() -> None:
    base = "https://groups.clinic.example"
    result = run(
        "invite", "--session", "tue-group", "--base-url", base,
        "--facilitator", "Dr. Rivera", "--cofacilitator", "Jo",
        "--participant", "Sam", "--participant", "Alex Kim", "--observer", "Trainee",
        secret=SECRET,
    )
    assert result.returncode == 0, result.stderr
    lines = invite_lines(result.stdout)
    assert [(role, name) for role, name, _ in lines] == [
        ("facilitator", "Dr. Rivera"),
        ("cofacilitator", "Jo"),
        ("participant", "Sam"),
        ("participant", "Alex Kim"),
        ("observer", "Trainee"),
    ]
    ids = set()
    for role, name, url in lines:
        who = tokens.verify(SECRET, token_of(url, base, "tue-group"), session="tue-group")
        assert (who.role, who.name, who.session_id) == (Role(role), name, "tue-group")
        ids.add(who.participant_id)
    assert len(ids) == len(lines)  # everyone gets their own seat


def test_invite_with_the_secret_flag_and_a_lifetime() -> None:
    result = run(
        "invite", "--secret", SECRET, "--session", "s1", "--base-url", "http://localhost:9000/",
        "--participant", "Sam", "--ttl", "900",
    )
    assert result.returncode == 0, result.stderr
    [(_, _, url)] = invite_lines(result.stdout)
    who = tokens.verify(SECRET, token_of(url, "http://localhost:9000", "s1"), session="s1")
    assert who.expires_at == pytest.approx(time.time() + 900, abs=30)


def test_invite_links_do_not_work_for_another_session() -> None:
    result = run("invite", "--session", "s1", "--participant", "Sam", secret=SECRET)
    [(_, _, url)] = invite_lines(result.stdout)
    token = urlsplit(url).fragment.removeprefix("token=")
    with pytest.raises(Refused) as info:
        tokens.verify(SECRET, token, session="s2")
    assert info.value.code == ErrorCode.TOKEN_WRONG_SESSION


def test_invite_refuses_a_short_secret() -> None:
    result = run("invite", "--session", "s1", "--participant", "Sam", secret="short-secret")
    assert result.returncode != 0
    assert f"at least {tokens.MIN_SECRET_BYTES} bytes" in result.stderr
    assert result.stdout == ""


def test_invite_without_a_secret_or_anyone_to_invite_fails(tmp_path: Path) -> None:
    no_secret = run("invite", "--session", "s1", "--participant", "Sam", state_dir=tmp_path)
    assert no_secret.returncode != 0 and "FACILITATION_SECRET" in no_secret.stderr
    assert no_secret.stdout == ""

    nobody = run("invite", "--session", "s1", secret=SECRET)
    assert nobody.returncode != 0 and "at least one person" in nobody.stderr


@pytest.mark.parametrize(
    ("session", "name"),
    [("Tuesday group", "Sam"), ("a/b", "Sam"), ("s1", "x" * 65), ("s1", "Tab\there")],
)
def test_invite_refuses_to_print_a_link_the_server_would_refuse(
    session: str, name: str
) -> None:
    result = run("invite", "--session", session, "--participant", "Ok", "--participant", name,
                 secret=SECRET)
    assert result.returncode != 0
    assert "Cannot make a link" in result.stderr
    assert result.stdout == ""


def test_dev_invites_keep_working_across_runs(tmp_path: Path) -> None:
    first = run("invite", "--dev", "--session", "demo", "--participant", "Sam", state_dir=tmp_path)
    second = run("invite", "--dev", "--session", "demo", "--participant", "Alex",
                 state_dir=tmp_path)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr

    secret_file = tmp_path / "facilitation" / "dev-secret"
    dev_secret = secret_file.read_text().strip()
    assert len(dev_secret.encode()) >= tokens.MIN_SECRET_BYTES
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    for out in (first.stdout, second.stdout):
        [(_, _, url)] = invite_lines(out)
        token = urlsplit(url).fragment.removeprefix("token=")
        assert tokens.verify(dev_secret, token, session="demo").session_id == "demo"
