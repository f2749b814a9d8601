"""Health of one color, read (never written) from where the router itself looks.

- HTTP: GET the color's entry point plus `service.healthCheck.path`: the test route
  (`testUrl`) for the candidate, the production route (`url`) for the live color.
- AWS: `elbv2.describe_target_health` on the color's target group (stack output
  `targetGroupArns`), the very verdict the ALB routes by.
- Kubernetes: the color's Deployment status via `kubectl get deployment -o json`
  (kubectl already holds the user's cluster credentials; no extra dependency).

Every gate answers with a GateResult and never raises for an unhealthy or
unreachable target: "cannot tell" is unhealthy. `check_all` enforces that for any
gate: each check runs under a hard deadline, and an exception or an overrun
becomes an unhealthy observation naming it, never a crash.
"""

import http.client
import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from components.safe_text import shown
from components.spec import BlueGreenSpec, Color, Traffic
from components.traffic import live_color

from .deadline import Abandoned, AbandonedError, Done, Late, call_with_deadline
from .same_origin import resolve, same_origin

DEFAULT_DEADLINE_SECONDS = 30.0
"""Longest any one gate check may take when the gate names no deadline of its own."""


@dataclass(frozen=True)
class GateResult:
    gate: str
    color: Color
    healthy: bool
    detail: str

    def __str__(self) -> str:
        return f"{self.gate} {self.color}: {'healthy' if self.healthy else 'UNHEALTHY'} ({self.detail})"


class HealthGate(Protocol):
    name: str

    def check(self, color: Color, spec: BlueGreenSpec, outputs: dict[str, Any]) -> GateResult:
        """One observation of `color`'s health, given the stack's config and its last outputs."""
        ...


def deployed_traffic(spec: BlueGreenSpec, outputs: dict[str, Any]) -> Traffic:
    """The weights of the last update (stack output `weights`), falling back to config."""
    weights = outputs.get("weights")
    if isinstance(weights, dict) and {"blue", "green"} <= weights.keys():
        return Traffic(blue=int(weights["blue"]), green=int(weights["green"]))
    return spec.traffic


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status, which the gate judges


_NO_REDIRECTS = urllib.request.build_opener(_RefuseRedirects)


class HttpGate:
    """2xx from the color's route within the health check's own timeout.

    A redirect (3xx) is unhealthy: it is not a health answer, and following it could judge another
    host or loop. `service.healthCheck.sameOriginRedirects` (0 by default) lets the gate follow that
    many redirects that stay on the route's origin; a redirect elsewhere, a loop or one hop too many
    is still unhealthy, named with where it led.
    """

    name = "http"

    def __init__(self, timeout_seconds: float | None = None):
        self.timeout_seconds = timeout_seconds

    def url_for(self, color: Color, spec: BlueGreenSpec, outputs: dict[str, Any]) -> str | None:
        # The test route follows the candidate (tie rule in components/traffic.py), so the
        # live color is only reachable on its own through the production route.
        key = "url" if live_color(deployed_traffic(spec, outputs)) == color else "testUrl"
        base = outputs.get(key)
        return f"{str(base).rstrip('/')}{spec.service.health_check.path}" if base else None

    def check(self, color: Color, spec: BlueGreenSpec, outputs: dict[str, Any]) -> GateResult:
        url = self.url_for(color, spec, outputs)
        if url is None:
            return GateResult(self.name, color, False, "stack has no url/testUrl output yet")
        allowed = spec.service.health_check.same_origin_redirects
        # One deadline for the whole chain: following redirects must not stretch the health check's timeout.
        end = time.monotonic() + self.deadline_for(spec)
        chain = [url]
        while True:
            answer = _get(chain[-1], max(end - time.monotonic(), 0.001))
            if isinstance(answer, str):
                return GateResult(self.name, color, False, f"GET {_hops(chain)}: {answer}")
            status, location = answer
            if not 300 <= status < 400:
                return GateResult(self.name, color, 200 <= status < 300, f"GET {_hops(chain)} -> {status}")
            problem, target = _redirect_problem(chain, location, allowed)
            if problem:
                return GateResult(self.name, color, False, f"GET {_hops(chain)} -> {status} {problem}")
            chain.append(target)

    def deadline_for(self, spec: BlueGreenSpec) -> float:
        """The whole GET, redirects and headers included, must finish within the health check's own timeout."""
        return self.timeout_seconds or spec.service.health_check.timeout_seconds


def _get(url: str, timeout: float) -> tuple[int, str | None] | str:
    """(status, Location) of one GET that follows nothing, or why there is no status."""
    try:
        with _NO_REDIRECTS.open(url, timeout=timeout) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location") if error.headers else None
    except (urllib.error.URLError, OSError) as error:
        return str(getattr(error, "reason", error))
    except http.client.HTTPException as error:
        # BadStatusLine, RemoteDisconnected (an OSError too), IncompleteRead...: not HTTP, not healthy.
        return _http_problem(error)
    except ValueError as error:  # a Location urllib cannot even open (`http://[::1`)
        return f"cannot request it: {error}"


def _redirect_problem(chain: list[str], location: str | None, allowed: int) -> tuple[str | None, str]:
    """Why the redirect from `chain[-1]` is not followed (None: follow it), and where it leads."""
    if not location:
        return "redirect with no Location", ""
    target = resolve(chain[-1], location)
    shown_target = shown(target, 200)
    if allowed == 0:
        return (
            f"redirect to {shown_target}: a redirect is not a health answer (bluegreen:service.healthCheck."
            "sameOriginRedirects allows same-origin ones)"
        ), target
    if not same_origin(chain[0], target):
        return f"redirect to {shown_target}, another origin than {chain[0]}: never followed", target
    if target in chain:
        return f"redirect loop back to {shown_target}", target
    if len(chain) > allowed:
        return (
            f"redirect to {shown_target}: more than {allowed} redirect(s) "
            "(bluegreen:service.healthCheck.sameOriginRedirects)"
        ), target
    return None, target


def _hops(chain: list[str]) -> str:
    return " -> ".join(shown(url, 200) for url in chain)


class TargetHealthGate:
    """Enough `healthy` targets in the color's target group, and none `unhealthy`."""

    name = "target-health"

    def __init__(self, client_factory: Callable[[], Any] | None = None, region: str | None = None):
        self._client_factory = client_factory or (lambda: _default_elbv2_client(region))
        self._client: Any = None

    def check(self, color: Color, spec: BlueGreenSpec, outputs: dict[str, Any]) -> GateResult:
        arn = (outputs.get("targetGroupArns") or {}).get(color)
        if not arn:
            return GateResult(self.name, color, False, "stack has no targetGroupArns output for this color")
        if self._client is None:
            self._client = self._client_factory()
        try:
            response = self._client.describe_target_health(TargetGroupArn=arn)
        except Exception as error:  # botocore raises many types; any of them means "cannot tell"
            return GateResult(self.name, color, False, f"describe_target_health failed: {error}")
        return judge_targets(color, spec.replicas(color), response["TargetHealthDescriptions"])


def judge_targets(color: Color, wanted: int, descriptions: Sequence[dict[str, Any]]) -> GateResult:
    states: dict[str, int] = {}
    reasons = set()
    for item in descriptions:
        health = item.get("TargetHealth", {})
        states[health.get("State", "unknown")] = states.get(health.get("State", "unknown"), 0) + 1
        if health.get("State") == "unhealthy" and health.get("Reason"):
            reasons.add(health["Reason"])
    healthy = states.get("healthy", 0)
    summary = ", ".join(f"{count} {state}" for state, count in sorted(states.items())) or "no targets"
    if reasons:
        summary += f" ({', '.join(sorted(reasons))})"
    ok = healthy >= max(wanted, 1) and states.get("unhealthy", 0) == 0
    return GateResult(TargetHealthGate.name, color, ok, f"{healthy}/{wanted} healthy; {summary}")


def _default_elbv2_client(region: str | None) -> Any:
    import boto3

    # The stack's `aws:region` wins over the environment, as it does for the program itself.
    return boto3.client("elbv2", region_name=region)


KubectlRunner = Callable[[list[str]], str]


def _run_kubectl(args: list[str]) -> str:
    return subprocess.run(["kubectl", *args], check=True, capture_output=True, text=True, timeout=30).stdout


class DeploymentGate:
    """The color's Deployment has rolled out: every replica updated and ready."""

    name = "deployment"

    def __init__(self, runner: KubectlRunner = _run_kubectl, context: str | None = None):
        self._runner = runner
        # The stack pins its cluster with `kubernetes:context`; kubectl's current context may be another cluster.
        self._cluster_args = ["--context", context] if context else []

    def check(self, color: Color, spec: BlueGreenSpec, outputs: dict[str, Any]) -> GateResult:
        name = (outputs.get("deploymentNames") or {}).get(color) or f"{spec.service.name}-{color}"
        namespace = spec.kubernetes.namespace
        try:
            args = [*self._cluster_args, "get", "deployment", name, "-n", namespace, "-o", "json"]
            document = json.loads(self._runner(args))
        except subprocess.CalledProcessError as error:
            return GateResult(self.name, color, False, f"kubectl: {(error.stderr or '').strip() or error}")
        except (OSError, subprocess.TimeoutExpired, ValueError) as error:
            return GateResult(self.name, color, False, f"kubectl get deployment {name}: {error}")
        return judge_deployment(color, document)


def judge_deployment(color: Color, document: dict[str, Any]) -> GateResult:
    wanted = int(document.get("spec", {}).get("replicas", 1))
    status = document.get("status", {})
    generation = document.get("metadata", {}).get("generation", 0)
    observed = status.get("observedGeneration", 0)
    updated = status.get("updatedReplicas", 0)
    ready = status.get("readyReplicas", 0)
    available = status.get("availableReplicas", 0)
    detail = f"{ready}/{wanted} ready, {updated} updated, {available} available"
    if observed < generation:
        detail += "; the controller has not seen the latest spec yet"
        return GateResult(DeploymentGate.name, color, False, detail)
    ok = wanted >= 1 and updated >= wanted and ready >= wanted and available >= wanted
    return GateResult(DeploymentGate.name, color, ok, detail)


def gates_for(
    spec: BlueGreenSpec, http: bool | None = None, region: str | None = None, kube_context: str | None = None
) -> list[HealthGate]:
    """The gates that fit the platform. HTTP is on by default only for docker, whose URLs are local;
    ALB URLs may carry a certificate for another name and Kubernetes URLs may be cluster-internal.
    """
    gates: list[HealthGate] = []
    if spec.platform == "aws":
        gates.append(TargetHealthGate(region=region))
    elif spec.platform == "kubernetes":
        gates.append(DeploymentGate(context=kube_context))
    if http if http is not None else spec.platform == "docker":
        gates.append(HttpGate())
    return gates


def check_all(
    gates: Sequence[HealthGate],
    color: Color,
    spec: BlueGreenSpec,
    outputs: dict[str, Any],
    abandon_if: Callable[[], str | None] | None = None,
) -> list[GateResult]:
    """One observation per gate; raises AbandonedError when `abandon_if()` names a reason to stop waiting."""
    return [observe(gate, color, spec, outputs, abandon_if) for gate in gates]


def observe(
    gate: HealthGate,
    color: Color,
    spec: BlueGreenSpec,
    outputs: dict[str, Any],
    abandon_if: Callable[[], str | None] | None = None,
) -> GateResult:
    """One check under a hard deadline; whatever goes wrong is an unhealthy observation, not an exception."""
    deadline_for = getattr(gate, "deadline_for", None)
    own = deadline_for(spec) if callable(deadline_for) else None
    seconds = float(own) if isinstance(own, int | float) else DEFAULT_DEADLINE_SECONDS
    outcome = call_with_deadline(lambda: gate.check(color, spec, outputs), seconds, abandon_if)
    if isinstance(outcome, Done):
        return outcome.value
    if isinstance(outcome, Late):
        return GateResult(gate.name, color, False, f"no answer within {seconds:g}s")
    if isinstance(outcome, Abandoned):
        raise AbandonedError(outcome.why)
    return GateResult(gate.name, color, False, f"the check failed: {outcome}")


def _http_problem(error: http.client.HTTPException) -> str:
    if isinstance(error, http.client.BadStatusLine):
        return f"bad status line {str(error)[:60]!r}"
    return f"{type(error).__name__}: {error}"
