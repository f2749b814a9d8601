"""One Observer that tells several: the console and the event stream see the same release."""

from collections.abc import Sequence

from components.spec import Traffic

from .analysis.measurement import Measurement
from .health_gates import GateResult
from .rollout import Decision, Observer, StepRecord
from .rollout_plan import Step


class Fanout:
    """Forwards every call, in order, to each observer."""

    def __init__(self, observers: Sequence[Observer]):
        self.observers = tuple(observers)

    def step(self, index: int, total: int, step: Step) -> None:
        for observer in self.observers:
            observer.step(index, total, step)

    def output(self, line: str) -> None:
        for observer in self.observers:
            observer.output(line)

    def health(self, results: list[GateResult]) -> None:
        for observer in self.observers:
            observer.health(results)

    def measurements(self, seconds_left: float | None, found: list[Measurement]) -> None:
        for observer in self.observers:
            observer.measurements(seconds_left, found)

    def progress(self, step: Step, seconds_left: float) -> None:
        for observer in self.observers:
            observer.progress(step, seconds_left)

    def note(self, message: str) -> None:
        for observer in self.observers:
            observer.note(message)

    def verdict(self, step: Step, decision: Decision, reason: str) -> None:
        for observer in self.observers:
            observer.verdict(step, decision, reason)

    def finished(self, step: Step, record: StepRecord, deployed: Traffic | None) -> None:
        for observer in self.observers:
            observer.finished(step, record, deployed)

    def rolling_back(self, reason: str, step: Step) -> None:
        for observer in self.observers:
            observer.rolling_back(reason, step)
