"""Command line: `facilitation serve` runs the server, `facilitation invite` prints links."""

from __future__ import annotations

import argparse
import json
import logging
import os
import ssl
import sys
from pathlib import Path

from aiohttp import web

from facilitation.errors import Refused
from rooms.model import Role
from rooms.store import DEFAULT_ATTENDANCE_RETENTION
from signaling import tokens, turn
from signaling.config import Config
from signaling.engagement_push import DEFAULT_INTERVAL as ENGAGEMENT_INTERVAL
from signaling.webhooks import DEFAULT_MAX_DELAY

DEV_SECRET_FILE = Path(
    os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")
) / "facilitation" / "dev-secret"


DEFAULT_AUDIT_LOG = DEV_SECRET_FILE.parent / "audit.jsonl"
DEFAULT_WEBHOOK_SPOOL = DEV_SECRET_FILE.parent / "webhooks"


def _dev_secret() -> str:
    """The development secret, made once and kept so links survive a restart."""
    if DEV_SECRET_FILE.is_file():
        return DEV_SECRET_FILE.read_text().strip()
    DEV_SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
    secret = tokens.generate_secret()
    DEV_SECRET_FILE.write_text(secret)
    DEV_SECRET_FILE.chmod(0o600)
    return secret


def _secret(args: argparse.Namespace) -> str | None:
    secret: str | None = args.secret or os.environ.get("FACILITATION_SECRET")
    if secret:
        return secret
    if args.dev:
        return _dev_secret()
    return None


def _long_enough(secret: str) -> bool:
    if len(secret.encode()) < tokens.MIN_SECRET_BYTES:
        print(f"The secret must be at least {tokens.MIN_SECRET_BYTES} bytes.", file=sys.stderr)
        return False
    return True


def _ice_servers(values: list[str]) -> list[dict[str, object]]:
    servers: list[dict[str, object]] = []
    for value in values:
        servers.append(json.loads(value) if value.startswith("{") else {"urls": [value]})
    return servers


def _port_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    return int(low), int(high)


def serve(args: argparse.Namespace) -> int:
    secret = _secret(args)
    if not secret:
        print(
            "No secret configured. Set FACILITATION_SECRET (or --secret) to the secret your "
            "clinic's system signs join links with, or run with --dev for local trials.",
            file=sys.stderr,
        )
        return 2
    if not _long_enough(secret):
        return 2
    config = Config(
        secret=secret,
        host=args.host,
        port=args.port,
        public_url=args.public_url or "",
        dev=args.dev,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        redis_url=args.redis_url or os.environ.get("FACILITATION_REDIS_URL"),
        ice_servers=_ice_servers(args.ice_server or []),
        grace_seconds=args.grace_seconds,
        static_dir=args.static_dir,
        turn_urls=args.turn_url or [],
        turn_secret=args.turn_secret or os.environ.get("FACILITATION_TURN_SECRET"),
        turn_ttl=args.turn_ttl,
        janus=args.janus,
        janus_api_secret=args.janus_api_secret or os.environ.get("FACILITATION_JANUS_SECRET"),
        media_address=args.media_address,
        media_public_ip=args.media_public_ip,
        rtp_ports=_port_range(args.rtp_ports),
        sfu_threshold=args.sfu_threshold,
        waiting_room=args.waiting_room == "on",
        ground_rules=args.ground_rules == "on",
        audit_log=args.audit_log or str(DEFAULT_AUDIT_LOG),
        attendance_retention=args.attendance_retention,
        webhook_url=args.webhook_url or None,
        webhook_spool=args.webhook_spool or str(DEFAULT_WEBHOOK_SPOOL),
        webhook_max_delay=args.webhook_max_delay,
        server_id=args.server_id or "",
        engagement_interval=args.engagement_interval,
    )
    for flag, seconds in (("--engagement-interval", config.engagement_interval),
                          ("--webhook-max-delay", config.webhook_max_delay)):
        if seconds <= 0:  # a pause of 0 would spin
            print(f"{flag} must be more than 0 seconds.", file=sys.stderr)
            return 2
    if config.webhook_url and not config.webhook_url.startswith(("https://", "http://")):
        print("--webhook-url must be an http:// or https:// URL.", file=sys.stderr)
        return 2
    try:
        turn.ice_servers(config.turn_urls, config.turn_secret, "startup-check")
    except ValueError as exc:
        print(f"TURN settings: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    ssl_context = None
    if args.tls_cert:
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_context.load_cert_chain(args.tls_cert, args.tls_key)

    from signaling.app import create_app

    app = create_app(config)
    print(f"Facilitation server on {config.base_url}", flush=True)
    if args.dev:
        print(
            f"Development mode: join links are signed with a generated secret kept in "
            f"{DEV_SECRET_FILE}.\nGet join links with:\n"
            f"  facilitation invite --dev --base-url {config.base_url} --session demo "
            f"--facilitator 'Dr. Rivera' --participant Sam --participant Alex",
            flush=True,
        )
    if config.base_url.startswith("http://") and config.host not in ("127.0.0.1", "localhost"):
        print(
            "Warning: plain HTTP on a non-loopback address: browsers will block the camera. "
            "Use --tls-cert/--tls-key or a TLS reverse proxy.",
            file=sys.stderr,
        )
    web.run_app(
        app,
        host=config.host,
        port=config.port,
        ssl_context=ssl_context,
        print=None,
        access_log=None,  # request paths may carry session ids; keep logs opaque
    )
    return 0


def invite(args: argparse.Namespace) -> int:
    secret = _secret(args)
    if not secret:
        print("Set FACILITATION_SECRET (or --secret), or use --dev.", file=sys.stderr)
        return 2
    if not _long_enough(secret):
        return 2
    config = Config(secret=secret, public_url=args.base_url)
    people = (
        [(Role.FACILITATOR, n) for n in args.facilitator or []]
        + [(Role.COFACILITATOR, n) for n in args.cofacilitator or []]
        + [(Role.PARTICIPANT, n) for n in args.participant or []]
        + [(Role.OBSERVER, n) for n in args.observer or []]
    )
    if not people:
        print("Name at least one person (--facilitator, --participant, ...).", file=sys.stderr)
        return 2
    lines = []
    for role, name in people:
        token = tokens.mint(
            secret, session=args.session, name=name, role=role, ttl_seconds=args.ttl
        )
        # A link the server would refuse (bad session id, over-long name) is no use to anyone.
        try:
            tokens.verify(secret, token, session=args.session)
        except Refused as refused:
            print(f"Cannot make a link for {name!r}: {refused.message}", file=sys.stderr)
            return 2
        lines.append(f"{role.value}\t{name}\t{config.join_link(args.session, token)}")
    print("\n".join(lines))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="facilitation", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the server")
    s.add_argument("--host", default=os.environ.get("FACILITATION_HOST", "127.0.0.1"))
    s.add_argument("--port", type=int, default=int(os.environ.get("FACILITATION_PORT", "8080")))
    s.add_argument("--public-url", default=os.environ.get("FACILITATION_PUBLIC_URL"))
    s.add_argument("--secret", help="join-token secret (prefer FACILITATION_SECRET)")
    s.add_argument("--dev", action="store_true", help="local trials: generate a secret")
    s.add_argument("--tls-cert")
    s.add_argument("--tls-key")
    s.add_argument("--redis-url", help="share state with other server processes")
    s.add_argument(
        "--ice-server",
        action="append",
        help="a STUN/TURN URL, or an RTCIceServer as JSON; may be repeated",
    )
    s.add_argument("--grace-seconds", type=float, default=60.0)
    s.add_argument(
        "--turn-url",
        action="append",
        metavar="URL",
        help="a TURN server (turn:host:3478?transport=udp, turns:host:5349?transport=tcp); "
        "may be repeated",
    )
    s.add_argument("--turn-secret", help="coturn's static-auth-secret (prefer the env var)")
    s.add_argument("--turn-ttl", type=float, default=turn.DEFAULT_TTL_SECONDS,
                   help="seconds a participant's TURN credentials last")
    s.add_argument(
        "--janus",
        default=os.environ.get("FACILITATION_JANUS", "auto"),
        help="'auto' (start our own Janus if installed), 'off', or ws://... of a running one",
    )
    s.add_argument("--janus-api-secret", help="API secret of an external Janus")
    s.add_argument("--media-address",
                   default=os.environ.get("FACILITATION_MEDIA_ADDRESS"),
                   help="IPv4 address Janus offers media on (default: first non-loopback)")
    s.add_argument("--media-public-ip", help="public IPv4 behind a 1:1 NAT")
    s.add_argument("--rtp-ports", default="20000-40000", help="UDP port range for media")
    s.add_argument("--waiting-room", choices=("on", "off"), default="on",
                   help="a facilitator admits each participant (default on)")
    s.add_argument("--ground-rules", choices=("on", "off"), default="on",
                   help="participants accept the ground rules before entering (default on)")
    s.add_argument("--audit-log", default=os.environ.get("FACILITATION_AUDIT_LOG"),
                   help=f"where facilitator actions are logged (default {DEFAULT_AUDIT_LOG})")
    s.add_argument("--sfu-threshold", type=int, default=4,
                   help="rooms with more people than this go through the SFU")
    s.add_argument("--attendance-retention", type=float,
                   default=float(os.environ.get("FACILITATION_ATTENDANCE_RETENTION",
                                                DEFAULT_ATTENDANCE_RETENTION)),
                   help="seconds an ended session's attendance is kept (default 24 h)")
    s.add_argument("--webhook-url", default=os.environ.get("FACILITATION_WEBHOOK_URL"),
                   help="the clinic's system: signed attendance events are POSTed here")
    s.add_argument("--webhook-spool", default=os.environ.get("FACILITATION_WEBHOOK_SPOOL"),
                   help=f"where events wait until delivered (default {DEFAULT_WEBHOOK_SPOOL})")
    s.add_argument("--webhook-max-delay", type=float, default=DEFAULT_MAX_DELAY,
                   help="longest pause in seconds between two delivery attempts "
                        f"(default {DEFAULT_MAX_DELAY:g})")
    s.add_argument("--server-id", default=os.environ.get("FACILITATION_SERVER_ID"),
                   help="this server's name in webhook signatures (default: --public-url)")
    s.add_argument("--engagement-interval", type=float, default=ENGAGEMENT_INTERVAL,
                   help="seconds between updates of the facilitators' engagement view")
    s.add_argument("--static-dir", help=argparse.SUPPRESS)
    s.set_defaults(func=serve)

    i = sub.add_parser("invite", help="print one join link per person")
    i.add_argument("--session", required=True)
    i.add_argument("--facilitator", action="append")
    i.add_argument("--cofacilitator", action="append")
    i.add_argument("--participant", action="append")
    i.add_argument("--observer", action="append")
    i.add_argument(
        "--base-url",
        default=os.environ.get("FACILITATION_PUBLIC_URL", "http://localhost:8080"),
    )
    i.add_argument("--ttl", type=int, default=4 * 3600, help="link lifetime in seconds")
    i.add_argument("--secret")
    i.add_argument("--dev", action="store_true", help="sign with the development secret")
    i.set_defaults(func=invite)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve" and args.tls_cert and not args.tls_key:
        print("--tls-cert needs --tls-key", file=sys.stderr)
        return 2
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
