"""A real SMTP server for the email tests (aiosmtpd): STARTTLS required or implicit TLS, AUTH PLAIN/LOGIN
required with one user, on a free loopback port. Prints `PORT <n>` when it listens; every message it
accepts is written to OUT_DIR as JSON (envelope, login, headers, the plain and HTML parts decoded).

usage: smtp_server.py MODE(starttls|tls) CERT KEY USER PASSWORD OUT_DIR
"""

import asyncio
import email
import email.policy
import json
import os
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, out_dir, implicit_tls):
        self.out_dir = out_dir
        self.implicit_tls = implicit_tls
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_type()] = part.get_content()
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": session.auth_data.login.decode() if session.authenticated else None,
            "tls": self.implicit_tls or session.ssl is not None,
            "content_type": message.get_content_type(),
            "headers": {k.lower(): str(v) for k, v in message.items()},
            "plain": parts.get("text/plain", ""),
            "html": parts.get("text/html", ""),
            "raw": envelope.original_content.decode("utf-8", "replace"),
        }
        self.count += 1
        path = os.path.join(self.out_dir, "%04d.json" % self.count)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Ok: queued as test%04d" % self.count


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    mode, cert, key, user, password, out_dir = sys.argv[1:7]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    port = free_port()
    options = dict(
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        # With implicit TLS the whole connection is encrypted; aiosmtpd only knows STARTTLS as "TLS".
        auth_require_tls=mode == "starttls",
    )
    if mode == "starttls":
        options.update(tls_context=context, require_starttls=True)
    else:
        options.update(ssl_context=context)
    controller = Controller(Recorder(out_dir, mode == "tls"), **options)
    controller.start()
    print("PORT %d" % port, flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin (or dies)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
