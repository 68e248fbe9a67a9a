"""A child process that ends when its parent does, so that no orphan keeps connections.

Linux delivers a chosen signal to a process when its parent dies if it asked with
`prctl(PR_SET_PDEATHSIG)`; elsewhere, and in case the parent died before the child
asked, a thread compares the parent's pid with the one the child was started by.
The signal is SIGTERM, so the child ends the way it does on any other stop; one that
has not ended `grace` seconds later is ended at once.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
import time

log = logging.getLogger("schedulax.lifeline")

PR_SET_PDEATHSIG = 1
WATCH_EVERY = 0.5


def parent_death_signal(sig: int = signal.SIGTERM) -> bool:
    """Ask the kernel for `sig` when the parent exits (Linux only); whether it was set."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def die_with_parent(parent: int, grace: float = 20.0) -> None:
    """From now on, end this process (SIGTERM to itself) when `parent` is no longer its parent.

    Call it first thing in the child, with the parent's pid as the parent knew it: a parent
    that died before this call is then noticed too.
    """
    parent_death_signal(signal.SIGTERM)
    thread = threading.Thread(target=_watch, args=(parent, grace), name="lifeline", daemon=True)
    thread.start()


def _watch(parent: int, grace: float) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_EVERY)
    log.warning("parent %d is gone: stopping", parent)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(grace)
    log.error("still running %.0f s after the parent died: exiting now", grace)
    os._exit(1)
