#!/usr/bin/python3
"""The API the tools' tests call: HTTP/1.1 on 127.0.0.1, over TLS with a certificate the test
made (--cert/--key) or plain (--plain). Answers by path: /ok 200, /missing 404, /error 500,
/slow 200 after 300 ms, /big a 4 KiB body; anything else 404. Prints its port on stdout once
it listens (port 0: the kernel picks one)."""
import argparse
import http.server
import ssl
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection carries many requests
    # The header and the body go out in two writes: without TCP_NODELAY the second waits for
    # the client's delayed ACK (40 ms a request).
    disable_nagle_algorithm = True

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/ok":
            self.answer(200, b"ok\n")
        elif path == "/error":
            self.answer(500, b"error\n")
        elif path == "/slow":
            time.sleep(0.3)
            self.answer(200, b"slow\n")
        elif path == "/big":
            self.answer(200, b"x" * 4095 + b"\n")
        else:
            self.answer(404, b"missing\n")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        self.answer(201, b"got " + str(len(body)).encode() + b"\n")

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--plain", action="store_true")
    a = p.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    if not a.plain:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
