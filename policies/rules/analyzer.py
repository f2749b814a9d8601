"""Serve the pack over the analyzer protocol, parsing each request once (a documented shim over pulumi_policy).

`pulumi_policy.PolicyPack` builds its gRPC servicer and, per policy, turns the request's
properties into dicts again (1.21: `deserialize_properties(MessageToDict(...))` inside the
policy loop): with 28 policies that is over half the time of an `Analyze` call. `serve`
starts the same servicer the same way, wrapped so that `Analyze` and `AnalyzeStack`:

1. publish a plain view of the request in `CURRENT`, parsed once when a policy first reads it
   (request_view.py);
2. hand the SDK a copy of the request without properties, so its per-policy parse is of
   an empty object; the policy wrappers (policies.py) read the view instead.

`AnalyzeStack` also pauses Python's cyclic garbage collector for its duration: a
10,000-resource request allocates millions of small dicts and lists, and the collector's
full passes over them made the call superlinear (the router rule alone: 0.6 s without,
1.9 s with, at 10,000 resources). Parsed JSON holds no reference cycles, so nothing is
freed later than it would have been; reference counting frees everything as usual.

Every other call (GetAnalyzerInfo, Configure, ...) goes to the SDK's servicer unchanged,
so enforcement levels, config and diagnostics are the SDK's own. The servicer class is
private to pulumi_policy: if a release renames it, `serve` falls back to `PolicyPack`
(slower, same results).
"""

import gc
import sys
import threading
import time
from concurrent import futures
from typing import Any, cast

import grpc
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel, Policy, PolicyPack

from .request_view import CURRENT, resource_view, stack_view

# As PolicyPack: the engine sends whole stacks in one message.
_MAX_MESSAGE = 1024 * 1024 * 400
# PolicyPack reports this version; the engine uses PulumiPolicy.yaml's.
_VERSION = "0.0.1"


class _CollectorPause:
    """Pause the cyclic collector while any stack analysis runs (the gRPC server runs calls on 4 threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if self._running == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._running += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._running -= 1
            if self._running == 0 and self._was_enabled:
                gc.enable()


_COLLECTOR_PAUSE = _CollectorPause()


class SharedViewServicer:
    """The SDK's analyzer servicer, with each request's properties parsed once for all policies."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def Analyze(self, request: Any, context: Any) -> Any:  # noqa: N802 (the gRPC method name)
        token = CURRENT.set(resource_view(request))
        try:
            stripped = analyzer_pb2.AnalyzeRequest()
            stripped.CopyFrom(request)
            stripped.ClearField("properties")
            return self._inner.Analyze(stripped, context)
        finally:
            CURRENT.reset(token)

    def AnalyzeStack(self, request: Any, context: Any) -> Any:  # noqa: N802 (the gRPC method name)
        with _COLLECTOR_PAUSE:
            token = CURRENT.set(stack_view(request))
            try:
                stripped = analyzer_pb2.AnalyzeStackRequest()
                stripped.CopyFrom(request)
                for resource in stripped.resources:
                    resource.ClearField("properties")
                return self._inner.AnalyzeStack(stripped, context)
            finally:
                CURRENT.reset(token)


def _sdk_servicer(name: str, policies: list[Policy], enforcement_level: EnforcementLevel, **info: Any) -> Any:
    from pulumi_policy.policy import _PolicyAnalyzerServicer  # private: see the module docstring

    return _PolicyAnalyzerServicer(
        name,
        _VERSION,
        policies,
        enforcement_level,
        None,
        info.get("description"),
        info.get("display_name"),
        None,
        None,
        None,
        None,
    )


def serve(name: str, policies: list[Policy], enforcement_level: EnforcementLevel, **info: Any) -> None:
    """Like `PolicyPack(name=..., policies=..., ...)`: print the port, then serve until interrupted."""
    try:
        inner = _sdk_servicer(name, policies, enforcement_level, **info)
    except (ImportError, TypeError):
        PolicyPack(name=name, policies=policies, enforcement_level=enforcement_level, **info)
        return
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        options=[("grpc.max_receive_message_length", _MAX_MESSAGE)],
    )
    # The generated registrar only looks the RPC methods up by name, so the wrapper need not subclass.
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(cast(Any, SharedViewServicer(inner)), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop(0)
