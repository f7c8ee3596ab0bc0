from tests.fixtures.push_service import push_service  # noqa: F401 - fixture (a web push service)
