"""A real SMTP server (aiosmtpd) on a free port, for alarm e-mails and password-reset mail."""

import socket
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """aiosmtpd handler keeping every accepted message; `refuse` maps addresses to replies."""

    def __init__(self):
        self.messages: list[dict] = []
        self.refuse: dict[str, str] = {}
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                              "content": envelope.content})
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port(),
                            authenticator=mailbox.authenticate, auth_require_tls=False)
    controller.start()
    controller.mailbox = mailbox
    yield controller
    controller.stop()


@pytest.fixture
def smtp(app, smtp_server):
    """Point the app at the local SMTP server; returns its mailbox."""
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port,
                      SMTP_FROM="alerts@city.test")
    return smtp_server.mailbox
