"""A wheel built from the repo carries the web client, so an installed server works alone."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_wheel_contains_the_built_web_client(tmp_path: Path) -> None:
    assert (REPO / "signaling" / "static" / "index.html").is_file(), (
        "build the web client first (scripts/install.sh does)"
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
    )
    (wheel,) = tmp_path.glob("facilitation_server-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "signaling/static/index.html" in names
    assert any(n.startswith("signaling/static/assets/") and n.endswith(".js") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "facilitation = signaling.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
