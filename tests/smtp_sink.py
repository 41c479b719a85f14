#!/usr/bin/python3
"""smtp_sink.py - a real SMTP server on loopback for the relay's tests
(Debian's python3-aiosmtpd), plus a reader for what it recorded.

  smtp_sink.py serve --port P --dir D [--mode M] [--pidfile F] [--auth U:P]
      Accepts mail on 127.0.0.1:P and stores every message as D/<n>.eml
      (exactly the bytes received) with its envelope in D/<n>.json, each
      written to a temporary name and renamed, so a reader never sees half
      a message. Runs until SIGTERM/SIGINT; stop and start it again to
      simulate an SMTP server that is down. Every transaction is also
      appended to D/log.jsonl (accepted or refused).
      The mode is read from D/mode for every transaction when that file
      exists (so a test can change it without a restart), else --mode:
        accept         250 for everything (default)
        tempfail       451 4.3.0 to RCPT TO
        tempfail-data  451 4.3.0 after the message data
        permfail       554 5.7.1 to RCPT TO
        permfail-data  554 5.6.0 after the message data
        421            421 4.3.2 to MAIL FROM
  smtp_sink.py dump --dir D
      One JSON object per recorded message on stdout, parsed with the
      stdlib email package: message_id, subject (decoded), headers (raw
      name/value pairs as received), text (the decoded text/plain part),
      attachments [{filename, type, size, sha256}], envelope.
  smtp_sink.py wait --dir D --count N [--timeout S]
      Waits until at least N messages are recorded (exit 1 on timeout).

As a module (tests): Sink(directory, port).start()/.stop()/.set_mode(m)/
.messages()/.wait(n)/.refusals() runs the same server as a child process.
"""
import argparse
import asyncio
import email
import email.policy
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult

REPLIES = {
    "tempfail": "451 4.3.0 Temporary failure (test sink)",
    "tempfail-data": "451 4.3.0 Temporary failure after data (test sink)",
    "permfail": "554 5.7.1 Rejected (test sink)",
    "permfail-data": "554 5.6.0 Message rejected (test sink)",
    "421": "421 4.3.2 Service not available (test sink)",
}


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


class Handler:
    def __init__(self, directory, mode):
        self.dir = directory
        self.default_mode = mode
        self.seq = 0

    def mode(self):
        try:
            with open(os.path.join(self.dir, "mode")) as f:
                m = f.read().strip()
        except FileNotFoundError:
            return self.default_mode
        return m if m in REPLIES or m == "accept" else self.default_mode

    def log(self, **entry):
        entry["at"] = time.time()
        with open(os.path.join(self.dir, "log.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")

    async def handle_MAIL(self, server, session, envelope, address, options):
        if self.mode() == "421":
            self.log(result="refused", stage="MAIL", reply=REPLIES["421"])
            return REPLIES["421"]
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        mode = self.mode()
        if mode in ("tempfail", "permfail"):
            self.log(result="refused", stage="RCPT", rcpt=address,
                     reply=REPLIES[mode])
            return REPLIES[mode]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mode = self.mode()
        if mode in ("tempfail-data", "permfail-data"):
            self.log(result="refused", stage="DATA", reply=REPLIES[mode])
            return REPLIES[mode]
        self.seq += 1
        name = "%d-%d-%06d" % (time.time_ns(), os.getpid(), self.seq)
        base = os.path.join(self.dir, name)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                "peer": list(session.peer)[:2], "received": time.time()}
        # the envelope first: a reader lists messages by their .eml, so it
        # never sees a message without its envelope
        write_atomic(base + ".json", json.dumps(meta).encode())
        write_atomic(base + ".eml", envelope.content)
        self.log(result="accepted", name=name, rcpt=envelope.rcpt_tos)
        return "250 2.0.0 OK queued as " + name


def serve(args):
    os.makedirs(args.dir, exist_ok=True)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Handler(args.dir, args.mode)

    auth = {}
    if args.auth:
        user, _, password = args.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, data):
            good = (data.login == user.encode() and data.password == password.encode())
            handler.log(result="auth", mechanism=mechanism, success=good)
            return AuthResult(success=good, handled=False)
        auth = dict(authenticator=authenticator, auth_required=True,
                    auth_require_tls=False)

    def factory():
        return SMTP(handler, hostname="sink.test", decode_data=False,
                    data_size_limit=64 << 20, enable_SMTPUTF8=False, loop=loop,
                    **auth)

    server = loop.run_until_complete(
        loop.create_server(factory, host=args.host, port=args.port,
                           reuse_address=True))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    if args.pidfile:
        write_atomic(args.pidfile, b"%d\n" % os.getpid())
    print("smtp_sink: listening on %s:%d" % (args.host, args.port), flush=True)
    loop.run_forever()
    server.close()
    loop.run_until_complete(server.wait_closed())
    loop.close()
    return 0


def messages(directory):
    names = sorted(n[:-4] for n in os.listdir(directory) if n.endswith(".eml"))
    for name in names:
        base = os.path.join(directory, name)
        with open(base + ".eml", "rb") as f:
            raw = f.read()
        try:
            with open(base + ".json") as f:
                env = json.load(f)
        except FileNotFoundError:
            env = {}
        yield name, raw, env


def parse(name, raw, env):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = None
    attachments = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_filename() is not None:
            data = part.get_payload(decode=True) or b""
            attachments.append({"filename": part.get_filename(),
                                "type": part.get_content_type(),
                                "size": len(data),
                                "sha256": hashlib.sha256(data).hexdigest()})
        elif part.get_content_type() == "text/plain" and text is None:
            text = part.get_content()
    raw_headers = email.message_from_bytes(raw, policy=email.policy.compat32)
    return {"name": name, "message_id": msg.get("Message-ID"),
            "subject": str(msg.get("Subject", "")),
            "from": str(msg.get("From", "")), "to": str(msg.get("To", "")),
            "reply_to": str(msg.get("Reply-To", "")) if msg.get("Reply-To") else None,
            "date": str(msg.get("Date", "")),
            "headers": [[k, v] for k, v in raw_headers.items()],
            "raw_header_lines": raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace").split("\r\n"),
            "text": text, "attachments": attachments, "envelope": env,
            "defects": [type(d).__name__ for d in msg.defects]}


def dump(args):
    for name, raw, env in messages(args.dir):
        print(json.dumps(parse(name, raw, env), ensure_ascii=False))
    return 0


def wait(args):
    deadline = time.time() + args.timeout
    while True:
        n = sum(1 for x in os.listdir(args.dir) if x.endswith(".eml"))
        if n >= args.count:
            return 0
        if time.time() > deadline:
            print("smtp_sink: %d of %d messages after %ss" % (n, args.count, args.timeout),
                  file=sys.stderr)
            return 1
        time.sleep(0.1)


class Sink:
    """The sink as a child process, for tests written in Python."""

    def __init__(self, directory, port, mode="accept"):
        self.dir = directory
        self.port = port
        self.mode = mode
        self.proc = None
        os.makedirs(directory, exist_ok=True)

    def start(self, timeout=15):
        with open(os.path.join(self.dir, "sink.log"), "ab") as err:
            self.proc = subprocess.Popen(
                ["/usr/bin/python3", os.path.abspath(__file__), "serve", "--port",
                 str(self.port), "--dir", self.dir, "--mode", self.mode],
                stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("smtp_sink exited with %s" % self.proc.returncode)
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("smtp_sink did not listen on %d" % self.port)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def set_mode(self, mode):
        write_atomic(os.path.join(self.dir, "mode"), mode.encode() + b"\n")

    def count(self):
        return sum(1 for x in os.listdir(self.dir) if x.endswith(".eml"))

    def messages(self):
        return [parse(n, raw, env) for n, raw, env in messages(self.dir)]

    def wait(self, n, timeout=60):
        deadline = time.time() + timeout
        while self.count() < n:
            if time.time() > deadline:
                return False
            time.sleep(0.1)
        return True

    def log(self):
        try:
            with open(os.path.join(self.dir, "log.jsonl")) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def refusals(self):
        return [e for e in self.log() if e.get("result") == "refused"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--dir", required=True)
    s.add_argument("--mode", default="accept", choices=["accept"] + sorted(REPLIES))
    s.add_argument("--pidfile")
    s.add_argument("--auth", help="USER:PASSWORD required before MAIL")
    d = sub.add_parser("dump")
    d.add_argument("--dir", required=True)
    w = sub.add_parser("wait")
    w.add_argument("--dir", required=True)
    w.add_argument("--count", type=int, required=True)
    w.add_argument("--timeout", type=float, default=30)
    args = p.parse_args()
    return {"serve": serve, "dump": dump, "wait": wait}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
