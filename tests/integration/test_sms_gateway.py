"""The production SMS sender posts JSON to the configured gateway (a real HTTP server on
loopback here), and says so when the gateway refuses or is not there (issue 13)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from agreements.services.signatures import sms
from tests.conftest import make_test_settings


def test_the_gateway_gets_number_and_text() -> None:
    seen: list[dict] = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            seen.append(json.loads(self.rfile.read(length)))
            self.send_response(202 if seen[-1]["to"] != "refuse" else 500)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/sms"
        sender = sms.sender_for(make_test_settings(sms_gateway_url=url))
        assert isinstance(sender, sms.HttpGatewaySms)
        sender.send("+31612345678", "Uw code om te tekenen is 123456.")
        assert seen == [{"to": "+31612345678", "text": "Uw code om te tekenen is 123456."}]
        with pytest.raises(sms.SmsError, match="answered 500"):
            sender.send("refuse", "x")
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(sms.SmsError, match="could not be reached"):
        sms.HttpGatewaySms(url, timeout=2).send("+31612345678", "x")


def test_no_sender_without_gateway_or_outbox() -> None:
    assert sms.sender_for(make_test_settings(mail_outbox=None)) is None
