"""The mail sender's one connection for many messages, against a real SMTP server on
loopback that drops the connection, or restarts, between two messages: the second message
goes out over a new connection, and no message is lost or sent twice."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from agreements.services.mail import send as mail
from tests.conftest import make_test_settings
from tests.support import free_port


class Server:
    """Keeps every message with the connection (client port) it came over; can hang up on
    a client right after accepting its message, as servers do with idle connections."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[int, str]] = []
        self.hang_up = False

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content)
        with self.lock:
            self.received.append((session.peer[1], str(message["Subject"])))
        if self.hang_up:
            asyncio.get_running_loop().call_later(0.05, server.transport.close)
        return "250 OK"

    def subjects(self) -> list[str]:
        with self.lock:
            return [subject for _, subject in self.received]

    def connections(self) -> int:
        with self.lock:
            return len({port for port, _ in self.received})


@pytest.fixture
def smtp() -> Iterator[tuple[Server, int, list[Controller]]]:
    server, port = Server(), free_port()
    running = [Controller(server, hostname="127.0.0.1", port=port)]
    running[0].start()
    yield server, port, running
    running[-1].stop()


def _mail(subject: str) -> mail.Mail:
    return mail.Mail(to="huurder@demo.example", subject=subject, body="Tekst.")


@pytest.mark.parametrize("fault", ["dropped", "restarted"])
def test_the_second_message_goes_out_after_the_server_hung_up(smtp, fault: str) -> None:
    server, port, running = smtp
    settings = make_test_settings(smtp_port=port, mail_outbox=None)
    with mail.connection(settings) as send:
        send(_mail("Eerste"))
        if fault == "dropped":  # the server ends the idle connection
            server.hang_up = True
            send(_mail("Tweede"))
            server.hang_up = False
        else:  # the server restarts: every connection it had is gone
            running[0].stop()
            running.append(Controller(server, hostname="127.0.0.1", port=port))
            running[-1].start()
        threading.Event().wait(0.2)  # the hang-up reaches the client
        send(_mail("Derde"))
    expected = ["Eerste", "Tweede", "Derde"] if fault == "dropped" else ["Eerste", "Derde"]
    assert server.subjects() == expected  # each once, in order: none lost or repeated
    # The last message came over a new connection: the sender reconnected.
    assert server.connections() == 2
