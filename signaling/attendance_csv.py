"""The attendance ledger as CSV, for a spreadsheet or the clinic's records: one row per
person, times in ISO 8601 (UTC)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

COLUMNS = [
    "participant_id", "name", "role", "status", "left_reason", "arrived_at", "admitted_at",
    "left_at", "minutes_present", "late", "late_by_minutes", "left_early",
    "left_early_by_minutes", "reconnects", "rules_accepted_at",
]
_TIMES = {"arrived_at", "admitted_at", "left_at", "rules_accepted_at"}
# A cell starting with one of these is a formula to a spreadsheet: a name such as
# "=HYPERLINK(...)" must stay text. (Names are the only free text here.)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column in _TIMES:
        return datetime.fromtimestamp(value, UTC).isoformat(timespec="seconds")
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if column == "name" and text.startswith(_FORMULA_START) else text


def to_csv(view: dict[str, Any]) -> str:
    """`view` is facilitation.attendance.view(...)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in view["participants"]:
        writer.writerow([_cell(c, row.get(c)) for c in COLUMNS])
    return out.getvalue()
