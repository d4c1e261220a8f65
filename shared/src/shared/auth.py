"""Credentials of RELIABILITY.md 3.1-3.2: staff and service JWTs, landlord API keys, household links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import Request

from shared.errors import Forbidden, ReauthenticationRequired, Unauthenticated

ALGORITHM = "ES256"
MAX_TOKEN_BYTES = 8 * 1024
STAFF_ROLES = frozenset({"caseworker", "supervisor"})
PrincipalKind = Literal["staff", "landlord", "service", "household"]


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    id: str
    roles: frozenset[str] = frozenset()
    # When the person last signed in (the token's `auth_time`, epoch seconds): sensitive actions
    # ask for a recent sign-in (RELIABILITY.md 4.5, RFC 9470).
    auth_time: int | None = None

    @property
    def key(self) -> str:
        """The scope of idempotency keys and rate limits."""
        return f"{self.kind}:{self.id}"


# --- signing keys (the embedded stack's dev issuer; production verifies the IdP's JWKS) -------------


def generate_signing_key(directory: Path, *, kid: str | None = None) -> tuple[Path, Path]:
    """Create an EC P-256 key pair: a PEM private key and a JWKS with its public half."""
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    kid = kid or uuid.uuid4().hex[:16]
    private = directory / "dev-issuer.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private.chmod(0o600)
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
    jwks = directory / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}), encoding="utf-8")
    (directory / "kid").write_text(kid, encoding="utf-8")
    return private, jwks


@dataclass(frozen=True)
class Signer:
    """Mints tokens with a private key; the dev issuer and the embedded service credentials use it."""

    private_pem: bytes
    kid: str
    issuer: str

    @classmethod
    def from_file(cls, path: Path, *, issuer: str) -> Signer:
        kid_file = path.parent / "kid"
        return cls(path.read_bytes(), kid_file.read_text(encoding="utf-8").strip(), issuer)

    def mint(
        self,
        *,
        sub: str,
        audience: str,
        roles: list[str] | None = None,
        ttl_s: int = 900,
        now: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        issued = int(now if now is not None else time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": sub,
            "aud": audience,
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl_s,
            "auth_time": issued,
        }
        if roles is not None:
            claims["roles"] = roles
        claims.update(extra or {})
        return jwt.encode(claims, self.private_pem, algorithm=ALGORITHM, headers={"kid": self.kid})


class TokenVerifier:
    """Verifies JWTs against a JWKS by `kid`, with one asymmetric algorithm only (RFC 8725)."""

    def __init__(self, *, jwks: dict[str, Any] | None, jwks_url: str | None, issuer: str) -> None:
        self.issuer = issuer
        self._keys: dict[str, Any] = {}
        self._client = jwt.PyJWKClient(jwks_url, lifespan=60) if jwks_url else None
        for jwk in (jwks or {}).get("keys", []):
            self._keys[jwk["kid"]] = jwt.PyJWK(jwk, algorithm=ALGORITHM).key

    @classmethod
    def from_file(cls, path: Path, *, issuer: str) -> TokenVerifier:
        return cls(jwks=json.loads(path.read_text(encoding="utf-8")), jwks_url=None, issuer=issuer)

    def _key(self, token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str):
            raise jwt.InvalidTokenError("no kid")
        if kid in self._keys:
            return self._keys[kid]
        if self._client is not None:
            return self._client.get_signing_key(kid).key
        raise jwt.InvalidTokenError("unknown kid")

    def verify(self, token: str, *, audience: str) -> dict[str, Any]:
        if len(token) > MAX_TOKEN_BYTES:
            raise jwt.InvalidTokenError("token too large")
        claims: dict[str, Any] = jwt.decode(
            token,
            self._key(token),
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=self.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=30,
        )
        return claims


# --- landlord API keys ---------------------------------------------------------------------------


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewApiKey:
    token: str  # shown once
    key_id: str
    secret_hash: str


def new_api_key() -> NewApiKey:
    """`lk_<key_id>_<secret>` with 32 random bytes; only the SHA-256 of the secret is stored."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return NewApiKey(token=f"lk_{key_id}_{secret}", key_id=key_id, secret_hash=_sha256(secret))


def parse_api_key(token: str) -> tuple[str, str] | None:
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != "lk" or len(key_id) != 16 or not secret:
        return None
    return key_id, secret


def api_key_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(_sha256(secret), stored_hash)


# --- household links -----------------------------------------------------------------------------

LinkPurpose = Literal["offer.view", "offer.respond", "export.download"]


def mint_link(*, keys: dict[int, bytes], kid: int, jti: bytes, purpose: LinkPurpose) -> str:
    """base64url(kid ‖ jti ‖ HMAC(key, jti ‖ purpose)[:16]): 44 characters, one SMS segment."""
    mac = hmac.new(keys[kid], jti + purpose.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(bytes([kid]) + jti + mac).decode()


def verify_link(token: str, *, keys: dict[int, bytes], purpose: LinkPurpose) -> bytes | None:
    """The jti if the MAC is right for this purpose; checked before any database read."""
    try:
        raw = base64.urlsafe_b64decode(token.encode())
    except (ValueError, TypeError):
        return None
    if len(raw) != 33 or raw[0] not in keys:
        return None
    jti, mac = raw[1:17], raw[17:]
    expected = hmac.new(keys[raw[0]], jti + purpose.encode(), hashlib.sha256).digest()[:16]
    return jti if hmac.compare_digest(mac, expected) else None


# --- the request dependency ----------------------------------------------------------------------

LandlordKeyResolver = Callable[[str, str], Awaitable[Principal | None]]


@dataclass
class AuthContext:
    """What a service needs to authenticate a request: its name, the verifier and, for landlords, keys."""

    service: str
    verifier: TokenVerifier | None
    audience: str
    landlord_keys: LandlordKeyResolver | None = None
    failures: list[float] = field(default_factory=list)

    async def authenticate(self, authorization: str | None) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated()
        if token.startswith("lk_"):
            parsed = parse_api_key(token)
            if parsed is None or self.landlord_keys is None:
                raise Unauthenticated()
            principal = await self.landlord_keys(*parsed)
            if principal is None:
                raise Unauthenticated()
            return principal
        if self.verifier is None:
            raise Unauthenticated()
        for audience, kind in ((self.audience, "staff"), (self.service, "service")):
            try:
                claims = self.verifier.verify(token, audience=audience)
            except jwt.PyJWTError:
                continue
            sub = str(claims["sub"])
            if kind == "service":
                if not sub.startswith("svc-"):
                    raise Unauthenticated()
                return Principal(kind="service", id=sub)
            roles = claims.get("roles")
            if not isinstance(roles, list) or not roles:
                raise Unauthenticated()
            granted = frozenset(str(r) for r in roles) & STAFF_ROLES
            if "supervisor" in granted:
                granted |= {"caseworker"}
            auth_time = claims.get("auth_time")
            return Principal(
                kind="staff",
                id=sub,
                roles=granted,
                auth_time=auth_time if isinstance(auth_time, int) else None,
            )
        raise Unauthenticated()


def require_recent_sign_in(principal: Principal, *, now: datetime, max_age_s: float) -> None:
    """Step-up (RFC 9470): the person signed in at most `max_age_s` ago, else 401."""
    if principal.auth_time is None or now.timestamp() - principal.auth_time > max_age_s:
        raise ReauthenticationRequired()


class Authorize:
    """Route dependency declaring who may call it: staff roles, landlords, named service accounts."""

    def __init__(
        self,
        *,
        roles: set[str] | frozenset[str] = frozenset(),
        landlord: bool = False,
        services: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.roles = frozenset(roles)
        self.landlord = landlord
        self.services = frozenset(services)

    async def __call__(self, request: Request) -> Principal:
        ctx: AuthContext = request.app.state.auth
        principal = await ctx.authenticate(request.headers.get("authorization"))
        request.state.principal = principal
        allowed = (
            (principal.kind == "staff" and bool(principal.roles & self.roles))
            or (principal.kind == "landlord" and self.landlord)
            or (principal.kind == "service" and principal.id in self.services)
        )
        if not allowed:
            raise Forbidden()
        return principal
