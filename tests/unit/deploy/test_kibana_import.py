"""`newswatch kibana import` against a real loopback server speaking the import API's contract."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.cli.kibana import DEFAULT_FILES, KibanaAuth, KibanaError, import_saved_objects
from tests.unit.deploy.saved_objects_server import SavedObjectsServer

KIBANA_FILE = DEFAULT_FILES["kibana"]
OSD_FILE = DEFAULT_FILES["opensearch-dashboards"]


def ids_in(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(autouse=True)
def no_kibana_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEWSWATCH_KIBANA_USER", "NEWSWATCH_KIBANA_PASSWORD", "NEWSWATCH_KIBANA_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_first_import_creates_every_object_and_sends_the_documented_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with SavedObjectsServer() as kibana:
        assert main(["kibana", "import", "--url", kibana.url]) == 0
    out = capsys.readouterr().out
    created = [line.split()[2] for line in out.splitlines() if line.strip().startswith("created")]
    assert created == ids_in(KIBANA_FILE)
    assert f"{len(ids_in(KIBANA_FILE))} objects imported" in out
    (request,) = kibana.requests
    assert request["path"] == "/api/saved_objects/_import"
    assert request["headers"]["kbn-xsrf"] == "true"
    assert request["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert {oid for _space, _type, oid in kibana.stored} == set(ids_in(KIBANA_FILE))


def test_second_import_without_overwrite_names_each_conflicting_object(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with SavedObjectsServer() as kibana:
        assert main(["kibana", "import", "--url", kibana.url]) == 0
        capsys.readouterr()
        assert main(["kibana", "import", "--url", kibana.url]) == 1
    err = capsys.readouterr().err
    for oid in ids_in(KIBANA_FILE):
        assert oid in err
    assert err.count("conflict") >= len(ids_in(KIBANA_FILE))
    assert "--overwrite" in err
    assert f"{len(ids_in(KIBANA_FILE))} objects not imported" in err


def test_overwrite_replaces_existing_objects(capsys: pytest.CaptureFixture[str]) -> None:
    with SavedObjectsServer() as kibana:
        assert main(["kibana", "import", "--url", kibana.url]) == 0
        capsys.readouterr()
        assert main(["kibana", "import", "--url", kibana.url, "--overwrite"]) == 0
    assert kibana.requests[-1]["path"] == "/api/saved_objects/_import?overwrite=true"
    assert capsys.readouterr().out.count("overwrote") == len(ids_in(KIBANA_FILE))


def test_missing_references_name_the_object_and_what_it_misses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The dashboard alone: the data views and searches it refers to are absent.
    dashboard = [line for line in KIBANA_FILE.read_text().splitlines() if '"dashboard"' in line]
    partial = tmp_path / "dashboard-only.ndjson"
    partial.write_text("\n".join(dashboard) + "\n", encoding="utf-8")
    with SavedObjectsServer() as kibana:
        code = main(["kibana", "import", "--url", kibana.url, "--file", str(partial)])
    assert code == 1
    err = capsys.readouterr().err
    assert "dashboard newswatch-overview-dashboard" in err
    assert "missing_references" in err
    assert "search newswatch-latest-relevant-search" in err
    assert "index-pattern newswatch-articles-dataview" in err


def test_partial_failure_still_reports_what_was_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = KIBANA_FILE.read_text().splitlines()
    bogus = json.dumps({"id": "newswatch-bogus", "type": "canvas-workpad", "attributes": {}})
    mixed = tmp_path / "mixed.ndjson"
    mixed.write_text("\n".join([*lines, bogus]) + "\n", encoding="utf-8")
    with SavedObjectsServer() as kibana:
        code = main(["kibana", "import", "--url", kibana.url, "--file", str(mixed)])
    assert code == 1
    captured = capsys.readouterr()
    assert f"{len(lines)} objects imported" in captured.out
    assert "canvas-workpad newswatch-bogus" in captured.err
    assert "unsupported_type" in captured.err


def test_space_goes_into_the_path_and_an_unknown_space_fails_clearly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with SavedObjectsServer(spaces=("default", "press")) as kibana:
        assert main(["kibana", "import", "--url", kibana.url, "--space", "press"]) == 0
        assert kibana.requests[-1]["path"] == "/s/press/api/saved_objects/_import"
        assert main(["kibana", "import", "--url", kibana.url, "--space", "nope"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 404" in err and "/s/nope/api/saved_objects/_import" in err


def test_the_xsrf_header_is_required_and_the_flavor_picks_it() -> None:
    ndjson = OSD_FILE.read_bytes()
    with SavedObjectsServer(xsrf_header="osd-xsrf") as osd:
        with pytest.raises(KibanaError, match=r"HTTP 400.*osd-xsrf"):
            import_saved_objects(osd.url, ndjson, flavor="kibana", auth=KibanaAuth())
        report = import_saved_objects(
            osd.url, ndjson, flavor="opensearch-dashboards", auth=KibanaAuth()
        )
    assert report.ok and report.success_count == len(ids_in(OSD_FILE))
    assert osd.requests[-1]["headers"]["osd-xsrf"] == "true"


def test_opensearch_dashboards_flavor_imports_its_own_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with SavedObjectsServer(xsrf_header="osd-xsrf") as osd:
        code = main(["kibana", "import", "--url", osd.url, "--flavor", "opensearch-dashboards"])
    assert code == 0, capsys.readouterr().err
    assert {oid for _s, _t, oid in osd.stored} == set(ids_in(OSD_FILE))
    assert {kind for _s, kind, _o in osd.stored} >= {"index-pattern", "visualization", "dashboard"}


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    basic = "Basic " + base64.b64encode(b"analyst:s3cret").decode()
    with SavedObjectsServer(authorization=basic) as kibana:
        assert main(["kibana", "import", "--url", kibana.url]) == 1  # no credentials: 401
        monkeypatch.setenv("NEWSWATCH_KIBANA_USER", "analyst")
        monkeypatch.setenv("NEWSWATCH_KIBANA_PASSWORD", "s3cret")
        assert main(["kibana", "import", "--url", kibana.url]) == 0
    with SavedObjectsServer(authorization="ApiKey a2V5") as kibana:
        monkeypatch.setenv("NEWSWATCH_KIBANA_API_KEY", "a2V5")
        assert main(["kibana", "import", "--url", kibana.url]) == 0


def test_unauthorized_says_which_variables_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    with SavedObjectsServer(authorization="ApiKey x") as kibana:
        assert main(["kibana", "import", "--url", kibana.url]) == 1
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "NEWSWATCH_KIBANA_API_KEY" in err


def test_unreachable_kibana_is_exit_1_naming_the_url(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["kibana", "import", "--url", f"http://127.0.0.1:{port}"]) == 1
    assert f"127.0.0.1:{port}" in capsys.readouterr().err


def test_usage_errors_are_exit_2(tmp_path: Path) -> None:
    assert main(["kibana", "import", "--url", "localhost:5601"]) == 2
    assert main(["kibana", "import", "--url", "http://x", "--file", str(tmp_path / "no")]) == 2
    osd = ["--flavor", "opensearch-dashboards", "--space", "press"]
    assert main(["kibana", "import", "--url", "http://x", *osd]) == 2
