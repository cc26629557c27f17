"""Ctrl-C during `ledger import` (`cli/interrupts.py`): honoured until every line is checked, then
held back until the import returns, whichever thread the signal reaches; never held from a thread
other than the main one (where Python cannot set a handler). Run in a Python of its own, since
it sends itself SIGINT."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

SCRIPT = r"""
import os, signal, threading, time
from cli.interrupts import held_once_checked

def press():
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.05)  # Python runs the handler at its next instruction

# A thread of its own, as rich's progress bar has: the kernel may hand it the signal.
idle = threading.Event()
threading.Thread(target=idle.wait, daemon=True).start()

with held_once_checked(10) as held:
    held.progress(4)
    try:
        press()
        raise SystemExit("not interrupted before every byte was checked")
    except KeyboardInterrupt:
        pass
    held.progress(6)
    for _ in range(20):
        press()
    assert held.pressed, "the press was not seen"
assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
try:
    press()
    raise SystemExit("Ctrl-C did not work again after the import")
except KeyboardInterrupt:
    pass

# From a thread other than the main one: nothing held, nothing raised.
def in_thread(out):
    with held_once_checked(1) as held:
        held.progress(1)
        out.append(held.holding)
out = []
t = threading.Thread(target=in_thread, args=(out,))
t.start(); t.join()
assert out == [False], out
idle.set()
print("ok")
"""


@pytest.mark.subprocess
def test_ctrl_c_is_held_back_once_every_line_is_checked_and_works_again_after() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")
