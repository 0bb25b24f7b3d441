"""heap.py: what a build loads is kept out of the cycle collector's passes, the collector runs
again afterwards (a build that left it off would keep every cycle it made after loading), and a
build run inside another program leaves that program's collector as it found it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# In a process of its own: freezing the test runner's objects would outlast the test.
SCRIPT = textwrap.dedent(
    """
    import gc
    from pressroom.engine.heap import settled

    frozen = gc.get_freeze_count()
    with settled():
        assert not gc.isenabled(), "the collector ran inside the block"
        kept = [[i] for i in range(10_000)]
    assert gc.isenabled(), "the collector was left off"
    assert gc.get_freeze_count() >= frozen + len(kept), "what the block made is still scanned"

    class Cycle:
        pass

    c = Cycle()
    c.me = c
    del c
    assert gc.collect() >= 1, "a cycle made after the block was not collected"

    gc.disable()
    with settled():
        pass
    assert not gc.isenabled(), "a collector that was off was turned on"
    from pressroom.engine.heap import BATCH_YOUNG, one_build

    gc.enable()
    before = gc.get_threshold()
    with one_build():
        assert gc.get_threshold() == (BATCH_YOUNG, *before[1:]), "the young passes are as often as before"
        with settled():
            kept_too = [[i] for i in range(1_000)]
        assert gc.get_freeze_count() >= len(kept_too)
    assert gc.get_threshold() == before, "the collector's settings were left changed"
    assert gc.get_freeze_count() == 0, "what the build froze stays out of the collector's passes"
    print("ok")
    """
)


def test_a_settled_block_is_frozen_and_the_collector_runs_again_after_it() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
