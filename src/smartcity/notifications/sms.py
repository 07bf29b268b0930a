"""SMS through a Twilio-compatible HTTP provider: one form-encoded POST per attempt to
{SMS_API_URL}/Accounts/{SMS_ACCOUNT_SID}/Messages.json with To, From and Body, HTTP basic auth
(account SID, auth token). 2xx is sent; 429 and 5xx are retried; other answers (an invalid
number is a 400 from Twilio) fail at once. The provider's host passes the egress guard."""

from smartcity.notifications import text, webhook
from smartcity.security.egress import Policy

SETTINGS = ("SMS_API_URL", "SMS_ACCOUNT_SID", "SMS_AUTH_TOKEN", "SMS_FROM")


def enabled(config) -> bool:
    return all(config.get(name) for name in SETTINGS)


def messages_url(config) -> str:
    return f"{config['SMS_API_URL'].rstrip('/')}/Accounts/{config['SMS_ACCOUNT_SID']}" \
           "/Messages.json"


def send(config, to: str, event: dict, policy: Policy) -> webhook.Outcome:
    if not enabled(config):
        return webhook.Outcome(ok=False, error="SMS is not configured (SMS_API_URL, "
                               "SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM)")
    form = {"To": to, "From": config["SMS_FROM"], "Body": text.short(event)}
    return webhook.post(messages_url(config), config["NOTIFY_TIMEOUT_S"], policy, data=form,
                        auth=(config["SMS_ACCOUNT_SID"], config["SMS_AUTH_TOKEN"]),
                        headers={"User-Agent": webhook.USER_AGENT, "Accept": "application/json"})
