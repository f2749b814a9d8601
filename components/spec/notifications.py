"""`bluegreen:notifications`: where the release engine sends word of a release (Slack, Teams, a webhook).

Each target names its kind, which events it wants and from which severity. Its `url` (and a
webhook's HMAC `secret`) must be Pulumi secrets: a webhook URL is a credential (anyone holding
it can post to the channel). The program refuses a plain one (components/spec/engine_config.py);
the CLI never prints either.
"""

from typing import Literal

from pydantic import Field, model_validator

from .base import ConfigModel, NonEmptyStr, field_error

NotificationKind = Literal["slack", "teams", "webhook"]
Severity = Literal["info", "warning", "critical"]
EventName = Literal[
    "release.started",
    "release.done",
    "release.paused",
    "release.conflict",
    "release.interrupted",
    "release.rolled_back",
    "release.failed",
    "release.rollback_failed",
    "rollback.started",
    "verdict",
    "step.started",
    "step.finished",
]

SEVERITIES: dict[str, Severity] = {
    "release.started": "info",
    "release.done": "info",
    "release.paused": "warning",
    "release.conflict": "warning",
    "release.interrupted": "warning",
    "release.rolled_back": "critical",
    "release.failed": "critical",
    "release.rollback_failed": "critical",
    "rollback.started": "critical",
    "verdict": "info",
    "step.started": "info",
    "step.finished": "info",
}
"""How serious each event that can be sent is; a verdict that fails the release is critical (see the notifier)."""
OUTCOME_EVENTS: tuple[EventName, ...] = (
    "release.done",
    "release.paused",
    "release.rolled_back",
    "release.failed",
    "release.rollback_failed",
    "release.conflict",
    "release.interrupted",
)
"""The last event of every release: `release.<outcome>` (docs/events.md)."""
DEFAULT_EVENTS: tuple[EventName, ...] = ("release.started", *OUTCOME_EVENTS)


class NotificationTarget(ConfigModel):
    """One target: `{kind: slack, url: <secret>, events: [...], minSeverity: warning}`."""

    name: NonEmptyStr
    """Names the target in the summary (never its URL)."""
    kind: NotificationKind
    """slack (incoming webhook), teams (a Teams workflow's webhook) or webhook (the JSON event, signed)."""
    url: NonEmptyStr
    """The webhook URL, a secret: `pulumi config set --secret --path 'bluegreen:notifications[0].url' ...`."""
    secret: str | None = None
    """Kind webhook only: HMAC-SHA256 key signing the body (header X-Bluegreen-Signature). A secret."""
    events: list[EventName] = Field(default_factory=lambda: list(DEFAULT_EVENTS))
    """Event types sent (docs/events.md); default: a release's start and its outcome."""
    min_severity: Severity = "info"
    """Send only events at least this severe: info, warning or critical."""

    @model_validator(mode="after")
    def _rules(self) -> "NotificationTarget":
        if not self.url.startswith(("https://", "http://", "[secret]")):
            raise field_error("url", self.url, "must be an http(s) URL")
        if self.secret is not None and self.kind != "webhook":
            raise field_error("secret", self.secret, "only a webhook target signs its body; slack and teams take none")
        return self
