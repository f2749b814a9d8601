"""What each notification service receives for one release event, in the format it documents.

- Slack incoming webhook: `{"text": ..., "blocks": [...]}`; `text` is the fallback shown in
  notifications, `blocks` the message (mrkdwn sections). Slack acts on `&`, `<` and `>` (links,
  mentions such as `<!channel>`), so those are escaped as Slack says: `&amp;`, `&lt;`, `&gt;`.
- Microsoft Teams workflow webhook ("When a Teams webhook request is received"): a message whose
  attachment is an Adaptive Card (`application/vnd.microsoft.card.adaptive`).
- Generic webhook: the event itself, as docs/events.md describes it.

Every text is built from the event alone: what happened, the reason, the metric evidence and
the commands that continue or undo, for a rollback the whole story in one message.
"""

from typing import Any

from components import safe_text
from components.spec.notifications import SEVERITIES, Severity

from .analysis.measurement import Measurement

TITLES = {
    "release.started": "🚀 release started",
    "release.done": "✅ release done",
    "release.paused": "⏸️ release paused",
    "release.conflict": "⚠️ release stopped: the stack's config changed under it",
    "release.interrupted": "⏹️ release interrupted",
    "release.rolled_back": "↩️ release rolled back",
    "release.failed": "❌ release failed",
    "release.rollback_failed": "🚨 rollback FAILED: production needs a human now",
    "rollback.started": "↩️ rolling back",
    "verdict": "🔎 analysis verdict",
    "step.started": "▶️ step started",
    "step.finished": "⏹️ step finished",
}


def severity(event: dict[str, Any]) -> Severity:
    """How serious an event is; a verdict is as serious as what it decided."""
    if event["type"] == "verdict":
        return {"fail": "critical", "pause": "warning"}.get(event.get("decision", ""), "info")  # type: ignore[return-value]
    return SEVERITIES.get(event["type"], "info")


def summary(event: dict[str, Any]) -> tuple[str, list[str], dict[str, str]]:
    """(title, lines, facts) for people: plain text, not yet escaped for any service."""
    title = f"{TITLES.get(event['type'], event['type'])} on {event['stack']}: {event['image']}"
    lines: list[str] = []
    outcome = event.get("outcome")
    if outcome:
        lines.append(outcome["message"])
        lines += [f"evidence: {Measurement.from_fields(m).line()}" for m in outcome["evidence"]["measurements"]]
        for gate in outcome["evidence"]["health"]:
            lines.append(f"evidence: {gate['gate']} {gate['color']} unhealthy ({gate['detail']})")
        lines += [f"next: {command}" for command in outcome["next"]]
    if event.get("reason"):
        lines.append(event["reason"])
    if event.get("step") and not outcome:
        lines.append(f"step {event['step']['number']}: {event['step']['label']}")
    weights = event["weights"]
    facts = {
        "stack": event["stack"],
        "image": event["image"],
        "colors": f"{event['colors']['live']} live, {event['colors']['candidate']} candidate",
        "weights": f"blue {weights['blue']}%, green {weights['green']}%",
        "release": event["release"],
    }
    return title, lines, facts


def _slack_escape(text: str) -> str:
    shown = safe_text.shown(text)
    return shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(event: dict[str, Any]) -> dict[str, Any]:
    title, lines, facts = summary(event)
    body = "\n".join(_slack_escape(line) for line in lines) or " "
    fields = [{"type": "mrkdwn", "text": f"*{key}*\n{_slack_escape(value)}"} for key, value in facts.items()]
    return {
        "text": _slack_escape(title),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_slack_escape(title)}*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": body}},
            {"type": "section", "fields": fields},
        ],
    }


def _teams_text(text: str) -> str:
    # Adaptive Cards render a subset of Markdown in TextBlocks: show it, never let it render.
    return safe_text.markdown(text)


def teams(event: dict[str, Any]) -> dict[str, Any]:
    title, lines, facts = summary(event)
    color = {"critical": "Attention", "warning": "Warning"}.get(severity(event), "Good")
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": _teams_text(title),
            "weight": "Bolder",
            "size": "Medium",
            "color": color,
            "wrap": True,
        },
    ]
    body += [{"type": "TextBlock", "text": _teams_text(line), "wrap": True} for line in lines]
    body.append({"type": "FactSet", "facts": [{"title": k, "value": _teams_text(v)} for k, v in facts.items()]})
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                },
            }
        ],
    }


def webhook(event: dict[str, Any]) -> dict[str, Any]:
    return event


PAYLOADS = {"slack": slack, "teams": teams, "webhook": webhook}
