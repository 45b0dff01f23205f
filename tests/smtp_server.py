"""A real SMTP server on loopback for avtal's email tests (aiosmtpd).

Each accepted message is written to FOLDER as <n>.eml with its envelope in <n>.json
({"mail_from": ..., "rcpt_tos": [...]}), the .eml renamed into place last so that a reader
never sees half a file.

    python3 smtp_server.py --port PORT --folder FOLDER [--fail-first N] [--reject]

--fail-first N  answer 451 (try again later) to the first N messages, then accept
--reject        answer 550 to every message
--reject-to A   answer 550 to RCPT TO for address A (may be repeated): the other
                recipients of the message get it
--defer-to A    answer 450 to the first RCPT TO for address A, then take it (may be
                repeated)
--delay-ms MS   wait this long before answering each message
--cert C --key K  offer STARTTLS with this certificate and require it
--implicit-tls  with --cert: TLS from the first byte instead

Prints "READY <port>" on stdout once it listens; stops on SIGTERM or when stdin closes.
"""

import argparse
import asyncio
import email
import email.policy
import hashlib
import json
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller


def mailbox(header):
    """The first address of an address header as {"name", "address"}, or None."""
    if header is None or not header.addresses:
        return None
    first = header.addresses[0]
    return {"name": first.display_name, "address": first.addr_spec}


def describe(raw):
    """The headers and parts a test looks at, decoded by Python's own MIME parser."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = {
        "subject": str(msg["subject"] or ""),
        "message_id": str(msg["message-id"] or ""),
        "from": str(msg["from"] or ""),
        "from_mailbox": mailbox(msg["from"]),
        "reply_to": str(msg["reply-to"] or ""),
        "reply_to_mailbox": mailbox(msg["reply-to"]),
        "to": [str(a) for a in (msg.get_all("to") or [])],
        "text": "",
        "html": "",
        "attachments": [],
    }
    for part in msg.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if filename or part.get_content_disposition() == "attachment":
            data = part.get_payload(decode=True) or b""
            out["attachments"].append(
                {
                    "filename": filename or "",
                    "content_type": part.get_content_type(),
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
        elif part.get_content_type() == "text/plain" and not out["text"]:
            out["text"] = part.get_content()
        elif part.get_content_type() == "text/html" and not out["html"]:
            out["html"] = part.get_content()
    return out


class Recorder:
    def __init__(self, folder, fail_first, reject, delay_ms, reject_to=(), defer_to=()):
        self.reject_to = set(reject_to)
        self.defer_to = set(defer_to)
        self.deferred = set()
        self.delay_ms = delay_ms
        self.folder = folder
        self.fail_first = fail_first
        self.reject = reject
        self.seen = 0
        self.stored = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # As a real server does: a recipient it will not take is refused at RCPT TO, and
        # the transaction goes on for the others.
        if address in self.reject_to:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address in self.defer_to and address not in self.deferred:
            self.deferred.add(address)
            return f"450 4.2.0 <{address}>: Recipient address rejected: Greylisted, try later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.delay_ms:
            await asyncio.sleep(self.delay_ms / 1000)
        if self.reject:
            return "550 5.7.1 Mailbox unavailable: relaying denied for this address"
        if self.seen <= self.fail_first:
            return "451 4.3.0 Temporary local problem, please try again"
        self.stored += 1
        n = f"{os.getpid()}-{self.stored:05d}"
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        meta.update(describe(envelope.original_content))
        with open(os.path.join(self.folder, n + ".json.tmp"), "w") as f:
            json.dump(meta, f)
        os.replace(
            os.path.join(self.folder, n + ".json.tmp"), os.path.join(self.folder, n + ".json")
        )
        with open(os.path.join(self.folder, n + ".eml.tmp"), "wb") as f:
            f.write(envelope.original_content)
        os.replace(
            os.path.join(self.folder, n + ".eml.tmp"), os.path.join(self.folder, n + ".eml")
        )
        return "250 2.0.0 OK: queued"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--folder", required=True)
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--reject", action="store_true")
    p.add_argument("--delay-ms", type=int, default=0)
    p.add_argument("--reject-to", action="append", default=[], help="answer 550 to RCPT TO ADDR")
    p.add_argument(
        "--defer-to", action="append", default=[], help="answer 450 to the first RCPT TO ADDR"
    )
    p.add_argument("--cert", help="PEM certificate: offer STARTTLS and require it")
    p.add_argument("--key", help="PEM key of --cert")
    p.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte")
    args = p.parse_args()
    os.makedirs(args.folder, exist_ok=True)
    handler = Recorder(
        args.folder, args.fail_first, args.reject, args.delay_ms, args.reject_to, args.defer_to
    )
    tls = {}
    if args.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        if args.implicit_tls:
            tls = {"ssl_context": ctx}
        else:
            tls = {"tls_context": ctx, "require_starttls": True}
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=args.port,
        data_size_limit=50 * 1024 * 1024,
        **tls,
    )
    controller.start()
    print(f"READY {args.port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (controller.stop(), sys.exit(0)))
    try:
        # The test holds our stdin open; when it goes away (the test ended or died), so do we.
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
