"""Server configuration: command-line flags, with environment variables as defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from facilitation.base import DEFAULT_SFU_THRESHOLD
from facilitation.presence import DEFAULT_GRACE_SECONDS
from rooms.store import DEFAULT_ATTENDANCE_RETENTION
from signaling.engagement_push import DEFAULT_INTERVAL as DEFAULT_ENGAGEMENT_INTERVAL
from signaling.turn import DEFAULT_TTL_SECONDS
from signaling.webhooks import DEFAULT_MAX_DELAY


@dataclass(slots=True)
class Config:
    secret: str
    host: str = "127.0.0.1"
    port: int = 8080
    # The address people open (used in join links), e.g. https://groups.clinic.example
    public_url: str = ""
    dev: bool = False
    tls_cert: str | None = None
    tls_key: str | None = None
    redis_url: str | None = None
    # RTCIceServer dicts handed to clients at join: [{"urls": [...], ...}]
    ice_servers: list[dict[str, Any]] = field(default_factory=list)
    grace_seconds: float = DEFAULT_GRACE_SECONDS
    # TURN (coturn, TURN REST scheme): credentials are minted per participant at join.
    turn_urls: list[str] = field(default_factory=list)
    turn_secret: str | None = None
    turn_ttl: float = DEFAULT_TTL_SECONDS
    # The SFU. janus: "auto" (start our own Janus when installed), "off", or the
    # WebSocket URL of a Janus someone else runs (with janus_api_secret).
    janus: str = "auto"
    janus_api_secret: str | None = None
    # The address Janus offers media on; None: this host's first non-loopback IPv4.
    media_address: str | None = None
    # Behind a 1:1 NAT (a cloud VM): the public address browsers reach.
    media_public_ip: str | None = None
    rtp_ports: tuple[int, int] = (20000, 40000)
    sfu_threshold: int = DEFAULT_SFU_THRESHOLD
    # Coming in: a facilitator admits each participant; participants accept the ground
    # rules first. A drop-in group may switch either off.
    waiting_room: bool = True
    ground_rules: bool = True
    # JSON lines, one per facilitator action (opaque ids only).
    audit_log: str = ""
    # Where the built web client lives; None means the copy inside the package.
    static_dir: str | None = None
    # Attendance: how long an ended session's ledger is kept for the clinic to fetch; the
    # clinic's webhook URL, the directory undelivered events wait in, the longest pause
    # between two attempts, and the name the server signs with (`iss`; default its URL).
    attendance_retention: float = DEFAULT_ATTENDANCE_RETENTION
    webhook_url: str | None = None
    webhook_spool: str = ""
    webhook_max_delay: float = DEFAULT_MAX_DELAY
    server_id: str = ""
    # Seconds between two pushes of the engagement signals to the facilitators.
    engagement_interval: float = DEFAULT_ENGAGEMENT_INTERVAL

    @property
    def issuer(self) -> str:
        return self.server_id or self.base_url

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        scheme = "https" if self.tls_cert else "http"
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::") else self.host
        return f"{scheme}://{host}:{self.port}"

    def join_link(self, session: str, token: str) -> str:
        # The token rides in the fragment: browsers never send it to servers or proxies
        # (no access logs, no Referer leaks).
        return f"{self.base_url}/s/{session}#token={token}"
