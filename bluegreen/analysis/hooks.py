"""The preTraffic hook: an HTTP GET or a command against the test route, judged as one Measurement."""

import os
import subprocess
import urllib.error
import urllib.request
from typing import Any

from components.spec import Color
from components.spec.rollout import HookSpec

from .measurement import Measurement

NAME = "preTraffic"


def run_hook(hook: HookSpec, outputs: dict[str, Any], deadline_seconds: float) -> Measurement:
    """Run the hook once; never raises. The candidate is whatever the test route serves."""
    # The test route serves the color that is not live.
    color: Color = "green" if outputs.get("liveColor", "blue") == "blue" else "blue"
    test_url, url = str(outputs.get("testUrl", "")).rstrip("/"), str(outputs.get("url", "")).rstrip("/")
    if hook.url is not None:
        target = hook.url.replace("{{testUrl}}", test_url).replace("{{url}}", url)
        try:
            with urllib.request.urlopen(target, timeout=deadline_seconds) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except Exception as error:
            return Measurement(NAME, color, None, f"== {hook.expect}", "fail", f"GET {target}: {error}")
        verdict = "pass" if status == hook.expect else "fail"
        return Measurement(NAME, color, float(status), f"== {hook.expect}", verdict, f"GET {target}")
    command = list(hook.command or [])
    env = {**os.environ, "TEST_URL": test_url, "URL": url}
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=deadline_seconds)
    except (OSError, subprocess.TimeoutExpired) as error:
        return Measurement(NAME, color, None, "exit 0", "fail", f"{command[0]}: {error}")
    tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
    verdict = "pass" if done.returncode == 0 else "fail"
    return Measurement(NAME, color, float(done.returncode), "exit 0", verdict, tail[0][:200])
