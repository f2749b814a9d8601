"""Runs of the program under mocks, reused across tests: the same inputs give the same resources.

About 40% of the suite's runs of `__main__.py` under mocks repeat one an earlier test already made
(the same stack file, the same release step), at about 50 ms of CPU each. The result of a run depends
only on what `run_program` is given (config, stack, secret keys, program, stack outputs), so a later
test gets a copy of the earlier result instead of running the program again. The results are also
written to a directory the session's workers share (`SHARED_DIR`): a module on one worker reuses a
run a module on another worker made (83 runs of the 917 a whole `make test` made otherwise).

What this keeps from the real runs:
- Only successful runs are reused. A run that raises runs again every time, so a test expecting a
  raise gets the program's own exception; so does every call with `into=` (it wants what was
  registered before a raise).
- Each caller gets its own copy (unpickled from the stored bytes): a test that edits a result
  cannot change what the next test sees.
- A test never gets back a run made in the same test: a test that runs one config twice and compares
  (no diff between two runs, a hypothesis example repeated) compares two real runs.
- A test that has patched anything through `monkeypatch` (a recording monitor, the GC, an environment
  variable) runs the program for real: what it patched may change the run or is what it observes.
- So does a test that watches what a run says (`caplog`, `capsys`, `capfd`, `recwarn`): a reused copy
  holds what was registered, not the log lines and warnings the program wrote while registering it
  (the Kubernetes "no preview route" note was missing whenever another test had run that config first).
"""

import hashlib
import json
import os
import pickle
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bluegreen import program_run

OBSERVING_FIXTURES = frozenset({"caplog", "capsys", "capsysbinary", "capfd", "capfdbinary", "recwarn"})
"""Fixtures through which a test sees what the program logs, prints or warns while it runs."""
MAX_ENTRIES = 512
"""Results kept in memory per worker (least recently used dropped first): a run's pickle is 20-200 KB."""
SHARED_DIR = "BLUEGREEN_TEST_PROGRAM_RUNS"
"""Environment variable: the directory where the session's workers leave their runs for each other
(tests/conftest.py makes it and hands it to `ProgramRunCache.shared`)."""


@dataclass
class _Test:
    nodeid: str
    monkeypatch: pytest.MonkeyPatch
    patches_before: int | None
    """What the suite's own autouse fixtures had patched when the test started (events_follow_their_schema)."""
    observes_output: bool
    """The test reads the program's logs, prints or warnings (OBSERVING_FIXTURES): its runs are all real."""


@dataclass
class _Entry:
    result: bytes
    made_by: str | None


class ProgramRunCache:
    """Wraps `run_program`; `serving(...)` tells it which test is running and what it has patched."""

    def __init__(self, run: Callable[..., program_run.ProgramRun], shared: Path | None = None):
        """`shared`: a directory other processes' caches share runs through (None: this process's only)."""
        self.real_run = run
        self.shared = shared
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._test: _Test | None = None
        self.runs = 0
        """Real runs (misses and bypasses), for the tests of this cache."""
        self.reused = 0

    @contextmanager
    def serving(
        self, nodeid: str, monkeypatch: pytest.MonkeyPatch, fixtures: Iterable[str] = ()
    ) -> Iterator[None]:
        """`fixtures`: the names the test requests (`request.fixturenames`)."""
        self._test = _Test(nodeid, monkeypatch, _patch_count(monkeypatch), not OBSERVING_FIXTURES.isdisjoint(fixtures))
        try:
            yield
        finally:
            self._test = None

    def __call__(
        self,
        config: dict[str, str],
        stack: str = "test",
        secret_keys: list[str] | None = None,
        project_dir: Path = program_run.PROJECT_DIR,
        into: program_run.ProgramRun | None = None,
        stack_outputs: program_run.StackOutputs | None = None,
    ) -> program_run.ProgramRun:
        reusable = into is None and not self._test_patched()
        key = _key(config, stack, secret_keys, project_dir, stack_outputs) if reusable else None
        nodeid = self._test.nodeid if self._test else None
        entry = self._entries.get(key) if key is not None else None
        if key is not None and entry is None:
            entry = self._load(key)
        if key is not None and entry is not None and entry.made_by != nodeid:
            self._entries.move_to_end(key)
            self.reused += 1
            return pickle.loads(entry.result)
        self.runs += 1
        run = self.real_run(config, stack, secret_keys, project_dir, into=into, stack_outputs=stack_outputs)
        if key is not None and entry is None:
            self._store(key, run, nodeid)
        return run

    def _test_patched(self) -> bool:
        if self._test is None:
            return False
        if self._test.observes_output:
            return True
        before = self._test.patches_before
        return before is None or _patch_count(self._test.monkeypatch) != before

    def _store(self, key: str, run: program_run.ProgramRun, nodeid: str | None) -> None:
        try:
            result = pickle.dumps(run)
        except (pickle.PicklingError, TypeError, AttributeError):
            return  # an output that cannot be copied: this run is not reused
        self._remember(key, _Entry(result, nodeid))
        shared = self._shared_path(key)
        if shared is None:
            return
        try:
            # Written whole under another name, then renamed: a worker reading it never sees half a run.
            fd, partial = tempfile.mkstemp(dir=shared.parent, prefix=".partial-")
            with os.fdopen(fd, "wb") as file:
                pickle.dump((nodeid, result), file)
            os.replace(partial, shared)
        except OSError:
            pass  # not shared (a full disk, the session ending): the other workers run it themselves

    def _remember(self, key: str, entry: _Entry) -> None:
        self._entries[key] = entry
        if len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)

    def _load(self, key: str) -> _Entry | None:
        """The run another worker (or this one, earlier) left in the shared directory, if any."""
        shared = self._shared_path(key)
        if shared is None:
            return None
        try:
            with open(shared, "rb") as file:
                made_by, result = pickle.load(file)
            # Unpickled once here, so that what is handed out later surely unpickles into a run.
            readable = isinstance(made_by, str | None) and isinstance(pickle.loads(result), program_run.ProgramRun)
        except Exception:  # not there (yet), cut short, or not what a cache wrote (pickle raises ~10 kinds)
            return None  # run it
        if not readable:
            return None
        entry = _Entry(result, made_by)
        self._remember(key, entry)
        return entry

    def _shared_path(self, key: str) -> Path | None:
        if self.shared is None or not self.shared.is_dir():
            return None
        return self.shared / (hashlib.sha256(key.encode()).hexdigest() + ".pickle")


def _patch_count(monkeypatch: pytest.MonkeyPatch) -> int | None:
    """Every change `monkeypatch` has made so far (attributes, items and environment, cwd, sys.path).

    None where this pytest keeps them elsewhere: then nothing is reused.
    """
    attributes, items = getattr(monkeypatch, "_setattr", None), getattr(monkeypatch, "_setitem", None)
    if not isinstance(attributes, list) or not isinstance(items, list):
        return None
    moved = getattr(monkeypatch, "_cwd", None) is not None or getattr(monkeypatch, "_savesyspath", None) is not None
    return len(attributes) + len(items) + int(moved)


def _key(
    config: dict[str, str],
    stack: str,
    secret_keys: list[str] | None,
    project_dir: Path,
    stack_outputs: program_run.StackOutputs | None,
) -> str | None:
    """Everything a run's result depends on, the program file's identity included; None if it cannot be told."""
    main = Path(project_dir) / "__main__.py"
    try:
        found = main.stat()
    except OSError:
        return None
    fields: dict[str, Any] = {
        "config": config,
        "stack": stack,
        "secret_keys": sorted(secret_keys or []),
        "program": [str(main.resolve()), found.st_mtime_ns, found.st_size],
        "stack_outputs": stack_outputs or {},
    }
    try:
        return json.dumps(fields, sort_keys=True)
    except (TypeError, ValueError):
        return None  # a value JSON cannot spell exactly: no reuse rather than a key that may collide


def install() -> ProgramRunCache:
    """Put the cache in front of `run_program` for this process (`run_config` calls it through the module)."""
    current = program_run.run_program
    if isinstance(current, ProgramRunCache):
        return current
    cache = ProgramRunCache(current)
    program_run.run_program = cache  # pyright: ignore[reportAttributeAccessIssue]
    return cache
