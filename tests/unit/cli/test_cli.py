"""Command-line exit codes that need no engine: bad config (2), unreachable engine (1)."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from scheduler.cli import main


def write_jsonl(path: Path, n: int) -> None:
    lines = [
        json.dumps(
            {"url": f"https://a/{i}", "title": "t", "text": "x", "fetched": "2024-01-01T00:00:00Z"}
        )
        for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_engine_is_exit_1_naming_the_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("NEWSWATCH_SEARCH_URL", url)
    path = tmp_path / "a.jsonl"
    write_jsonl(path, 3)
    assert main(["index", str(path)]) == 1
    assert url in capsys.readouterr().err


def test_bad_config_field_is_exit_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("search:\n  timeout: -1\n", encoding="utf-8")
    assert main(["--config", str(config), "setup"]) == 2
    err = capsys.readouterr().err
    assert "search.timeout" in err and str(config) in err


def test_missing_jsonl_is_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", str(tmp_path / "none.jsonl")]) == 2
    assert "none.jsonl: no such file" in capsys.readouterr().err


def test_unknown_command_is_usage_error() -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


def test_source_url_without_scheme_is_exit_2_naming_file_and_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "newswatch.yaml"
    config.write_text(
        "sources:\n  - {name: yonhap, type: feed, urls: [www.yna.co.kr/rss/news.xml]}\n",
        encoding="utf-8",
    )
    assert main(["--config", str(config), "crawl"]) == 2
    err = capsys.readouterr().err
    assert str(config) in err and "sources[name=yonhap].urls[0]" in err
    assert "write https://www.yna.co.kr/rss/news.xml" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["setup", "doctor"])
def test_without_engine_url_the_cli_uses_and_names_newswatch_engine_port(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./newswatch.yaml: every default
    for name in ("NEWSWATCH_CONFIG", "NEWSWATCH_SEARCH_URL"):
        monkeypatch.delenv(name, raising=False)
    port = closed_port()
    monkeypatch.setenv("NEWSWATCH_ENGINE_PORT", str(port))
    assert main([command]) == 1
    captured = capsys.readouterr()
    said = captured.out + captured.err
    assert f"http://127.0.0.1:{port}" in said
    assert f"`NEWSWATCH_ENGINE_PORT={port} make engine`" in said
    assert ":9200" not in said


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "a.yaml", "-v", "status"],
        ["status", "--config", "a.yaml", "-v"],
        ["-v", "status", "--config", "a.yaml"],
        ["alerts", "sweep", "--verbose", "--config", "a.yaml"],
        ["--config", "a.yaml", "alerts", "history", "-v"],
    ],
)
def test_global_options_are_accepted_before_and_after_the_subcommand(argv: list[str]) -> None:
    from scheduler.cli import build_parser

    args = build_parser().parse_args(argv)
    assert args.config == "a.yaml" and args.verbose is True


def test_global_options_keep_their_defaults_when_absent() -> None:
    from scheduler.cli import build_parser

    args = build_parser().parse_args(["alerts", "list"])
    assert args.config is None and args.verbose is False


def test_config_after_the_subcommand_is_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("search:\n  timeout: -1\n", encoding="utf-8")
    assert main(["setup", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "search.timeout" in err and str(config) in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("newswatch 0.")


@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh"])
def test_completion_script_knows_commands_and_subcommands(
    shell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for word in ("newswatch", "doctor", "crawl", "config", "verbose"):
        assert word in script, (shell, word)
    if shell != "tcsh":  # shtab's tcsh script completes one level of commands
        assert "sweep" in script


def test_bash_completion_completes_a_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["completion", "bash"]) == 0
    script = tmp_path / "newswatch.bash"
    script.write_text(capsys.readouterr().out, encoding="utf-8")
    probe = (
        f"source {script}; COMP_WORDS=(newswatch alerts ''); COMP_CWORD=2;"
        " COMP_LINE='newswatch alerts '; COMP_POINT=17; _shtab_newswatch;"
        ' echo "${COMPREPLY[@]}"'
    )
    result = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
    assert result.stdout.split() == ["list", "test", "history", "sweep", "resend"], result.stderr
