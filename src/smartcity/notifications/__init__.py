"""Alarm notifications: signed webhooks and e-mail, with a delivery log and retries."""
