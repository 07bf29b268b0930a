"""A command's status only moves forward, even when the device answers before the request that
sent it has recorded "sent" (the answer arrives on another thread)."""

from sqlalchemy import update

from smartcity.devices import commands
from smartcity.devices.control_models import Command
from smartcity.extensions import db


def _queued(app, client, admin_headers, make_device):
    make_device("lamp-9", type="streetlight")  # offline: the command waits, queued
    answer = client.post("/api/devices/lamp-9/commands", headers=admin_headers,
                         json={"name": "ping", "timeout_s": 60})
    assert answer.get_json()["status"] == "queued"
    return answer.get_json()["id"]


def test_a_late_sent_does_not_overwrite_the_devices_answer(app, client, admin_headers,
                                                           make_device):
    command_id = _queued(app, client, admin_headers, make_device)
    with app.app_context():
        command = db.session.get(Command, command_id)  # loaded while still queued
        db.session.commit()  # (SQLite: one writer) the object keeps what it loaded
        with db.engine.begin() as other:  # the MQTT thread stores the device's answer
            other.execute(update(Command).where(Command.id == command_id).values(
                status="succeeded", completed_ms=1))
        assert commands.transition(command, "sent") is False
        assert command.status == "succeeded"
        db.session.remove()
    stored = client.get(f"/api/devices/lamp-9/commands/{command_id}",
                        headers=admin_headers).get_json()
    assert stored["status"] == "succeeded"


def test_an_answer_to_a_command_never_marked_sent_fills_sent_at(app, client, admin_headers,
                                                                make_device):
    command_id = _queued(app, client, admin_headers, make_device)
    with app.app_context():
        command = db.session.get(Command, command_id)
        assert commands.transition(command, "succeeded", {"ok": True}) is True
        assert command.sent_ms is not None and command.sent_ms <= command.completed_ms
        assert commands.transition(command, "sent") is False  # never backwards
        db.session.remove()
