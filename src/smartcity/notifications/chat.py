"""Chat channels: Slack- and Microsoft Teams-style incoming webhooks, one JSON POST per attempt.

Slack: {"text": ...} in Slack's mrkdwn. Teams: a legacy connector MessageCard
(@type MessageCard, summary, themeColor, title, text). Both answer 2xx when posted; 429 and 5xx
are retried. The webhook URL passes the egress guard when saved and when connected."""

import orjson

from smartcity.notifications import text, webhook
from smartcity.security.egress import Policy

COLOURS = {"critical": "D13438", "major": "CA5010", "minor": "986F0B", "warning": "8764B8",
           "info": "0078D4"}


def _severity(event: dict) -> str | None:
    if event.get("event") == "alarm.digest":
        alarms = event.get("alarms") or [{}]
        return alarms[0].get("severity")
    return (event.get("alarm") or {}).get("severity")


def body(event: dict, style: str) -> dict:
    title, details = text.headline(event), text.lines(event)
    if style == "teams":
        return {"@type": "MessageCard", "@context": "https://schema.org/extensions",
                "summary": title, "themeColor": COLOURS.get(_severity(event), "0078D4"),
                "title": f"smartcity: {title}", "text": "\n\n".join(details) or title}
    return {"text": "\n".join([f"*smartcity*: {title}", *[f"• {line}" for line in details]])}


def send(url: str, event: dict, timeout: float, policy: Policy) -> webhook.Outcome:
    payload = orjson.dumps(body(event, event.get("chat_style") or "slack"))
    return webhook.post(url, timeout, policy, data=payload, headers={
        "Content-Type": "application/json", "User-Agent": webhook.USER_AGENT})
