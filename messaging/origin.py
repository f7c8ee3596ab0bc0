"""Which pages may open a chat socket: the site's own origin, or one of CSRF_TRUSTED_ORIGINS.

A browser sends the cookies of the chat's site with a WebSocket handshake whatever page opens it,
so the Origin header is what stops another site (or another port of this host, which is another
origin) from chatting as the visitor. Channels' AllowedHostsOriginValidator compares only the
host with ALLOWED_HOSTS: `http://127.0.0.1:9999` passed for a site served on port 8000.

The rule is Django's own for unsafe HTTP requests (CsrfViewMiddleware's origin check): the Origin
equals the scheme of the connection (wss -> https, ws -> http, or SECURE_PROXY_SSL_HEADER behind a
proxy) with the Host header, which must itself be in ALLOWED_HOSTS; or it is in
CSRF_TRUSTED_ORIGINS (exact, port included; `https://*.example.com` for subdomains, as Django).
A handshake without an Origin header (no browser sends none) is refused, as before, unless
ALLOWED_HOSTS is `*`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin1")
    return None


def _allowed_hosts() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        hosts = [".localhost", "127.0.0.1", "[::1]"]  # as Django's HttpRequest.get_host
    return hosts


def _host(scope: dict) -> str | None:
    """The Host the client asked for, if ALLOWED_HOSTS allows it (HttpRequest.get_host's rule)."""
    host = _header(scope, b"x-forwarded-host") if settings.USE_X_FORWARDED_HOST else None
    host = host or _header(scope, b"host")
    if host is None and scope.get("server"):
        server_host, server_port = scope["server"][0], scope["server"][1]
        host = f"{server_host}:{server_port}" if server_port else server_host
    if not host:
        return None
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return None
    return host


def _is_secure(scope: dict) -> bool:
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        name, secure_value = proxy
        if name.startswith("HTTP_"):
            value = _header(scope, name[5:].lower().replace("_", "-").encode("latin1"))
            if value is not None:
                # As Django: the first value, when proxies append theirs.
                return value.split(",", 1)[0].strip() == secure_value
    return scope.get("scheme") in ("wss", "https")


def _trusted(origin: str) -> bool:
    trusted = [entry.lower() for entry in settings.CSRF_TRUSTED_ORIGINS]
    if origin in trusted:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    return any(
        is_same_domain(parsed.netloc, pattern.netloc.lstrip("*"))
        for pattern in (urlsplit(entry) for entry in trusted if "*" in entry)
        if pattern.scheme == parsed.scheme
    )


def origin_allowed(scope: dict) -> bool:
    """Whether a WebSocket handshake comes from a page this site trusts (see the module)."""
    origin = _header(scope, b"origin")
    if origin is None:
        return "*" in settings.ALLOWED_HOSTS
    origin = origin.lower()
    host = _host(scope)
    if host is None:
        return False
    own = f"{'https' if _is_secure(scope) else 'http'}://{host.lower()}"
    return origin == own or _trusted(origin)


class SameOriginValidator:
    """ASGI middleware: a WebSocket handshake from another origin is refused (close, 403 by Daphne)."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
