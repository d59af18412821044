"""Run Janus as a child process: configure, start, watch, restart, stop.

`JanusProcess` writes a fresh configuration (new secrets every time) into a private
folder, starts `janus -F <folder>`, and waits until its WebSocket API answers `info`.
Then it watches the process: when Janus dies it tells the owner (`on_lost`), starts it
again, backing off when it keeps crashing, and tells the owner again (`on_ready`) with
the new URL and secret, so the server can rebuild its rooms and ask clients to
renegotiate. Janus's own output goes to our log at debug level (errors at warning), and
its last lines are logged when it dies. Nothing here logs a participant's name.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import json
import logging
import os
import shutil
import signal
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from signaling.janus.config import (
    VIDEOROOM_PLUGIN,
    WEBSOCKET_TRANSPORT,
    JanusInstall,
    JanusSecrets,
    JanusSettings,
    write_config,
)

log = logging.getLogger("facilitation.janus")

ReadyCallback = Callable[[str, str], Awaitable[None]]
LostCallback = Callable[[], Awaitable[None]]

START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0
# Restart backoff: at once after a first crash, then 1, 2, 4 ... 30 s while it keeps
# crashing; a Janus that stayed up this long counts as healthy again.
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
HEALTHY_AFTER = 60.0


class JanusStartError(RuntimeError):
    """Janus did not come up (bad configuration, port taken, crashed while starting)."""


def find_janus(binary: str | None = None) -> JanusInstall | None:
    """The installed Janus (binary and module folders), or None when it is missing or
    lacks the VideoRoom plugin or WebSocket transport: then the server stays peer to
    peer."""
    path = binary or shutil.which("janus")
    if path is None:
        return None
    exe = Path(path).resolve()
    prefix = exe.parent.parent  # /usr for /usr/bin/janus, /opt/janus for /opt/janus/bin
    for lib in [*sorted((prefix / "lib").glob("*/janus")), prefix / "lib" / "janus"]:
        install = JanusInstall(
            binary=exe,
            plugins_dir=lib / "plugins",
            transports_dir=lib / "transports",
            events_dir=lib / "events",
            loggers_dir=lib / "loggers",
        )
        if (install.plugins_dir / VIDEOROOM_PLUGIN).exists() and (
            install.transports_dir / WEBSOCKET_TRANSPORT
        ).exists():
            return install
    return None


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the server process dies, so a crashed
    server never leaves an orphaned Janus holding its ports."""
    _libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


_libc = ctypes.CDLL(None, use_errno=True)  # loaded before any fork
_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


class JanusProcess:
    """A supervised Janus. `await start()`, register callbacks, `await stop()`."""

    def __init__(
        self,
        settings: JanusSettings,
        install: JanusInstall | None = None,
        *,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        found = install or find_janus()
        if found is None:
            raise JanusStartError("Janus is not installed (Debian package `janus`)")
        self.settings = settings
        self.install = found
        self.start_timeout = start_timeout
        self.url = f"ws://127.0.0.1:{settings.ws_port}"
        self._secrets = JanusSecrets()
        self._folder: Path | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._output_task: asyncio.Task[None] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._tail: collections.deque[str] = collections.deque(maxlen=30)
        self._ready_callbacks: list[ReadyCallback] = []
        self._lost_callbacks: list[LostCallback] = []
        self._stopping = False
        self.ready = False
        self.starts = 0  # how many times Janus was started (1 + restarts)
        self.last_start_seconds: float | None = None  # launch to first `info` answer

    # ---- owner's interface ----------------------------------------------------------------
    @property
    def api_secret(self) -> str:
        """The current secret (it changes on every restart)."""
        return self._secrets.api_secret

    @property
    def config_folder(self) -> Path | None:
        """The private folder holding the running Janus's configuration."""
        return self._folder

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def on_ready(self, callback: ReadyCallback) -> None:
        """`callback(url, api_secret)` after every (re)start, once the API answers."""
        self._ready_callbacks.append(callback)

    def on_lost(self, callback: LostCallback) -> None:
        """`callback()` when Janus died unexpectedly (before it is restarted)."""
        self._lost_callbacks.append(callback)

    async def start(self) -> None:
        """Start Janus and wait until it answers; raises `JanusStartError` if it does not.
        The `on_ready` callbacks registered so far run before this returns."""
        if self._supervisor is not None:
            raise RuntimeError("already started")
        self._stopping = False
        self._folder = Path(tempfile.mkdtemp(prefix="janus-"))  # mode 0700
        try:
            await self._launch()
        except BaseException:
            await self._cleanup()
            raise
        await self._fire_ready()
        self._supervisor = asyncio.create_task(self._supervise())

    async def stop(self) -> None:
        """Stop Janus (SIGTERM, then SIGKILL if it lingers) and remove its configuration."""
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        await self._terminate()
        await self._cleanup()

    async def __aenter__(self) -> JanusProcess:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    # ---- one run of Janus -----------------------------------------------------------------
    async def _launch(self) -> None:
        assert self._folder is not None
        loop = asyncio.get_running_loop()
        began = loop.time()
        self._secrets = JanusSecrets()
        write_config(self._folder, self.settings, self.install, self._secrets)
        self._tail.clear()
        self._proc = await asyncio.create_subprocess_exec(
            str(self.install.binary),
            "--configs-folder", str(self._folder),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=self._folder,
            # Its own process group: a Ctrl-C meant for the server does not reach Janus
            # before the server has stopped it in order.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.starts += 1
        self._output_task = asyncio.create_task(self._read_output(self._proc))
        try:
            await self._wait_until_answering(self._proc)
        except BaseException:
            await self._terminate()
            raise
        self.last_start_seconds = loop.time() - began
        self.ready = True
        log.info("Janus %s up in %.2f s", self._proc.pid, self.last_start_seconds)

    async def _wait_until_answering(self, proc: asyncio.subprocess.Process) -> None:
        """Poll the API with `info` until it answers, Janus exits, or time runs out."""
        exited = asyncio.ensure_future(proc.wait())
        try:
            async with asyncio.timeout(self.start_timeout):
                async with aiohttp.ClientSession() as http:
                    retry = 0.02
                    while True:
                        probe = asyncio.ensure_future(self._probe(http))
                        await asyncio.wait({probe, exited}, return_when=asyncio.FIRST_COMPLETED)
                        if exited.done():
                            probe.cancel()
                            raise JanusStartError(
                                f"Janus exited with {proc.returncode} while starting:\n"
                                + self.output_tail()
                            )
                        if probe.result():
                            return
                        # Not listening yet: try again soon, a little later each time.
                        await asyncio.sleep(retry)
                        retry = min(retry * 2, 0.25)
        except TimeoutError:
            raise JanusStartError(
                f"Janus did not answer within {self.start_timeout}s:\n" + self.output_tail()
            ) from None
        finally:
            if not exited.done():
                exited.cancel()

    async def _probe(self, http: aiohttp.ClientSession) -> bool:
        """True when the API answers `info` and VideoRoom is loaded."""
        try:
            async with http.ws_connect(self.url, protocols=("janus-protocol",)) as ws:
                await ws.send_str(json.dumps({
                    "janus": "info", "transaction": "ready-probe",
                    "apisecret": self._secrets.api_secret,
                }))
                reply = json.loads(await ws.receive_str(timeout=2.0))
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError, TypeError):
            return False
        if reply.get("janus") != "server_info":
            return False
        if "janus.plugin.videoroom" not in (reply.get("plugins") or {}):
            raise JanusStartError("Janus started without the VideoRoom plugin")
        return True

    async def _read_output(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while True:
            try:
                line = await proc.stdout.readline()
            except ValueError:
                continue  # a line beyond the reader's limit: asyncio dropped it
            if not line:
                return
            text = line.decode(errors="replace").rstrip()
            if "has been disabled, skipping" in text:
                continue  # the modules we disabled on purpose, at every start
            self._tail.append(text)
            if "[ERR]" in text or "[FATAL]" in text:
                log.warning("janus: %s", text)
            else:
                log.debug("janus: %s", text)

    def output_tail(self) -> str:
        """Janus's last lines of output (for error messages)."""
        return "\n".join(self._tail)

    async def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        self.ready = False
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
            except TimeoutError:
                log.warning("Janus %s ignored SIGTERM; killing it", proc.pid)
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        if self._output_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._output_task
            self._output_task = None

    async def _cleanup(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    # ---- supervision ----------------------------------------------------------------------
    async def _supervise(self) -> None:
        loop = asyncio.get_running_loop()
        crashes = 0
        up_since = loop.time()
        while not self._stopping:
            proc = self._proc
            if proc is not None:
                code = await proc.wait()
                if self._output_task is not None:
                    with contextlib.suppress(Exception):
                        await self._output_task  # so the tail holds its last words
                log.warning("Janus %s exited with %s; last output:\n%s",
                            proc.pid, code, self.output_tail())
                self.ready = False
                self._proc = None
                await self._fire_lost()
            crashes = 1 if loop.time() - up_since > HEALTHY_AFTER else crashes + 1
            if crashes > 1:
                delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (crashes - 2))
                log.warning("Janus keeps failing (%d in a row); restarting in %.0f s",
                            crashes, delay)
                await asyncio.sleep(delay)
            try:
                await self._launch()
            except (JanusStartError, OSError) as exc:
                log.warning("Janus restart failed: %s", exc)
                continue
            up_since = loop.time()
            await self._fire_ready()

    async def _fire_ready(self) -> None:
        for callback in self._ready_callbacks:
            try:
                await callback(self.url, self.api_secret)
            except Exception:
                log.exception("a Janus on_ready callback failed")

    async def _fire_lost(self) -> None:
        for callback in self._lost_callbacks:
            try:
                await callback()
            except Exception:
                log.exception("a Janus on_lost callback failed")

    def send_signal(self, signum: int) -> None:
        """For tests and operators: signal the running Janus (e.g. SIGKILL)."""
        if self._proc is not None and self._proc.returncode is None:
            os.kill(self._proc.pid, signum)
