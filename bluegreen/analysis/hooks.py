"""Hooks: a check run on the test route before any production weight (an HTTP GET or a command).

Both have a hard wall-clock deadline. A URL hook's `{{testUrl}}`/`{{url}}` come from
the stack outputs; a command runs without a shell (its argv as written), with
TEST_URL and URL in its environment, in its own process group so a timeout kills
whatever it started too.
"""

import contextlib
import http.client
import os
import signal
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from components.spec import COLORS, Color
from components.spec.rollout import HookSpec

from .measurement import Measurement

HOOK_METRIC = "preTraffic"


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
        return _run_command(hook.command, outputs, deadline, color)
    assert hook.url is not None
    url = hook.url
    for key, value in _urls(outputs).items():
        url = url.replace("{{" + key + "}}", value)
    return _get(url, hook.expect, deadline, color)


def _get(url: str, expect: int, deadline: float, color: Color) -> Measurement:
    rule = f"HTTP {expect}"
    answer: dict[str, Any] = {}

    def fetch() -> None:
        try:
            with urllib.request.urlopen(url, timeout=deadline) as response:
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
        return Measurement(HOOK_METRIC, color, None, rule, "fail", f"GET {url}: no answer within {deadline:g}s")
    if "error" in answer:
        return Measurement(HOOK_METRIC, color, None, rule, "fail", f"GET {url}: {answer['error']}")
    status = answer["status"]
    verdict = "pass" if status == expect else "fail"
    return Measurement(HOOK_METRIC, color, float(status), rule, verdict, "" if verdict == "pass" else f"GET {url}")


def _run_command(argv: list[str], outputs: Mapping[str, Any], deadline: float, color: Color) -> Measurement:
    urls = _urls(outputs)
    env = {**os.environ, "TEST_URL": urls["testUrl"], "URL": urls["url"]}
    shown = " ".join(argv)
    try:
        process = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as error:
        return Measurement(HOOK_METRIC, color, None, "exit 0", "fail", f"{shown}: {error.strerror or error}")
    try:
        output, _ = process.communicate(timeout=deadline)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        # A descendant that left the group may hold the pipe; the hook has failed either way.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.communicate(timeout=1)
        detail = f"{shown}: still running after {deadline:g}s, killed"
        return Measurement(HOOK_METRIC, color, None, "exit 0", "fail", detail)
    code = process.returncode
    tail = output.decode(errors="replace").strip().splitlines()[-1:] if output else []
    detail = "" if code == 0 else f"{shown}: {' '.join(tail)[:200]}"
    return Measurement(HOOK_METRIC, color, float(code), "exit 0", "pass" if code == 0 else "fail", detail)
