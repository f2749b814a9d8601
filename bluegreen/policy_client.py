"""Drive the CrossGuard policy pack in `policies/` over its gRPC analyzer protocol, as the engine does.

The engine starts a Python pack with `python -u -m pulumi.policy <engine-address> <pack-dir>`
(the `pulumi-analyzer-policy-python` shim). The pack's `PolicyPack(...)` starts a gRPC
server on 127.0.0.1 and prints its port on stdout; the engine then calls
`GetAnalyzerInfo`, `Configure` (the `--policy-pack-config` file merged over the policies'
defaults), `Analyze` once per resource and `AnalyzeStack` once with every resource.
`PolicyPackProcess` does exactly that, so tests and the offline check exercise the
same code path `pulumi preview --policy-pack policies` would.
"""

import dataclasses
import json
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from .program_run import RegisteredResource
from .project import short_name
from .stack_files import PROJECT_DIR


def shipped_pack() -> Path:
    """The pack that ships with bluegreen: the wheel installs `policies/` as `bluegreen/policy_pack/`;
    run from a checkout, it is the checkout's `policies/`."""
    installed = Path(__file__).resolve().parent / "policy_pack"
    return installed if (installed / "PulumiPolicy.yaml").is_file() else PROJECT_DIR / "policies"


def pack_dir(project_dir: Path = PROJECT_DIR) -> Path:
    """The project's own `policies/` when it holds a pack, else the shipped one; `--policy-pack-config`
    files live in its `config/`."""
    own = project_dir / "policies"
    return own if (own / "PulumiPolicy.yaml").is_file() else shipped_pack()


PACK_DIR = pack_dir()
CONFIG_DIR = PACK_DIR / "config"

# The engine passes the address of its own gRPC host (used only for logging). There is no
# engine here; the pack never dials it unless PULUMI_PROJECT/STACK/DRY_RUN are set.
NO_ENGINE_ADDRESS = "127.0.0.1:0"
START_TIMEOUT_SECONDS = 60.0
_MAX_MESSAGE = 1024 * 1024 * 400

_LEVELS = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
_LEVEL_VALUES = {name: value for value, name in _LEVELS.items()}
_SEVERITIES = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}


class PolicyPackError(RuntimeError):
    """The pack failed to start, or rejected a call; the message carries its stderr."""


@dataclass(frozen=True)
class Violation:
    """One diagnostic as `pulumi preview` would print it."""

    policy_name: str
    message: str
    """The policy description, a newline, then the rule's own message (as the engine shows it)."""
    urn: str
    enforcement_level: str
    """advisory | mandatory | remediate | disabled"""
    severity: str | None
    url: str = ""
    """Where the policy is documented (its anchor on docs/policies.md), as the pack declares it."""

    @property
    def mandatory(self) -> bool:
        return self.enforcement_level == "mandatory"


def config_file(stack: str, project_dir: Path = PROJECT_DIR) -> Path:
    return pack_dir(project_dir) / "config" / f"{short_name(stack)}.json"


def load_stack_config(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """`policies/config/<stack>.json`, the file a user passes to `--policy-pack-config`."""
    return json.loads(config_file(stack, project_dir).read_text())


def to_struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    """Inputs as the engine sends them: a protobuf Struct of JSON values."""
    struct = struct_pb2.Struct()
    struct.update({key: _jsonable(value) for key, value in values.items()})
    return struct


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    # Resource references, assets and the like: the rules never look inside them.
    return str(value)


def _violation(diagnostic: analyzer_pb2.AnalyzeDiagnostic, urls: Mapping[str, str]) -> Violation:
    return Violation(
        policy_name=diagnostic.policyName,
        message=diagnostic.message,
        urn=diagnostic.urn,
        enforcement_level=_LEVELS.get(diagnostic.enforcementLevel, "advisory"),
        severity=_SEVERITIES.get(diagnostic.severity),
        url=urls.get(diagnostic.policyName, ""),
    )


def _drain(stream: IO[bytes] | None, into: list[bytes] | None) -> None:
    """Read a pipe to EOF (keeping the lines if asked), so the pack never blocks writing to it."""
    if stream is None:
        return
    try:
        for line in stream:
            if into is not None:
                into.append(line)
    except (OSError, ValueError):
        pass  # closed by close() while the process was ending


def analyze_request(resource: RegisteredResource) -> analyzer_pb2.AnalyzeRequest:
    """The `Analyze` request the engine sends for one resource."""
    return analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        properties=to_struct(resource.inputs),
        urn=resource.urn,
        name=resource.name,
        options=analyzer_pb2.AnalyzerResourceOptions(parent=resource.parent),
    )


def stack_request(resources: Iterable[RegisteredResource]) -> analyzer_pb2.AnalyzeStackRequest:
    """The `AnalyzeStack` request the engine sends: every custom resource."""
    return analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=r.type,
                properties=to_struct(r.inputs),
                urn=r.urn,
                name=r.name,
                parent=r.parent,
                options=analyzer_pb2.AnalyzerResourceOptions(parent=r.parent),
            )
            for r in resources
            if r.custom
        ]
    )


class PolicyPackProcess:
    """The policy pack running as a plugin process; use as a context manager.

    `config` is the parsed `--policy-pack-config` file: `{policy: "mandatory"}` or
    `{policy: {"enforcementLevel": ..., knob: value}}`, with `"all"` setting every
    policy's level. Like the engine, unspecified knobs get their schema defaults.
    """

    def __init__(
        self,
        pack_dir: Path = PACK_DIR,
        python: str = sys.executable,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.python = python
        self.config = config
        self._process: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._stderr: list[bytes] = []
        self._stderr_reader: threading.Thread | None = None
        self._info: analyzer_pb2.AnalyzerInfo | None = None

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The pack's process id while it runs (for callers that want to see it end)."""
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> "PolicyPackProcess":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the pack's process and return at once: its Python boots while the caller works."""
        if not (self.pack_dir / "PulumiPolicy.yaml").exists():
            raise PolicyPackError(f"{self.pack_dir} is not a policy pack (no PulumiPolicy.yaml)")
        self._process = subprocess.Popen(
            [self.python, "-u", "-m", "pulumi.policy", NO_ENGINE_ADDRESS, str(self.pack_dir)],
            cwd=self.pack_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        # Drain stderr continuously so a chatty pack cannot block on a full pipe.
        self._stderr_reader = threading.Thread(target=_drain, args=(self._process.stderr, self._stderr), daemon=True)
        self._stderr_reader.start()

    def wait_ready(self) -> None:
        """Wait for the launched pack to serve, then configure it; a no-op once it does."""
        if self._stub is not None:
            return
        if self._process is None:
            raise PolicyPackError("policy pack is not running (use it as a context manager)")
        port = self._read_port()
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{port}",
            options=[
                ("grpc.max_receive_message_length", _MAX_MESSAGE),
                ("grpc.max_send_message_length", _MAX_MESSAGE),
            ],
        )
        try:
            grpc.channel_ready_future(self._channel).result(timeout=START_TIMEOUT_SECONDS)
        except grpc.FutureTimeoutError as error:
            raise PolicyPackError(
                f"policy pack on port {port} never accepted a connection{self._stderr_tail()}"
            ) from error
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self._info = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        self._call("Configure", self.configure_request(self.config or {}))

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        process, self._process = self._process, None
        if process is None:
            return
        self._stop(process)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    def _stderr_tail(self) -> str:
        text = b"".join(self._stderr).decode(errors="replace").strip()
        return f"\n--- policy pack stderr ---\n{text[-8000:]}" if text else " (no stderr)"

    def _read_port(self) -> int:
        process = self._process
        assert process is not None and process.stdout is not None
        stdout = process.stdout
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_SECONDS)
        text = line[0].decode(errors="replace").strip() if line else ""
        if not text.isdigit():
            hung = reader.is_alive()
            self._stop(process)
            # The process is gone, so its stderr hits EOF: wait for the drain to read all of it.
            if self._stderr_reader is not None:
                self._stderr_reader.join(timeout=5)
            if hung:
                what = f"printed no port within {START_TIMEOUT_SECONDS:.0f} s"
            elif text:
                what = f"printed {text!r} instead of a port"
            else:
                what = "exited without printing a port"
            raise PolicyPackError(
                f"policy pack {self.pack_dir} {what} (exit code {process.returncode}){self._stderr_tail()}"
            )
        # Anything the pack prints later must not fill the pipe and block it.
        threading.Thread(target=_drain, args=(stdout, None), daemon=True).start()
        return int(text)

    @staticmethod
    def _stop(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            raise PolicyPackError("policy pack is not running (use it as a context manager)")
        try:
            return getattr(self._stub, method)(request)
        except grpc.RpcError as error:
            raise PolicyPackError(f"{method} failed: {error}{self._stderr_tail()}") from error

    # -- configuration -------------------------------------------------------------------

    def _urls(self) -> dict[str, str]:
        """Each policy's documentation URL, from the pack's own analyzer info."""
        return {policy.name: policy.url for policy in self.info().policies if policy.url}

    def info(self) -> analyzer_pb2.AnalyzerInfo:
        if self._info is None:
            raise PolicyPackError("policy pack is not running (use it as a context manager)")
        return self._info

    def policy_names(self) -> list[str]:
        return [policy.name for policy in self.info().policies]

    def configure_request(self, config: Mapping[str, Any]) -> analyzer_pb2.ConfigureAnalyzerRequest:
        """Merge a config file over every policy's default level and schema defaults, as the engine does."""
        policies = {policy.name: policy for policy in self.info().policies}
        unknown = sorted(set(config) - set(policies) - {"all"})
        if unknown:
            raise PolicyPackError(f"policy pack config names unknown policies: {', '.join(unknown)}")
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, policy in policies.items():
            schema = (
                json_format.MessageToDict(policy.configSchema.properties) if policy.HasField("configSchema") else {}
            )
            level = _LEVELS[policy.enforcementLevel]
            knobs = {key: spec["default"] for key, spec in schema.items() if "default" in spec}
            for entry in (config.get("all"), config.get(name)):
                if isinstance(entry, str):
                    level = entry
                elif isinstance(entry, Mapping):
                    level = entry.get("enforcementLevel", level)
                    extra = sorted(set(entry) - set(schema) - {"enforcementLevel"})
                    if extra:
                        raise PolicyPackError(
                            f"policy {name!r} has no config key(s) {', '.join(extra)}; "
                            f"known: {', '.join(sorted(schema)) or 'none'}"
                        )
                    knobs.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
            if level not in _LEVEL_VALUES:
                raise PolicyPackError(f"policy {name!r}: unknown enforcement level {level!r}")
            policy_config = analyzer_pb2.PolicyConfig(enforcementLevel=_LEVEL_VALUES[level])
            policy_config.properties.update(knobs)
            request.policyConfig[name].CopyFrom(policy_config)
        return request

    def configure(self, config: Mapping[str, Any]) -> None:
        """Re-send `Configure` with another config file's contents (one pack, many stacks)."""
        self.config = dict(config)
        self._call("Configure", self.configure_request(self.config))

    # -- analysis ------------------------------------------------------------------------

    def analyze_one(self, resource: RegisteredResource) -> list[Violation]:
        return self.send_analyze(analyze_request(resource), resource.urn)

    def send_analyze(self, request: analyzer_pb2.AnalyzeRequest, urn: str) -> list[Violation]:
        """One `Analyze` call with a request built beforehand (benchmarks time the call alone)."""
        response = self._call("Analyze", request)
        urls = self._urls()
        # Resource policies report against the analyzed resource; the engine fills in the URN.
        return [
            v if v.urn else dataclasses.replace(v, urn=urn)
            for v in (_violation(d, urls) for d in response.diagnostics)
        ]

    def analyze(self, resources: Iterable[RegisteredResource]) -> list[Violation]:
        """One `Analyze` call per registered resource, components included, as by the engine.

        The engine's step generator analyzes every registration's inputs, custom or component
        (pkg/resource/deploy/step_generator.go: `continueStepsFromImport` -> `analyzeAll`); only
        resources read with `get` are never analyzed. See components/rollout_strategy.py.
        """
        violations: list[Violation] = []
        for resource in resources:
            violations.extend(self.analyze_one(resource))
        return violations

    def analyze_stack(self, resources: Iterable[RegisteredResource]) -> list[Violation]:
        """One `AnalyzeStack` call with every custom resource."""
        return self.send_analyze_stack(stack_request(resources))

    def send_analyze_stack(self, request: analyzer_pb2.AnalyzeStackRequest) -> list[Violation]:
        return [_violation(d, self._urls()) for d in self._call("AnalyzeStack", request).diagnostics]

    def check(self, resources: Iterable[RegisteredResource]) -> list[Violation]:
        """Everything `pulumi preview --policy-pack` would report: per-resource, then stack policies."""
        resources = list(resources)
        return self.analyze(resources) + self.analyze_stack(resources)


def launch_pack(project_dir: Path) -> PolicyPackProcess:
    """Start the project's pack (`pack_dir`) and return at once, its Python booting while the caller works.

    What `bluegreen check` and `bluegreen plan` judge with; the caller closes it.
    """
    pack = PolicyPackProcess(pack_dir(project_dir))
    try:
        pack.launch()
    except BaseException:
        pack.close()
        raise
    return pack


__all__ = [
    "CONFIG_DIR",
    "PACK_DIR",
    "PolicyPackError",
    "PolicyPackProcess",
    "Violation",
    "config_file",
    "launch_pack",
    "load_stack_config",
    "pack_dir",
]
