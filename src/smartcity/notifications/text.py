"""Short texts of an alarm event or a digest, for SMS, push and chat (e-mail has its own)."""

VERBS = {"created": "raised", "updated": "now", "acked": "acknowledged", "cleared": "cleared"}


def originator(alarm: dict) -> str:
    kind, ident = alarm.get("originator_type"), alarm.get("originator_id")
    return f"{kind} {ident}" if kind else str(ident)


def alarm_line(alarm: dict) -> str:
    """"CRITICAL pm25_high on device aq-1 (value 61.5)"."""
    value = alarm.get("value")
    tail = f" (value {value})" if value is not None else ""
    return " ".join(f"{str(alarm.get('severity') or '').upper()} {alarm.get('type')} on "
                    f"{originator(alarm)}{tail}".split())


def headline(event: dict) -> str:
    """One line: what happened."""
    if event.get("event") == "alarm.digest":
        count = event.get("count", len(event.get("alarms") or []))
        return f"{str(event.get('digest') or '').capitalize()} digest: {count} " \
               f"alarm{'s' if count != 1 else ''}".strip()
    action = str(event.get("event", "")).removeprefix("alarm.")
    alarm = event.get("alarm") or {}
    if action == "updated":
        return f"Alarm now {alarm_line(alarm)}"
    return f"Alarm {VERBS.get(action, action)}: {alarm_line(alarm)}"


def lines(event: dict) -> list[str]:
    """The detail lines under the headline: the digest's alarms, or the alarm's domain/rule."""
    if event.get("event") == "alarm.digest":
        alarms = event.get("alarms") or []
        more = event.get("count", len(alarms)) - len(alarms)
        return [alarm_line(a) for a in alarms] + ([f"... and {more} more"] if more > 0 else [])
    alarm, rule = event.get("alarm") or {}, event.get("rule") or {}
    found = []
    if alarm.get("domain"):
        found.append(f"Domain: {alarm['domain']}")
    if rule.get("name"):
        found.append(f"Rule: {rule['name']}")
    return found


def short(event: dict, limit: int = 320) -> str:
    """Headline and details, cut to `limit` characters (an SMS of a few segments)."""
    text = "\n".join(["[smartcity] " + headline(event), *lines(event)])
    return text if len(text) <= limit else text[:limit - 1] + "…"
