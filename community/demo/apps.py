from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo network (`seed_demo`): the spaces, the members, then each app's `demo.seed`.

    It sits above every app and nothing imports it.
    """

    name = "community.demo"
    label = "demo"
