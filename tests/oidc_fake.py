"""oidc_fake - an OpenID provider on loopback for relayd's negative tests
(t-relay-identity.py): discovery, a JWKS, an authorization endpoint that
logs the test account in at once (no page), and a token endpoint that
checks the client (client_secret_basic, or private_key_jwt: a JWT signed
by one of .client_keys, RS256 or ES256, with iss = sub = the client id,
aud = the token endpoint, a short exp and a jti never seen before), the
code, the redirect URI and the PKCE verifier (S256) like a real provider, then signs an ID token (RS256,
python3-cryptography). The test bends what it signs through .claims
(extra or replaced claims, None deletes one), .sign_with ("wrong": a key
not in the JWKS under the published kid) and .rotate() (a new key and kid
the relay has not fetched yet). Standard library plus cryptography."""
import base64
import hashlib
import http.server
import json
import secrets
import threading
import time
import urllib.parse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64u_int(n):
    return b64u(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def b64u_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def client_jwk(kind="RSA", kid="relayd-1"):
    """A client key pair for private_key_jwt: (the private JWK relayd
    reads, the public key the provider registers)."""
    if kind == "RSA":
        k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        n = k.private_numbers()
        pub = n.public_numbers
        jwk = {"kty": "RSA", "kid": kid, "alg": "RS256", "n": b64u_int(pub.n),
               "e": b64u_int(pub.e), "d": b64u_int(n.d), "p": b64u_int(n.p),
               "q": b64u_int(n.q), "dp": b64u_int(n.dmp1), "dq": b64u_int(n.dmq1),
               "qi": b64u_int(n.iqmp)}
    else:
        k = ec.generate_private_key(ec.SECP256R1())
        n = k.private_numbers()
        pad = lambda v: b64u(v.to_bytes(32, "big"))
        jwk = {"kty": "EC", "kid": kid, "crv": "P-256", "x": pad(n.public_numbers.x),
               "y": pad(n.public_numbers.y), "d": pad(n.private_value)}
    return jwk, k.public_key()


class Provider:
    def __init__(self, client_id="relayd-test", client_secret="geheim-123"):
        self.client_id, self.client_secret = client_id, client_secret
        self.codes = {}             # code -> (redirect_uri, nonce, challenge)
        self.claims = {}            # overrides of the next ID tokens
        self.sign_with = "right"
        self.account = {"sub": "buerger-4711", "given_name": "Erika",
                        "family_name": "Mustermann", "birthdate": "1964-08-12",
                        "email": "erika@example.de", "acr": "substantiell-test"}
        self.keys = []              # (kid, private key) published in the JWKS
        self.rotate()
        self.jwks_fetches = 0
        self.token_requests = 0
        self.client_keys = []       # public keys for private_key_jwt
        self.jtis = set()           # client assertions seen (no replay)
        self.last_auth = None       # how the last good token request was made
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.httpd.server_address[1]
        self.issuer = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def rotate(self):
        kid = "k%d" % (len(self.keys) + 1)
        self.keys.append((kid, rsa.generate_private_key(public_exponent=65537, key_size=2048)))

    def stop(self):
        self.httpd.shutdown()

    def jwks(self):
        keys = []
        for kid, k in self.keys:
            pub = k.public_key().public_numbers()
            keys.append({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                         "n": b64u_int(pub.n), "e": b64u_int(pub.e)})
        return {"keys": keys}

    def id_token(self, nonce):
        now = int(time.time())
        c = dict(self.account)
        c.update({"iss": self.issuer, "aud": self.client_id, "iat": now,
                  "exp": now + 300, "nonce": nonce})
        for k, v in self.claims.items():
            if v is None:
                c.pop(k, None)
            else:
                c[k] = v
        kid, key = self.keys[-1]
        if self.sign_with == "wrong":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        head = {"alg": "RS256", "typ": "JWT", "kid": kid}
        signing = b64u(json.dumps(head).encode()) + "." + b64u(json.dumps(c).encode())
        sig = key.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing + "." + b64u(sig)

    def assertion_ok(self, jwt, form_client_id):
        """A private_key_jwt client assertion as a provider checks it."""
        try:
            h64, c64, s64 = jwt.split(".")
            head, claims = json.loads(b64u_dec(h64)), json.loads(b64u_dec(c64))
            signing, sig = (h64 + "." + c64).encode(), b64u_dec(s64)
        except (ValueError, json.JSONDecodeError):
            return False
        good = False
        for pub in self.client_keys:
            try:
                if head.get("alg") == "RS256" and isinstance(pub, rsa.RSAPublicKey):
                    pub.verify(sig, signing, padding.PKCS1v15(), hashes.SHA256())
                elif head.get("alg") == "ES256" and isinstance(pub, ec.EllipticCurvePublicKey):
                    der = utils.encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                                     int.from_bytes(sig[32:], "big"))
                    pub.verify(der, signing, ec.ECDSA(hashes.SHA256()))
                else:
                    continue
                good = True
            except InvalidSignature:
                pass
        now = int(time.time())
        jti = claims.get("jti")
        if (not good or claims.get("iss") != self.client_id or
                claims.get("sub") != self.client_id or
                form_client_id not in (None, self.client_id) or
                claims.get("aud") != self.issuer + "/token" or
                not isinstance(claims.get("exp"), int) or
                not now <= claims["exp"] <= now + 300 or not jti or jti in self.jtis):
            return False
        self.jtis.add(jti)
        return True

    def _handler(self):
        op = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def send_json(self, status, obj):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(u.query))
                if u.path == "/.well-known/openid-configuration":
                    return self.send_json(200, {
                        "issuer": op.issuer,
                        "authorization_endpoint": op.issuer + "/auth",
                        "token_endpoint": op.issuer + "/token",
                        "jwks_uri": op.issuer + "/jwks",
                        "response_types_supported": ["code"],
                        "code_challenge_methods_supported": ["S256"],
                        "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                                  "private_key_jwt"]})
                if u.path == "/jwks":
                    op.jwks_fetches += 1
                    return self.send_json(200, op.jwks())
                if u.path == "/auth":
                    if (q.get("response_type") != "code" or q.get("client_id") != op.client_id
                            or q.get("code_challenge_method") != "S256"
                            or "openid" not in q.get("scope", "").split()):
                        return self.send_json(400, {"error": "invalid_request", "q": q})
                    code = secrets.token_urlsafe(24)
                    op.codes[code] = (q["redirect_uri"], q.get("nonce"), q["code_challenge"])
                    loc = "%s?%s" % (q["redirect_uri"], urllib.parse.urlencode(
                        {"code": code, "state": q["state"]}))
                    self.send_response(302)
                    self.send_header("Location", loc)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_json(404, {})

            def do_POST(self):
                op.token_requests += 1
                n = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode()))
                auth = self.headers.get("Authorization", "")
                want = "Basic " + base64.b64encode(
                    ("%s:%s" % (op.client_id, op.client_secret)).encode()).decode()
                if form.get("client_assertion_type") == JWT_BEARER:
                    how = "private_key_jwt"
                    good = not auth and op.assertion_ok(form.get("client_assertion", ""),
                                                        form.get("client_id"))
                else:
                    how, good = "client_secret_basic", auth == want
                if self.path != "/token" or not good:
                    return self.send_json(401, {"error": "invalid_client"})
                op.last_auth = how
                got = op.codes.pop(form.get("code", ""), None)
                if not got or form.get("grant_type") != "authorization_code":
                    return self.send_json(400, {"error": "invalid_grant"})
                redirect, nonce, challenge = got
                verifier = form.get("code_verifier", "")
                if (form.get("redirect_uri") != redirect or
                        b64u(hashlib.sha256(verifier.encode()).digest()) != challenge):
                    return self.send_json(400, {"error": "invalid_grant", "why": "pkce"})
                self.send_json(200, {"access_token": secrets.token_urlsafe(16),
                                     "token_type": "Bearer", "expires_in": 300,
                                     "id_token": op.id_token(nonce)})
        return H
