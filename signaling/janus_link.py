"""Keeps the server connected to a Janus: its own supervised one, or an existing one.

Whatever happens to Janus, the SFU plane hears of it: `janus_ready(client)` after every
(re)connection, `janus_lost()` when the connection drops. With our own Janus the
supervisor restarts it; with an external one we reconnect with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket

import ifaddr

from signaling.config import Config
from signaling.janus.client import JanusClient
from signaling.janus.config import JanusSettings
from signaling.janus.process import JanusProcess, JanusStartError, find_janus
from signaling.sfu import SfuPlane

log = logging.getLogger("facilitation.janus.link")

RECONNECT_MAX_SECONDS = 10.0


def default_media_address() -> str | None:
    """This host's first IPv4 address that is not on a loopback device (Janus skips
    those): the address browsers send media to, unless configured."""
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str) and not ipaddress.ip_address(ip.ip).is_link_local:
                if adapter.name != "lo" and ip.ip != "127.0.0.1":
                    return ip.ip
    return None


def _free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class JanusLink:
    def __init__(self, config: Config, sfu: SfuPlane) -> None:
        self.config = config
        self.sfu = sfu
        self.process: JanusProcess | None = None
        self.client: JanusClient | None = None
        self._reconnect: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        mode = self.config.janus
        if mode == "off":
            log.info("SFU off: every room is peer to peer")
            return
        if mode != "auto":
            self._reconnect = asyncio.create_task(self._keep_connected(mode))
            return
        install = find_janus()
        if install is None:
            log.info("Janus is not installed: every room is peer to peer")
            return
        address = self.config.media_address or default_media_address()
        if address is None:
            log.warning("no non-loopback IPv4 address for media: every room is peer to peer")
            return
        settings = JanusSettings(
            media_address=address,
            ws_port=_free_loopback_port(),
            public_ip=self.config.media_public_ip,
            rtp_ports=self.config.rtp_ports,
        )
        self.process = JanusProcess(settings, install)
        self.process.on_ready(self._connect)
        try:
            await self.process.start()
        except JanusStartError as exc:
            log.error("Janus did not start (%s): every room is peer to peer", exc)
            self.process = None

    async def _connect(self, url: str, api_secret: str) -> None:
        client = await JanusClient.connect(url, api_secret)
        self.client = client
        client.on_lost(self._lost)
        await self.sfu.janus_ready(client)

    async def _lost(self) -> None:
        self.client = None
        await self.sfu.janus_lost()
        if self.config.janus not in ("auto", "off") and not self._closing:
            # An external Janus: nobody restarts it for us; keep trying to reach it.
            self._reconnect = asyncio.create_task(self._keep_connected(self.config.janus))

    async def _keep_connected(self, url: str) -> None:
        delay = 0.5
        while not self._closing:
            try:
                await self._connect(url, self.config.janus_api_secret or "")
                return
            except Exception as exc:
                log.warning("cannot reach Janus (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    async def close(self) -> None:
        self._closing = True
        if self._reconnect is not None:
            self._reconnect.cancel()
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.close()
        if self.process is not None:
            await self.process.stop()
