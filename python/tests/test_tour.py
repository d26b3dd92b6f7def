"""The example script (the README's tour from Python) runs and draws its figures."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_the_tour_runs(root, tmp_path):
    pytest.importorskip("matplotlib")
    p = subprocess.run(
        [sys.executable, str(root / "python" / "examples" / "tour.py"), str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert p.returncode == 0, p.stderr
    for name in ["tour-fan.png", "tour-survival.png", "tour-sweep.png"]:
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, name
    assert "median survival (months)" in p.stdout
    assert "agg_growth_rate" in p.stdout
