"""E-mail delivery over SMTP: one plain-text message per recipient and attempt."""

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import orjson

from smartcity.notifications import text
from smartcity.notifications.text import originator
from smartcity.notifications.webhook import Outcome
from smartcity.timeutil import iso

_ADDRESS = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+")
_VERBS = {"created": "raised", "updated": "updated", "acked": "acknowledged",
          "cleared": "cleared"}


def enabled(config) -> bool:
    return bool(config.get("SMTP_HOST"))


def _one_line(value) -> str:
    # Header values must not carry line breaks (header injection).
    return " ".join(str(value).split())


def subject(event: dict) -> str:
    if event["event"] == "alarm.digest":
        return _one_line(f"[smartcity] {text.headline(event)}")
    alarm, action = event["alarm"], event["event"].removeprefix("alarm.")
    severity = str(alarm.get("severity") or "").upper()
    return _one_line(f"[smartcity] {severity} {alarm.get('type')} on {originator(alarm)} "
                     f"({action})")


def _when(value) -> str:
    return iso(value) if isinstance(value, int | float) else str(value)


def body(event: dict) -> str:
    if event["event"] == "alarm.digest":
        return "\n".join([text.headline(event) + ", most severe first:", "",
                          *[f"- {line}" for line in text.lines(event)]]) + "\n"
    alarm, rule = event["alarm"], event.get("rule") or {}
    action = event["event"].removeprefix("alarm.")
    rows = [
        ("Severity", str(alarm.get("severity") or "").upper()),
        ("Status", alarm.get("status")),
        ("Rule", f"{rule.get('name')} (#{rule.get('id')})" if rule else None),
        ("Domain", alarm.get("domain")),
        ("Value", alarm.get("value")),
        ("Peak value", alarm.get("peak_value")),
        ("Count", alarm.get("count")),
        ("First seen", _when(alarm.get("first_seen"))),
        ("Last seen", _when(alarm.get("last_seen"))),
        ("Alarm id", alarm.get("id")),
    ]
    lines = [f"Alarm {alarm.get('type')} on {originator(alarm)} was "
             f"{_VERBS.get(action, action)}.", ""]
    lines += [f"{label + ':':<12} {value}" for label, value in rows if value is not None]
    if alarm.get("details"):
        lines += ["", "Details:", orjson.dumps(alarm["details"], option=orjson.OPT_INDENT_2
                                               | orjson.OPT_SORT_KEYS).decode()]
    return "\n".join(lines) + "\n"


def build_message(sender: str, to: str, event: dict, delivery_id: int,
                  composed: tuple | None = None) -> EmailMessage:
    """The alarm e-mail, or what a composer made of another event: (subject, text,
    [(filename, mimetype, bytes)])."""
    title, text, attachments = composed or (subject(event), body(event), [])
    msg = EmailMessage()
    msg["Subject"] = _one_line(title)
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(idstring=f"delivery-{delivery_id}", domain="smartcity")
    msg["X-Smartcity-Event"] = event["event"]
    msg["X-Smartcity-Delivery"] = str(delivery_id)
    msg.set_content(text)
    for filename, mimetype, data in attachments:
        maintype, subtype = mimetype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def send(config, to: str, delivery_id: int, event: dict, composed: tuple | None = None) -> Outcome:
    """Send once; retry on connection failures and 4xx replies, not on 5xx or bad settings."""
    if not enabled(config):
        return Outcome(ok=False, error="SMTP_HOST is not configured")
    if not _ADDRESS.fullmatch(to):
        return Outcome(ok=False, error="invalid e-mail address")
    return deliver(config, build_message(config["SMTP_FROM"], to, event, delivery_id, composed),
                   to)


def deliver(config, message: EmailMessage, to: str) -> Outcome:
    """Hand one message to the configured SMTP server (also used for password-reset mail)."""
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"],
                          timeout=config["NOTIFY_TIMEOUT_S"]) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(message, config["SMTP_FROM"], [to])
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        return _refused(code, reply)
    except smtplib.SMTPResponseException as exc:
        return _refused(exc.smtp_code, exc.smtp_error)
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        return Outcome(ok=False, retry=True, error=f"{type(exc).__name__}: {exc}"[:500])
    except smtplib.SMTPException as exc:  # e.g. STARTTLS or AUTH not offered: fix the settings
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
    return Outcome(ok=True, status_code=250)


def _refused(code: int, reply) -> Outcome:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return Outcome(ok=False, retry=400 <= code < 500, status_code=code,
                   error=f"SMTP {code}: {text}"[:500])
