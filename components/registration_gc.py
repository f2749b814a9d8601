"""Registering resources without Python's cyclic garbage collector scanning them over and over.

A program builds every resource, Output and pending registration up front, and they
all live until the program ends, so the collector can free almost nothing while they
are registered. Yet each full collection walks every object alive, and full
collections come more often as the program grows: with the collector on, a fleet
program's time per service grew 1.8 times from 10 to 100 services; with it paused,
time per service stays flat (bench/fleet.py measures both, and `gc.freeze()` after
the imports alone, which does not help: the objects it would spare are made later).

So a program calls `pause_cyclic_gc()` once its imports are done. Reference counting
still frees everything that is not in a cycle. The pause also swaps in the SDK's check
for unknown values without the cycle the SDK's own leaves at every call
(components/acyclic_unknowns.py), which was 7 of every 10 objects left for the collector
once the run ends; with it, the cycles the pause leaves cost about 1% more peak memory
at 100 services (bench/program_process.py). The engine's language host runs the program
in a process of its own that ends with the registration, so nothing turns the collector
back on; an in-process run under mocks (`bluegreen.program_run`) puts it back with
`cyclic_gc_restored`.

What the run built is one web of cycles through its resources, which only a collection could free
once the run is over, at a cost per object that grows with the heap. So the pause also records the
run's resources, and empties them when the run ends (components/resource_release.py): at the end of
`cyclic_gc_restored`, or at exit in the engine's process. Reference counting then frees the rest. A
failed run whose tasks go on on its caller's running loop keeps them: those tasks still read them.

Inside `cyclic_gc_restored` the pause only disables the collector and freezes nothing:
with the collector off, freezing spares the run nothing, and `gc.unfreeze()` afterwards
would also thaw what the process had frozen before the run (a test runner freezes its
imported modules once), so every later full collection of that process walked them all
again (in a pytest process running the rollout tests: 0.25 s of CPU per full collection, 0.08 s
with them left frozen).
"""

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from components import acyclic_unknowns
from components.resource_release import record_resources, release

_run_in_process = False
"""True inside `cyclic_gc_restored`: the process goes on after the program, so the pause freezes nothing."""
_ending_with_the_run: list[list[Any]] = []
"""The resources of the programs paused inside the innermost `cyclic_gc_restored`, released at its end."""


def pause_cyclic_gc() -> None:
    """Stop cyclic collections for the rest of this program run; what exists now is never scanned again."""
    acyclic_unknowns.install()
    resources = record_resources()
    if _run_in_process:
        _ending_with_the_run.append(resources)
    else:
        atexit.register(release, resources)  # before Python's exit collection, which would walk them all
        gc.freeze()
    gc.disable()


def leave_resources_to_the_collector() -> None:
    """Keep the innermost `cyclic_gc_restored` from emptying its programs' resources: for a run whose tasks go on
    after it (on its caller's running loop) and still read them. The collector frees them once those tasks end."""
    _ending_with_the_run.clear()


@contextmanager
def cyclic_gc_restored() -> Iterator[None]:
    """Run a program in this process, then give the collector back the state it had."""
    global _run_in_process, _ending_with_the_run
    enabled, outer, outer_ending, freeze = gc.isenabled(), _run_in_process, _ending_with_the_run, gc.freeze
    froze: list[bool] = []

    def recorded_freeze() -> None:
        froze.append(True)
        freeze()

    # Told apart by the call, not by gc.get_freeze_count(): that walks every frozen object (9 ms in a test worker).
    gc.freeze = recorded_freeze
    _run_in_process, _ending_with_the_run = True, []
    try:
        yield
    finally:
        ending = _ending_with_the_run
        _run_in_process, _ending_with_the_run = outer, outer_ending
        gc.freeze = freeze
        for resources in ending:
            release(resources)
        if froze:
            # The program froze objects itself: they must not stay out of the collector's reach. Unfreezing
            # is all or nothing: what was frozen before the run is thawed with them.
            gc.unfreeze()
        if enabled:
            gc.enable()
