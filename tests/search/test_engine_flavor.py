"""The backend on both kinds of server: OpenSearch (the engine the tests start) with the client
adapted in one place (get_client), and Elasticsearch with the plain 8.x client.

What kind the session's server is comes from the server itself (GET /, with no client), so the
same tests hold on an Elasticsearch given as ELASTICSEARCH_TEST_URL."""

from __future__ import annotations

import json
import urllib.request

import pytest
from elastic_transport import Urllib3HttpNode

from search.backends.elasticsearch import ElasticsearchBackend, OpenSearchNode, get_client, server_flavor
from search.selectors import search_members
from tests.fixtures.search_engine import eventually
from tests.search.conftest import make_person

pytestmark = pytest.mark.slow


def distribution(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)["version"].get("distribution", "elasticsearch")


def node_class(client) -> type:
    return type(client.transport.node_pool.get())


def test_auto_detects_the_kind_of_server_and_adapts_the_client_only_for_opensearch(
    elasticsearch_settings, settings, db
):
    settings.ELASTICSEARCH_FLAVOR = "auto"
    expected = "opensearch" if distribution(elasticsearch_settings.url) == "opensearch" else "elasticsearch"
    assert server_flavor(settings.ELASTICSEARCH_URL, {}) == expected
    client = get_client()
    assert node_class(client) is (OpenSearchNode if expected == "opensearch" else Urllib3HttpNode)
    # every call the backend makes goes through that client: indices, bulk writes, searches
    ElasticsearchBackend().ensure_indices()
    assert client.indices.exists_alias(name=ElasticsearchBackend().alias)


def test_the_elasticsearch_flavour_is_the_plain_client(elasticsearch_settings, settings):
    settings.ELASTICSEARCH_FLAVOR = "elasticsearch"
    client = get_client()
    # no node of ours, and the 8.x client's own media type and product check
    assert node_class(client) is Urllib3HttpNode
    assert server_flavor(settings.ELASTICSEARCH_URL, {}) == "elasticsearch"


def test_the_opensearch_flavour_without_asking_the_server(elasticsearch_settings, settings, spaces, member):
    if distribution(elasticsearch_settings.url) != "opensearch":
        pytest.skip("the session's server is an Elasticsearch")
    settings.ELASTICSEARCH_FLAVOR = "opensearch"
    assert node_class(get_client()) is OpenSearchNode
    make_person("anne", name="Anne Dupont", headline="Traductrice", skills=("translation",))
    from search.services import index_rebuild

    index_rebuild()

    def found() -> None:
        page = search_members(query="traductrice", searcher=member)
        assert page.backend == "elasticsearch" and [r.username for r in page.results] == ["anne"]

    eventually(found)


def test_an_opensearch_taken_for_elasticsearch_means_database_results_with_a_notice(
    elasticsearch_settings, settings, spaces, member, django_capture_on_commit_callbacks
):
    if distribution(elasticsearch_settings.url) != "opensearch":
        pytest.skip("the session's server is an Elasticsearch")
    # given the plain 8.x client on an OpenSearch (it refuses the media type, lacks the header)
    settings.ELASTICSEARCH_FLAVOR = "elasticsearch"
    with django_capture_on_commit_callbacks(execute=True):
        make_person("anne", name="Anne Dupont", headline="Traductrice", skills=("translation",))
    # then search still answers, from the database, and says the engine is not answering
    page = search_members(query="traductrice", searcher=member)
    assert page.backend == "database" and page.notice
    assert [r.username for r in page.results] == ["anne"]
