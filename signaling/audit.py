"""The audit log: one JSON line per facilitator action, with opaque ids only.

What goes in is decided by `facilitation` (the `Audit` deliveries, which carry ids and
never names, chat text or whiteboard content); this only writes them down.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from facilitation import Audit

log = logging.getLogger("facilitation.audit")


class AuditLog:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Readable by the server's user only: who acted on whom is sensitive.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8", buffering=1)

    def write(self, entry: Audit) -> None:
        try:
            self._file.write(json.dumps(entry.to_dict(), separators=(",", ":")) + "\n")
        except OSError:
            # The action has happened; losing its line must not undo it. Say so loudly.
            log.exception("could not write the audit log at %s", self.path)

    def close(self) -> None:
        self._file.close()
