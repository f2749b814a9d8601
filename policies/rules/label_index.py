"""Find which resources a label selector picks without comparing every selector with every resource.

Stack rules ask "which Services select this Deployment's pods" and "which Deployments
does this Service select" for every resource of a stack; comparing all pairs is
quadratic (a 10,000-resource stack took seconds). Both indexes answer from buckets keyed
by one (label, value) pair, then check the whole selector on the few candidates.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from .values import hashable

T = TypeVar("T")
Labels = Mapping[str, Any]


def _pairs(labels: Labels) -> list[tuple[str, Any]]:
    return [(key, hashable(value)) for key, value in labels.items()]


def selects(selector: Labels, labels: Labels) -> bool:
    """An empty selector selects nothing here: a Service without one routes to no pod it manages."""
    return bool(selector) and all(key in labels and labels[key] == value for key, value in selector.items())


class SelectorsIndex(Generic[T]):
    """Items with a selector; `selecting(labels)` gives those whose selector the labels satisfy."""

    def __init__(self, items: Iterable[T], selector_of: Callable[[T], Labels]) -> None:
        entries = [(item, selector_of(item)) for item in items]
        counts = Counter(pair for _, selector in entries for pair in _pairs(selector))
        self._buckets: dict[tuple[str, Any], list[tuple[T, Labels]]] = defaultdict(list)
        for item, selector in entries:
            pairs = _pairs(selector)
            if pairs:  # each item under its rarest pair: a label every app shares would make one huge bucket
                self._buckets[min(pairs, key=counts.__getitem__)].append((item, selector))

    def selecting(self, labels: Labels) -> list[T]:
        found = []
        for pair in _pairs(labels):
            found.extend(item for item, selector in self._buckets.get(pair, ()) if selects(selector, labels))
        return found


class LabelsIndex(Generic[T]):
    """Items with labels; `selected_by(selector)` gives those whose labels satisfy the selector."""

    def __init__(self, items: Iterable[T], labels_of: Callable[[T], Labels]) -> None:
        self._buckets: dict[tuple[str, Any], list[tuple[T, Labels]]] = defaultdict(list)
        for item in items:
            labels = labels_of(item)
            for pair in _pairs(labels):
                self._buckets[pair].append((item, labels))

    def selected_by(self, selector: Labels) -> list[T]:
        pairs = _pairs(selector)
        if not pairs:
            return []
        smallest = min((self._buckets.get(pair, []) for pair in pairs), key=len)
        return [item for item, labels in smallest if selects(selector, labels)]
