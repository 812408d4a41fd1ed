#!/usr/bin/python3
"""tokenserver.py — a small token service for docker-registry's token auth.

    python3 tests/image/tokenserver.py --port-file FILE --cert-file PEM [options]

Serves GET /token on 127.0.0.1, plain HTTP/1.1, as the realm of a
docker-registry (distribution v2) configured with

    auth:
      token:
        realm: http://127.0.0.1:PORT/token
        service: SERVICE        (--service, default "tote-test-registry")
        issuer: ISSUER          (--issuer, default "tote-test-tokenserver")
        rootcertbundle: PEM     (--cert-file)

Tokens are real JWTs (JWS compact form), signed ES256 with a P-256 key made
at start-up and never written to disk.  The key's self-signed certificate is
written to --cert-file before the port file, so once the port file exists
the registry can be started.  The JWT header carries "kid", the libtrust key
id of the key (SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits,
base32 without padding, in 12 groups of 4 joined by ':'), which
distribution 2.8 matches against the keys of the certificates in its
rootcertbundle.  With --x5c the header carries the certificate itself
("x5c", the chain the registry verifies against rootcertbundle) instead.

Claims: iss, sub (the user, "" when anonymous), aud (the service asked for,
or --service), exp (now + --expires), nbf and iat (now - 5 s, for clock
skew), jti, access: [{type, name, actions}] for each scope asked for
(?scope=TYPE:NAME:ACTIONS, repeatable, several space-separated allowed),
only with the actions granted:
    pull   to --user, to --push-user, and to anyone anonymous when
           --anonymous-pull is given or no --user is
    push   (and pull) to --push-user only
A scope of another type than "repository", or none of whose actions is
granted, is left out (the registry then answers 401 insufficient_scope).
No scope (as for GET /v2/, i.e. tote login) gives a token with no access.

Credentials: an Authorization: Basic header must match --user/--pass or
--push-user/--push-pass, else 401 (WWW-Authenticate: Basic realm=...).  A
request without one is anonymous: 401 when --user is given without
--anonymous-pull.

Answer: 200 {"token": JWT, "access_token": JWT, "expires_in": N,
"issued_at": RFC 3339 time}.

Options
  --port N              port to listen on (default 0: a free one)
  --port-file FILE      written (atomically) with the port once listening
  --cert-file PEM       the signing key's certificate (the rootcertbundle)
  --service NAME        the default audience (when ?service= is missing)
  --issuer NAME
  --user U --pass P     the pulling account
  --push-user U --push-pass P
                        the account that may push (registry.sh's pusher)
  --anonymous-pull      anonymous pulls even with --user
  --expires SECONDS     token lifetime (default 300)
  --x5c                 sign with an x5c header instead of kid
  --log FILE            one line per request, written as it is answered:
                        METHOD PATH AUTH-SCHEME USER STATUS GRANTED
                        (AUTH-SCHEME the first word of Authorization or --,
                        USER the Basic user name or --, GRANTED the scopes
                        granted joined by ',' or --)

Needs python3-cryptography.  SIGTERM (or SIGINT) stops it and exits 0.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def libtrust_key_id(public_key):
    """The key id docker/libtrust gives a public key (what distribution's
    token auth looks a JWT's "kid" up by)."""
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    s = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(s[i:i + 4] for i in range(0, len(s), 4))


def make_cert(key, name):
    """A self-signed certificate of key, valid from a day ago for a week."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))


class State:
    def __init__(self, args):
        self.args = args
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = make_cert(self.key, args.issuer)
        self.kid = libtrust_key_id(self.key.public_key())
        self.lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1) if args.log else None

    def write_log(self, line):
        if self.log:
            with self.lock:
                self.log.write(line + "\n")

    def sign(self, claims):
        header = {"typ": "JWT", "alg": "ES256"}
        if self.args.x5c:
            header["x5c"] = [base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode()]
        else:
            header["kid"] = self.kid
        signing_input = "%s.%s" % (b64url(json.dumps(header, separators=(",", ":")).encode()),
                                   b64url(json.dumps(claims, separators=(",", ":")).encode()))
        der = self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        # JWS wants r || s, each 32 bytes big-endian (RFC 7518 3.4)
        return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def parse_scope(scope):
    """TYPE:NAME:ACTIONS -> (type, name, [actions]); NAME may hold ':'
    (a registry host with a port).  None if malformed."""
    first, last = scope.find(":"), scope.rfind(":")
    if first < 0 or first == last:
        return None
    return scope[:first], scope[first + 1:last], [a for a in scope[last + 1:].split(",") if a]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set on the class before serving

    def version_string(self):
        return "tokenserver/1"

    def log_message(self, fmt, *args):
        pass  # the --log file is the record

    def reply(self, status, body, user="--", granted="--", headers=()):
        body = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        auth = self.headers.get("Authorization")
        scheme = auth.split(None, 1)[0] if auth and auth.strip() else "--"
        self.state.write_log("%s %s %s %s %d %s" % (self.command, self.path, scheme,
                                                    user or "--", status, granted or "--"))

    def deny(self, user, why):
        self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": why}]}, user=user,
                   headers=[("WWW-Authenticate", 'Basic realm="tote test token service"')])

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        a = self.state.args
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/token":
            self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such route"}]})
            return
        q = urllib.parse.parse_qs(url.query, keep_blank_values=True)

        # who is asking
        user = None
        auth = self.headers.get("Authorization")
        if auth:
            scheme, _, cred = auth.partition(" ")
            if scheme.lower() != "basic":
                self.deny("--", "only Basic credentials are taken")
                return
            try:
                u, sep, p = base64.b64decode(cred.strip(), validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                self.deny("--", "malformed Basic credentials")
                return
            accounts = [(a.user, a.password), (a.push_user, a.push_password)]
            if not sep or not any(au is not None and hmac.compare_digest(u, au) and
                                  hmac.compare_digest(p, ap) for au, ap in accounts):
                self.deny(u or "--", "wrong user name or password")
                return
            user = u
        elif a.user is not None and not a.anonymous_pull:
            self.deny("--", "credentials are required")
            return

        allowed = set()
        if user is not None or a.anonymous_pull or a.user is None:
            allowed.add("pull")
        if user is not None and user == a.push_user:
            allowed.update(("push", "pull"))

        access, granted = [], []
        for s in q.get("scope", []):
            for one in s.split():
                parsed = parse_scope(one)
                if parsed is None or parsed[0] != "repository":
                    continue
                typ, name, actions = parsed
                ok = [x for x in actions if x in allowed]
                if ok:
                    access.append({"type": typ, "name": name, "actions": ok})
                    granted.append("%s:%s:%s" % (typ, name, ",".join(ok)))

        now = int(time.time())
        claims = {
            "iss": a.issuer,
            "sub": user or "",
            "aud": (q.get("service") or [a.service])[0],
            "exp": now + a.expires,
            "nbf": now - 5,
            "iat": now - 5,
            "jti": secrets.token_hex(16),
            "access": access,
        }
        tok = self.state.sign(claims)
        issued = datetime.datetime.fromtimestamp(now - 5, datetime.timezone.utc)
        self.reply(200, {"token": tok, "access_token": tok, "expires_in": a.expires,
                         "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%SZ")},
                   user=user, granted=",".join(granted))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def write_atomic(path, data):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="tokenserver.py",
                                description="a token service for docker-registry's token auth")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--cert-file", required=True)
    p.add_argument("--service", default="tote-test-registry")
    p.add_argument("--issuer", default="tote-test-tokenserver")
    p.add_argument("--user")
    p.add_argument("--pass", dest="password")
    p.add_argument("--push-user")
    p.add_argument("--push-pass", dest="push_password")
    p.add_argument("--anonymous-pull", action="store_true")
    p.add_argument("--expires", type=int, default=300, metavar="SECONDS")
    p.add_argument("--x5c", action="store_true")
    p.add_argument("--log", metavar="FILE")
    a = p.parse_args(argv)
    if (a.user is None) != (a.password is None):
        p.error("--user and --pass go together")
    if (a.push_user is None) != (a.push_password is None):
        p.error("--push-user and --push-pass go together")
    if a.expires <= 0:
        p.error("--expires must be positive")
    return a


def main(argv):
    args = parse_args(argv)
    state = State(args)
    Handler.state = state
    server = Server(("127.0.0.1", args.port), Handler)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())

    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    write_atomic(args.cert_file, state.cert.public_bytes(serialization.Encoding.PEM))
    write_atomic(args.port_file, b"%d\n" % server.server_address[1])

    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    if state.log:
        state.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
