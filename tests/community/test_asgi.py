import pytest
from channels.testing import WebsocketCommunicator

from community.asgi import application


@pytest.mark.django_db(transaction=True)
async def test_anonymous_websocket_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )

    connected, _ = await communicator.connect()

    assert not connected
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_websocket_from_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=[(b"origin", b"http://evil.example")]
    )

    connected, _ = await communicator.connect()

    assert not connected
    await communicator.disconnect()


# --- the origin check: scheme, host and port, as Django's CSRF origin check ---------------


async def _connects(headers: list[tuple[bytes, bytes]], *, scheme: str = "ws") -> bool:
    from channels.db import database_sync_to_async

    from tests.factories import MemberFactory
    from tests.fixtures.daphne import cookie_header

    cookie = await database_sync_to_async(lambda: cookie_header(MemberFactory()))()
    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=[*headers, (b"cookie", cookie.encode())]
    )
    communicator.scope["scheme"] = scheme
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("origin", "host", "scheme", "accepted"),
    [
        (b"http://127.0.0.1:8000", b"127.0.0.1:8000", "ws", True),
        (b"https://localhost", b"localhost", "wss", True),
        (b"HTTP://LOCALHOST:8000", b"localhost:8000", "ws", True),
        # Another port of the same host is another origin (any local service's page).
        (b"http://127.0.0.1:9999", b"127.0.0.1:8000", "ws", False),
        (b"http://localhost", b"localhost:8000", "ws", False),
        # A plain-HTTP page must not talk to the HTTPS site, nor the other way round.
        (b"http://localhost", b"localhost", "wss", False),
        (b"https://localhost", b"localhost", "ws", False),
        # The Host itself must be allowed (a rebinding DNS name pointing at us).
        (b"http://rebind.example", b"rebind.example", "ws", False),
        (b"null", b"localhost", "ws", False),
    ],
    ids=[
        "same",
        "same-https",
        "case",
        "wrong-port",
        "missing-port",
        "http-page",
        "https-page",
        "host",
        "null",
    ],
)
async def test_a_socket_is_accepted_only_from_the_sites_own_origin(origin, host, scheme, accepted):
    assert await _connects([(b"origin", origin), (b"host", host)], scheme=scheme) is accepted


@pytest.mark.django_db(transaction=True)
async def test_behind_a_tls_proxy_the_forwarded_scheme_makes_the_origin(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = [(b"host", b"localhost"), (b"x-forwarded-proto", b"https")]

    assert await _connects([(b"origin", b"https://localhost"), *proxied])
    assert not await _connects([(b"origin", b"http://localhost"), *proxied])


@pytest.mark.django_db(transaction=True)
async def test_an_origin_in_csrf_trusted_origins_is_accepted_with_its_exact_port(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.coworking.example:8443", "https://*.coworking.example"]
    host = (b"host", b"localhost")

    assert await _connects([(b"origin", b"https://app.coworking.example:8443"), host])
    assert await _connects([(b"origin", b"https://chat.coworking.example"), host])
    assert not await _connects([(b"origin", b"https://app.coworking.example:9443"), host])
    assert not await _connects([(b"origin", b"http://app.coworking.example:8443"), host])


@pytest.mark.django_db(transaction=True)
async def test_a_handshake_without_origin_is_refused():
    assert not await _connects([(b"host", b"localhost")])
