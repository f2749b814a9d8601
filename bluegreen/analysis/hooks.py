"""Hooks: a check run on the test route before any production weight (an HTTP GET or a command).

Both have a hard wall-clock deadline. A URL hook's `{{testUrl}}`/`{{url}}` come from
the stack outputs, and it talks only http(s), never to a metadata address unless its
config allows it (hook_http.py). A command runs without a shell (its argv as written),
in its own process group so a timeout kills whatever it started too, with a minimal
environment: PATH, HOME, TEST_URL, URL and the variables its config names in `env`.
The release machine's Pulumi and cloud credentials are not among them unless named:
a stack file is reviewed input, and a hook in it must not get what deploys prod.
Everything a hook prints is shown redacted and cleaned (components/safe_text.py).
A command still running when the process exits (the engine abandoned it on Ctrl-C or
SIGTERM) has its process group killed on the way out, never left behind.
"""

import atexit
import contextlib
import http.client
import os
import signal
import subprocess
import threading
import urllib.error
from collections.abc import Mapping
from typing import Any

from components.safe_text import redact, shown
from components.spec import COLORS, Color
from components.spec.hook_urls import check_hook_url
from components.spec.rollout import HOOK_BASE_ENV, HookSpec

from .hook_http import hook_opener
from .measurement import Measurement

HOOK_METRIC = "preTraffic"
_running: set[subprocess.Popen[bytes]] = set()
"""Hook commands under way; a release interrupted mid-hook exits without waiting for them."""


@atexit.register
def _kill_running_hooks() -> None:
    for process in list(_running):
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)


def _candidate(outputs: Mapping[str, Any]) -> Color:
    live = outputs.get("liveColor", "blue")
    return next(c for c in COLORS if c != live)


def _urls(outputs: Mapping[str, Any]) -> dict[str, str]:
    return {"testUrl": str(outputs.get("testUrl", "")).rstrip("/"), "url": str(outputs.get("url", "")).rstrip("/")}


def run_hook(hook: HookSpec, outputs: Mapping[str, Any], deadline_seconds: float) -> Measurement:
    """Run the hook once: pass, or fail (wrong status or exit code, unreachable, or past the deadline)."""
    color = _candidate(outputs)
    deadline = min(deadline_seconds, hook.timeout)
    if hook.command is not None:
        return _run_command(hook, outputs, deadline, color)
    assert hook.url is not None
    url = hook.url
    for key, value in _urls(outputs).items():
        url = url.replace("{{" + key + "}}", value)
    return _get(url, hook, deadline, color)


def hook_environment(hook: HookSpec, outputs: Mapping[str, Any], parent: Mapping[str, str]) -> dict[str, str]:
    """PATH and HOME from `parent`, the stack's URLs, and only the variables the hook names."""
    urls = _urls(outputs)
    env = {name: parent[name] for name in (*HOOK_BASE_ENV, *hook.env) if name in parent}
    env.update({"TEST_URL": urls["testUrl"], "URL": urls["url"]})
    return env


def _get(url: str, hook: HookSpec, deadline: float, color: Color) -> Measurement:
    rule = f"HTTP {hook.expect}"
    answer: dict[str, Any] = {}
    try:
        # Again with the outputs substituted: a stack output is outside input too.
        check_hook_url(url, hook.allow_link_local)
    except ValueError as error:
        return Measurement(HOOK_METRIC, color, None, rule, "fail", f"GET {redact(url)}: {error}")
    opener = hook_opener(hook.allow_link_local)

    def fetch() -> None:
        try:
            with opener.open(url, timeout=deadline) as response:
                answer["status"] = response.status
        except urllib.error.HTTPError as error:
            answer["status"] = error.code
        except TimeoutError:
            answer["error"] = f"no answer within {deadline:g}s"
        except (OSError, ValueError, http.client.HTTPException) as error:
            answer["error"] = f"{type(error).__name__}: {error}"

    # urlopen's timeout is per socket operation; a server that trickles bytes could outlive it.
    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(deadline)
    if worker.is_alive():
        return Measurement(HOOK_METRIC, color, None, rule, "fail", f"GET {redact(url)}: no answer within {deadline:g}s")
    if "error" in answer:
        return Measurement(HOOK_METRIC, color, None, rule, "fail", shown(f"GET {url}: {answer['error']}", 300))
    status = answer["status"]
    verdict = "pass" if status == hook.expect else "fail"
    detail = "" if verdict == "pass" else f"GET {redact(url)}"
    return Measurement(HOOK_METRIC, color, float(status), rule, verdict, shown(detail))


def _run_command(hook: HookSpec, outputs: Mapping[str, Any], deadline: float, color: Color) -> Measurement:
    argv = list(hook.command or [])
    env = hook_environment(hook, outputs, os.environ)
    command = shown(" ".join(argv), 300)
    try:
        process = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as error:
        return Measurement(HOOK_METRIC, color, None, "exit 0", "fail", f"{command}: {shown(error.strerror or error)}")
    _running.add(process)
    try:
        output, _ = process.communicate(timeout=deadline)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        # A descendant that left the group may hold the pipe; the hook has failed either way.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.communicate(timeout=1)
        detail = f"{command}: still running after {deadline:g}s, killed"
        return Measurement(HOOK_METRIC, color, None, "exit 0", "fail", detail)
    finally:
        _running.discard(process)
    code = process.returncode
    tail = output.decode(errors="replace").strip().splitlines()[-1:] if output else []
    detail = "" if code == 0 else f"{command}: {shown(' '.join(tail), 200)}"
    return Measurement(HOOK_METRIC, color, float(code), "exit 0", "pass" if code == 0 else "fail", detail)
