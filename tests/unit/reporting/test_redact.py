from __future__ import annotations

from crawler.engine.client import EngineError
from crawler.reporting.redact import redact_credentials


def test_userinfo_is_masked_in_urls_and_in_text() -> None:
    assert redact_credentials("http://user:pw@host:9200") == "http://***@host:9200"
    assert (
        redact_credentials("https://tok3n@es.example.kr/x?a=b@c")
        == "https://***@es.example.kr/x?a=b@c"
    )
    text = "search engine at http://a:b@h:1 is unreachable; see https://c:d@k/"
    assert (
        redact_credentials(text)
        == "search engine at http://***@h:1 is unreachable; see https://***@k/"
    )
    assert redact_credentials("http://host:9200/_bulk mail@example.kr") == (
        "http://host:9200/_bulk mail@example.kr"
    )


def test_engine_errors_never_carry_the_password() -> None:
    assert "pw" not in str(EngineError("GET http://u:pw@127.0.0.1:9200/ answered HTTP 500"))
