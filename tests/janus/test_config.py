"""The generated Janus configuration, and what the running Janus exposes."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from signaling.janus.config import JanusInstall, JanusSecrets, JanusSettings, render
from signaling.janus.process import JanusProcess


def _setting(text: str, name: str) -> str:
    match = re.search(rf"^\s*{name} = (.*)$", text, re.MULTILINE)
    assert match, f"{name} not set"
    return match.group(1).strip('"')


def test_only_videoroom_and_the_websocket_transport_are_loaded(
    janus_install: JanusInstall,
) -> None:
    files = render(JanusSettings(media_address="127.0.0.2"), janus_install, JanusSecrets(),
                   Path("/x"))
    janus = files["janus.jcfg"]
    sections = dict(re.findall(r"^(\w+): \{\n\tdisable = \"([^\"]*)\"", janus, re.MULTILINE))
    installed = {
        "plugins": janus_install.plugins_dir, "transports": janus_install.transports_dir,
        "loggers": janus_install.loggers_dir,
    }
    for section, folder in installed.items():
        disabled = set(sections[section].split(",")) - {""}
        loaded = {p.name for p in folder.glob("*.so")} - disabled
        expected = {"plugins": {"libjanus_videoroom.so"},
                    "transports": {"libjanus_websockets.so"}}.get(section, set())
        assert loaded == expected, section
    assert "broadcast = false" in janus


def test_settings_reach_the_files(janus_install: JanusInstall) -> None:
    keys = JanusSecrets()
    settings = JanusSettings(media_address="10.0.0.5", ws_port=9999, public_ip="203.0.113.7",
                             rtp_ports=(31000, 31999))
    files = render(settings, janus_install, keys, Path("/x"))
    janus, ws = files["janus.jcfg"], files["janus.transport.websockets.jcfg"]
    assert _setting(janus, "api_secret") == keys.api_secret
    assert _setting(janus, "ice_enforce_list") == "10.0.0.5"
    assert _setting(janus, "nat_1_1_mapping") == "203.0.113.7"
    assert _setting(janus, "rtp_port_range") == "31000-31999"
    assert _setting(janus, "ipv6") == "false"
    assert _setting(ws, "ws_ip") == "127.0.0.1" and _setting(ws, "ws_port") == "9999"
    assert _setting(ws, "admin_ws") == "false" and _setting(ws, "wss") == "false"
    # Without a public address, no NAT mapping.
    plain = render(JanusSettings(media_address="10.0.0.5"), janus_install, keys, Path("/x"))
    assert "nat_1_1_mapping" not in plain["janus.jcfg"]


def test_every_start_has_new_secrets() -> None:
    assert JanusSecrets().api_secret != JanusSecrets().api_secret
    assert JanusSecrets().admin_secret != JanusSecrets().admin_secret


@pytest.mark.parametrize(
    "kwargs",
    [{"media_address": "::1"}, {"media_address": "localhost"},
     {"media_address": "127.0.0.2", "rtp_ports": (40000, 30000)},
     {"media_address": "127.0.0.2", "ws_port": 0}],
)
def test_bad_settings_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        JanusSettings(**kwargs)  # type: ignore[arg-type]


def _listening_sockets(pid: int) -> set[tuple[str, int]]:
    """TCP sockets `pid` listens on, as (address, port)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A: LISTEN
                address_hex, port_hex = local.split(":")
                address = (
                    ".".join(str(b) for b in bytes.fromhex(address_hex)[::-1])
                    if table == "tcp" else "IPv6 " + address_hex
                )
                found.add((address, int(port_hex, 16)))
    return found


def test_running_janus_listens_on_its_loopback_api_only(janus: JanusProcess) -> None:
    assert janus.pid is not None
    # No HTTP API, no admin API, nothing on the media address: one loopback socket.
    assert _listening_sockets(janus.pid) == {("127.0.0.1", janus.settings.ws_port)}
    # Its configuration (holding the API secret) is private to the server's user.
    folder = janus.config_folder
    assert folder is not None
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
