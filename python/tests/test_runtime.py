"""A run releases the GIL and stops on Ctrl-C."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import alssim


def test_the_gil_is_released_while_simulating():
    s = alssim.Scenario.default().with_options(patients=3000, seed=1)
    done = threading.Event()
    ticks = 0

    def work():
        s.run(threads=1)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    t.join()
    # Holding the GIL, the run would leave this thread a handful of turns at most.
    assert ticks > 50, ticks


def test_ctrl_c_stops_a_run():
    script = textwrap.dedent(
        """
        import os, signal, threading, alssim
        s = alssim.Scenario.default().with_options(patients=1_000_000)
        threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        try:
            s.run(threads=1)
            print("finished")
        except KeyboardInterrupt:
            print("interrupted")
        """
    )
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "interrupted"
