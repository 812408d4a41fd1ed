#!/usr/bin/python3
"""fakereg.py — a small, controllable fake OCI registry for the pull tests.

    python3 tests/image/fakereg.py --layout DIR --port-file FILE [options]

Serves the image layout DIR (oci-layout, index.json, blobs/sha256, as
tests/image/mkoci.sh makes them) on 127.0.0.1, plain HTTP/1.1.  Every
repository name maps to the same layout: /v2/a/manifests/latest and
/v2/x/y/manifests/latest are the same manifest.  Standard library only.

Routes
  GET /v2/                            200 {} (or 401, see --auth)
  GET /v2/NAME/manifests/TAG|DIGEST   a tag of index.json (annotation
                                      org.opencontainers.image.ref.name) or
                                      any blob by digest; Content-Type is the
                                      document's mediaType, with
                                      Docker-Content-Digest; 404
                                      MANIFEST_UNKNOWN otherwise
  GET /v2/NAME/blobs/DIGEST           the blob; Range: bytes=N- (or N-M)
                                      answered 206 with Content-Range
  GET /token?service=..&scope=..      a bearer token (--auth bearer)
  GET /cdn/DIGEST?sig=x               the blob, without auth (--redirect-blobs)
HEAD works wherever GET does.  Every response has a Content-Length.

Options (all combinable)
  --port N              port to listen on (default 0: a free one)
  --port-file FILE      written (atomically) with the port once listening
  --auth bearer         /v2/ requests need "Authorization: Bearer TOKEN" with a
                        token from /token, else 401 with
                        WWW-Authenticate: Bearer realm="http://127.0.0.1:PORT/token",
                        service="fakereg"[,scope="repository:NAME:pull"]
                        (unknown tokens get 401 too).  The token endpoint is
                        anonymous, or with --auth-user/--auth-pass wants those
                        as Basic credentials (401 otherwise).
  --auth basic          /v2/ requests need "Authorization: Basic" with
                        --auth-user:--auth-pass, else 401 with
                        WWW-Authenticate: Basic realm="fakereg"
  --auth-user U --auth-pass P
  --redirect-blobs      blob GETs answer 307, Location
                        http://127.0.0.1:CDNPORT/cdn/DIGEST?sig=x.  CDNPORT is a
                        second listener of this process (a different origin,
                        as a real CDN is), or PORT with --cdn-same-port.  The
                        CDN needs no auth and answers 400 "auth header leaked
                        to the CDN" to a request that carries Authorization.
  --cdn-same-port       the CDN route on the registry's own port
  --fail-first N        the first N requests of each distinct path (query
                        string ignored) answer 503
  --drop-blob DIGEST    the first response that would carry that blob's bytes
                        sends the full headers but only half the bytes, then
                        closes the connection; later ones are normal
                        (repeatable)
  --corrupt-blob DIGEST that blob is always served with one byte flipped
                        (repeatable)
  --no-range            ignore Range: always 200 with the whole blob
  --log FILE            one line per request, written as it is answered:
                        METHOD PATH RANGE AUTH-SCHEME STATUS
                        (RANGE is the Range header or --, AUTH-SCHEME the first
                        word of Authorization or --; PATH includes the query)

SIGTERM (or SIGINT) stops the server and exits 0.
"""

import argparse
import base64
import json
import os
import re
import secrets
import signal
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
V2_RE = re.compile(r"^/v2/(?P<name>[a-z0-9]+(?:[._/-][a-z0-9]+)*)/(?P<kind>manifests|blobs)/(?P<ref>[^/]+)$")
RANGE_RE = re.compile(r"^bytes=(\d+)-(\d*)$")
REF_NAME = "org.opencontainers.image.ref.name"


class State:
    """What the server was told and what it remembers between requests."""

    def __init__(self, args):
        self.args = args
        self.layout = args.layout
        self.lock = threading.Lock()
        self.tokens = set()
        self.counts = {}  # path -> requests seen (for --fail-first)
        self.dropped = set()  # digests already dropped once
        self.drop = set(args.drop_blob)
        self.corrupt = set(args.corrupt_blob)
        self.port = 0
        self.cdn_port = 0
        self.log = open(args.log, "a", buffering=1) if args.log else None
        with open(os.path.join(self.layout, "index.json"), "rb") as f:
            self.index = json.load(f)

    def blob_path(self, digest):
        return os.path.join(self.layout, "blobs", "sha256", digest[len("sha256:"):])

    def read_blob(self, digest):
        """The blob's bytes as served (corrupted if asked), or None."""
        if not DIGEST_RE.match(digest):
            return None
        try:
            with open(self.blob_path(digest), "rb") as f:
                data = f.read()
        except OSError:
            return None
        if digest in self.corrupt and data:
            b = bytearray(data)
            b[len(b) // 2] ^= 0xFF
            data = bytes(b)
        return data

    def count(self, path):
        with self.lock:
            n = self.counts.get(path, 0) + 1
            self.counts[path] = n
            return n

    def take_drop(self, digest):
        """True the first time a blob marked --drop-blob is served."""
        with self.lock:
            if digest in self.drop and digest not in self.dropped:
                self.dropped.add(digest)
                return True
            return False

    def new_token(self):
        tok = secrets.token_hex(16)
        with self.lock:
            self.tokens.add(tok)
        return tok

    def known_token(self, tok):
        with self.lock:
            return tok in self.tokens

    def write_log(self, line):
        if self.log:
            with self.lock:
                self.log.write(line + "\n")


def errors_body(code, message):
    return json.dumps({"errors": [{"code": code, "message": message}]}, separators=(",", ":")).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set on the class before serving

    def version_string(self):
        return "fakereg/1"

    # quiet: the --log file is the record
    def log_message(self, fmt, *args):
        pass

    # ---- responses ----

    def log_request_line(self, status):
        rng = self.headers.get("Range") or "--"
        auth = self.headers.get("Authorization")
        scheme = auth.split(None, 1)[0] if auth and auth.strip() else "--"
        self.state.write_log("%s %s %s %s %d" % (self.command, self.path, rng.replace(" ", ""),
                                                 scheme, status))

    def reply(self, status, body=b"", headers=(), content_type=None):
        """A whole response, with Content-Length (no body for HEAD)."""
        self.send_response(status)
        if content_type is None and body:
            content_type = "application/json"
        if content_type:
            self.send_header("Content-Type", content_type)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.log_request_line(status)

    def error(self, status, code, message, headers=()):
        self.reply(status, errors_body(code, message), headers)

    # ---- dispatch ----

    def do_HEAD(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def handle_any(self):
        st = self.state
        a = st.args
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        # a request body is never expected; drain one if sent so the
        # connection stays usable
        n = int(self.headers.get("Content-Length") or 0)
        if n > 0:
            self.rfile.read(n)

        if a.fail_first and st.count(path) <= a.fail_first:
            self.error(503, "UNAVAILABLE", "fakereg: --fail-first")
            return

        if path.startswith("/cdn/"):
            self.serve_cdn(path[len("/cdn/"):])
            return
        if path == "/token":
            self.serve_token(url.query)
            return
        if path == "/v2" or path == "/v2/":
            if self.authorized(None):
                self.reply(200, b"{}", content_type="application/json")
            return
        m = V2_RE.match(path)
        if not m:
            self.error(404, "NOT_FOUND", "no such route: " + path)
            return
        name, kind, ref = m.group("name"), m.group("kind"), m.group("ref")
        if not self.authorized(name):
            return
        if kind == "manifests":
            self.serve_manifest(ref)
        else:
            self.serve_blob_route(ref)

    # ---- auth ----

    def authorized(self, name):
        """True if the request may go on; else a 401 was sent."""
        st = self.state
        a = st.args
        if a.auth == "none":
            return True
        got = self.headers.get("Authorization") or ""
        if a.auth == "basic":
            if basic_matches(got, a.auth_user, a.auth_pass):
                return True
            self.error(401, "UNAUTHORIZED", "authentication required",
                       [("WWW-Authenticate", 'Basic realm="fakereg"')])
            return False
        # bearer
        parts = got.split(None, 1)
        if len(parts) == 2 and parts[0].lower() == "bearer" and st.known_token(parts[1].strip()):
            return True
        ch = 'Bearer realm="http://127.0.0.1:%d/token",service="fakereg"' % st.port
        if name is not None:
            ch += ',scope="repository:%s:pull"' % name
        self.error(401, "UNAUTHORIZED", "authentication required", [("WWW-Authenticate", ch)])
        return False

    def serve_token(self, query):
        st = self.state
        a = st.args
        if a.auth != "bearer":
            self.error(404, "NOT_FOUND", "no token service (not --auth bearer)")
            return
        if a.auth_user is not None:
            if not basic_matches(self.headers.get("Authorization") or "", a.auth_user, a.auth_pass):
                self.error(401, "UNAUTHORIZED", "the token service wants credentials",
                           [("WWW-Authenticate", 'Basic realm="fakereg-token"')])
                return
        q = urllib.parse.parse_qs(query)
        if q.get("service", ["fakereg"])[0] != "fakereg":
            self.error(400, "INVALID", "unknown service")
            return
        tok = st.new_token()
        body = json.dumps({"token": tok, "access_token": tok, "expires_in": 300}).encode()
        self.reply(200, body, content_type="application/json")

    # ---- content ----

    def serve_manifest(self, ref):
        st = self.state
        digest = None
        media_type = None
        if DIGEST_RE.match(ref):
            digest = ref
        elif TAG_RE.match(ref):
            for d in st.index.get("manifests", []):
                if (d.get("annotations") or {}).get(REF_NAME) == ref:
                    digest = d.get("digest")
                    media_type = d.get("mediaType")
                    break
        data = st.read_blob(digest) if digest else None
        if data is None:
            self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
            return
        try:
            doc_mt = json.loads(data).get("mediaType")
        except (ValueError, AttributeError):
            doc_mt = None
        media_type = doc_mt or media_type or "application/vnd.oci.image.manifest.v1+json"
        self.reply(200, data, [("Docker-Content-Digest", digest)], content_type=media_type)

    def serve_blob_route(self, digest):
        st = self.state
        if not DIGEST_RE.match(digest):
            self.error(400, "DIGEST_INVALID", "invalid digest")
            return
        if not os.path.exists(st.blob_path(digest)):
            self.error(404, "BLOB_UNKNOWN", "blob unknown to registry")
            return
        if st.args.redirect_blobs:
            loc = "http://127.0.0.1:%d/cdn/%s?sig=x" % (st.cdn_port, digest)
            self.reply(307, b"", [("Location", loc), ("Docker-Content-Digest", digest)])
            return
        self.serve_blob(digest)

    def serve_cdn(self, digest):
        if self.headers.get("Authorization"):
            self.error(400, "DENIED", "auth header leaked to the CDN")
            return
        if not DIGEST_RE.match(digest) or not os.path.exists(self.state.blob_path(digest)):
            self.error(404, "BLOB_UNKNOWN", "blob unknown to the CDN")
            return
        self.serve_blob(digest)

    def serve_blob(self, digest):
        st = self.state
        data = st.read_blob(digest)
        if data is None:
            self.error(404, "BLOB_UNKNOWN", "blob unknown to registry")
            return
        size = len(data)
        status, start, end = 200, 0, size  # [start, end)
        rng = self.headers.get("Range")
        if rng and not st.args.no_range:
            m = RANGE_RE.match(rng.replace(" ", ""))
            if not m:
                self.error(416, "RANGE_INVALID", "only bytes=N- and bytes=N-M are served",
                           [("Content-Range", "bytes */%d" % size)])
                return
            first = int(m.group(1))
            last = int(m.group(2)) if m.group(2) else size - 1
            if first >= size or last < first:
                self.error(416, "RANGE_INVALID", "range not satisfiable",
                           [("Content-Range", "bytes */%d" % size)])
                return
            last = min(last, size - 1)
            status, start, end = 206, first, last + 1
        body = data[start:end]
        headers = [("Docker-Content-Digest", digest), ("Accept-Ranges", "none" if st.args.no_range else "bytes")]
        if status == 206:
            headers.append(("Content-Range", "bytes %d-%d/%d" % (start, end - 1, size)))
        if self.command == "GET" and st.take_drop(digest):
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.log_request_line(status)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.reply(status, body, headers, content_type="application/octet-stream")


def basic_matches(header, user, password):
    parts = header.split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "basic" or user is None:
        return False
    try:
        got = base64.b64decode(parts[1].strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return False
    return secrets.compare_digest(got, "%s:%s" % (user, password or ""))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def parse_args(argv):
    p = argparse.ArgumentParser(prog="fakereg.py", description="a fake OCI registry for tests")
    p.add_argument("--layout", required=True, help="OCI image layout to serve")
    p.add_argument("--port-file", required=True, help="the port is written here once listening")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--auth", choices=["none", "bearer", "basic"], default="none")
    p.add_argument("--auth-user")
    p.add_argument("--auth-pass")
    p.add_argument("--redirect-blobs", action="store_true")
    p.add_argument("--cdn-same-port", action="store_true")
    p.add_argument("--fail-first", type=int, default=0, metavar="N")
    p.add_argument("--drop-blob", action="append", default=[], metavar="DIGEST")
    p.add_argument("--corrupt-blob", action="append", default=[], metavar="DIGEST")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--range", dest="no_range", action="store_false", default=False)
    g.add_argument("--no-range", dest="no_range", action="store_true")
    p.add_argument("--log", metavar="FILE")
    a = p.parse_args(argv)
    if a.auth == "basic" and (a.auth_user is None or a.auth_pass is None):
        p.error("--auth basic needs --auth-user and --auth-pass")
    if (a.auth_user is None) != (a.auth_pass is None):
        p.error("--auth-user and --auth-pass go together")
    for d in a.drop_blob + a.corrupt_blob:
        if not DIGEST_RE.match(d):
            p.error("not a sha256 digest: " + d)
    if not os.path.isfile(os.path.join(a.layout, "index.json")):
        p.error("not an OCI image layout: " + a.layout)
    return a


def main(argv):
    args = parse_args(argv)
    state = State(args)
    Handler.state = state
    servers = [Server(("127.0.0.1", args.port), Handler)]
    state.port = servers[0].server_address[1]
    state.cdn_port = state.port
    if args.redirect_blobs and not args.cdn_same_port:
        servers.append(Server(("127.0.0.1", 0), Handler))
        state.cdn_port = servers[1].server_address[1]

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
               for s in servers]
    for t in threads:
        t.start()

    tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % state.port)
    os.rename(tmp, args.port_file)

    while not stop.wait(0.5):
        pass
    for s in servers:
        s.shutdown()
        s.server_close()
    if state.log:
        state.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
