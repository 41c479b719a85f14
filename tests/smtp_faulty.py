"""smtp_faulty.py - a real SMTP server on loopback that misbehaves on purpose,
for the relay's mail-fault tests (issue 10). Plain sockets and threads, so
each fault happens exactly where the test wants it, which a well-behaved
server library (aiosmtpd, tests/smtp_sink.py) cannot do.

    srv = FaultySMTP(mode).start()      # srv.port
    ...                                 # srv.transcript(): commands seen
    srv.stop()

Modes:
    drop-data    answers DATA with 354, reads part of the message, hangs up
    rcpt-4xx     450 4.2.1 to RCPT TO (mailbox busy: try again later)
    slow         says nothing for `delay` seconds after the connection opens
    no-starttls  a plain EHLO reply without STARTTLS (the client must refuse
                 to go on in plain text when TLS is required)
    552          552 5.3.4 after the message data (message too large)
    accept       250 for everything (a control that the harness delivers)
"""
import socket
import threading
import time


class FaultySMTP:
    def __init__(self, mode, delay=6.0):
        self.mode = mode
        self.delay = delay
        self.lines = []             # every command line received, in order
        self.connections = 0
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.thread = None

    def start(self):
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stopping = True
        if self.thread:
            self.thread.join(5)
        self.sock.close()

    def transcript(self):
        with self.lock:
            return list(self.lines)

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._session, args=(c,), daemon=True).start()

    def _session(self, c):
        c.settimeout(30)
        f = c.makefile("rb")
        try:
            if self.mode == "slow":
                end = time.time() + self.delay
                while time.time() < end and not self.stopping:
                    time.sleep(0.1)
            c.sendall(b"220 faulty.test ESMTP\r\n")
            while True:
                line = f.readline(1000)
                if not line:
                    return
                cmd = line.decode("latin-1").rstrip("\r\n")
                with self.lock:
                    self.lines.append(cmd)
                verb = cmd.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    ext = b"250-faulty.test\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n"
                    c.sendall(ext)
                elif verb == "STARTTLS":
                    c.sendall(b"454 4.7.0 TLS not available\r\n")
                elif verb == "MAIL":
                    c.sendall(b"250 2.1.0 Ok\r\n")
                elif verb == "RCPT":
                    if self.mode == "rcpt-4xx":
                        c.sendall(b"450 4.2.1 Mailbox busy, try again later\r\n")
                    else:
                        c.sendall(b"250 2.1.5 Ok\r\n")
                elif verb == "DATA":
                    c.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    if self.mode == "drop-data":
                        f.read(64)          # part of the message, then gone
                        return
                    while True:
                        d = f.readline(100000)
                        if not d or d in (b".\r\n", b".\n"):
                            break
                    if self.mode == "552":
                        c.sendall(b"552 5.3.4 Message size exceeds fixed limit\r\n")
                    else:
                        c.sendall(b"250 2.0.0 Ok: queued\r\n")
                elif verb == "QUIT":
                    c.sendall(b"221 2.0.0 Bye\r\n")
                    return
                elif verb in ("RSET", "NOOP"):
                    c.sendall(b"250 2.0.0 Ok\r\n")
                else:
                    c.sendall(b"502 5.5.2 Command not recognized\r\n")
        except OSError:
            pass
        finally:
            try:
                f.close()
                c.close()
            except OSError:
                pass
