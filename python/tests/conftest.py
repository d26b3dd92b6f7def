"""Shared helpers: the repository, the command-line binary, and running it."""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _binary() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("ALSSIM_BIN", ROOT / "target" / "release" / "alssim"))
    if not path.is_file():
        raise RuntimeError(
            f"the alssim binary is not at {path}: build it with `cargo build --release` "
            "(scripts/test does) or point ALSSIM_BIN at it"
        )
    return path


@pytest.fixture(scope="session")
def cli():
    """Runs the command line; returns the completed process (text output)."""
    binary = _binary()

    def run(*args: str, check: bool = True, cwd=None) -> subprocess.CompletedProcess:
        p = subprocess.run(
            [str(binary), *map(str, args)],
            capture_output=True,
            text=True,
            cwd=cwd,
            env={**os.environ, "RUST_BACKTRACE": "0"},
        )
        if check and p.returncode != 0:
            raise AssertionError(f"alssim {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr}")
        return p

    return run


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    return ROOT
