"""The real console script in a subprocess: flags, config errors, connection errors, subcommands."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from ddbconsole import __version__


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ddbconsole", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def test_version_and_help() -> None:
    out = run("--version")
    assert out.returncode == 0 and __version__ in out.stdout
    out = run("--help")
    assert out.returncode == 0
    for flag in ("--profile", "--region", "--endpoint-url", "--config", "--read-only", "--demo"):
        assert flag in out.stdout


def test_config_error_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text("profiles:\n  p:\n    colour: red\n")
    out = run("--config", str(bad), "tables")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "profiles.p.colour" in lines[0] and str(bad) in lines[0]
    assert "Traceback" not in out.stderr


def test_unknown_keymap_id_is_a_config_error(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("keys:\n  refrsh: f5\n")
    out = run("--config", str(cfg), "tables")
    assert out.returncode == 2 and "keys.refrsh" in out.stderr and "refresh" in out.stderr


def test_missing_config_named_by_env(tmp_path: Path) -> None:
    out = run("tables", env={"DDBCONSOLE_CONFIG": str(tmp_path / "missing.yaml")})
    assert out.returncode == 2 and "missing.yaml" in out.stderr and "not found" in out.stderr


def test_tables_and_describe_against_moto(moto_url: str) -> None:
    out = run("--endpoint-url", moto_url, "--region", "us-east-1", "tables")
    assert out.returncode == 0, out.stderr
    assert {"Users", "Orders"} <= set(out.stdout.split())
    out = run(
        "--endpoint-url", moto_url, "--region", "us-east-1", "--read-only", "describe", "Orders"
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["TableName"] == "Orders"


def test_aws_env_vars_are_honoured(moto_url: str) -> None:
    out = run(
        "tables", env={"AWS_ENDPOINT_URL_DYNAMODB": moto_url, "AWS_DEFAULT_REGION": "us-east-1"}
    )
    assert out.returncode == 0, out.stderr
    assert "Orders" in out.stdout


def test_unreachable_endpoint_is_clear_and_fast() -> None:
    out = run("--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1", "tables", timeout=45)
    assert out.returncode == 4
    assert "Cannot reach the endpoint" in out.stderr and "Traceback" not in out.stderr


def test_missing_credentials_message(tmp_path: Path) -> None:
    env = {
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    }
    out = subprocess.run(
        ["ddbconsole", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9", "tables"],
        capture_output=True,
        text=True,
        timeout=45,
        env={**clean, "AWS_EC2_METADATA_DISABLED": "true"},
        stdin=subprocess.DEVNULL,
    )
    del env
    assert out.returncode == 4
    assert "No AWS credentials" in out.stderr and "--demo" in out.stderr
    assert "Traceback" not in out.stderr


def test_expired_sso_names_the_login_command(isolated_env: Path) -> None:
    (isolated_env / "aws-config").write_text(
        "[profile corp]\n"
        "sso_session = corp\n"
        "sso_account_id = 111122223333\n"
        "sso_role_name = ReadOnly\n"
        "region = eu-west-1\n"
        "[sso-session corp]\n"
        "sso_start_url = https://example.awsapps.com/start\n"
        "sso_region = eu-west-1\n"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    }
    out = subprocess.run(
        ["ddbconsole", "--profile", "corp", "--endpoint-url", "http://127.0.0.1:9", "tables"],
        capture_output=True,
        text=True,
        timeout=45,
        env=clean,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 4, out.stderr
    assert "aws sso login --profile corp" in out.stderr
    assert "Traceback" not in out.stderr


def test_unknown_aws_profile(isolated_env: Path) -> None:
    out = run("--profile", "ghost", "--region", "us-east-1", "tables")
    assert out.returncode == 4
    assert "ghost" in out.stderr and "Traceback" not in out.stderr


def test_bad_region_is_a_config_error() -> None:
    out = run("--region", "bad region!", "--endpoint-url", "http://127.0.0.1:9", "tables")
    assert out.returncode == 2, out.stderr
    assert out.stderr == (
        "ddbconsole: --region: 'bad region!' is not a region name (like eu-west-1)\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("tables",),
        ("describe", "Orders"),
        ("get", "Users", '{"UserId": "user-0001"}'),
        ("scan", "Users"),
        ("query", "Users", "--pk", "user-0001"),
    ],
)
def test_closed_stdout_exits_141_quietly(moto_url: str, args: tuple[str, ...]) -> None:
    """`ddbconsole tables | head -0`: the reader is gone before anything is written."""
    read, write = os.pipe()
    os.close(read)
    try:
        out = subprocess.run(
            ["ddbconsole", "--endpoint-url", moto_url, "--region", "us-east-1", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    finally:
        os.close(write)
    assert out.returncode == 141
    assert out.stderr == ""


def _default_sigint() -> None:
    # A shell starts background jobs with SIGINT ignored; the child should get the usual Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt(proc: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.stderr is not None
    return proc.returncode, proc.stderr.read()


def test_ctrl_c_during_a_request_exits_130() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        proc = subprocess.Popen(
            ["ddbconsole", "--endpoint-url", url, "--region", "us-east-1", "tables"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_default_sigint,
        )
        server.settimeout(30)
        conn, _ = server.accept()  # the request is in flight, never answered
        with conn:
            code, stderr = _interrupt(proc)
    assert code == 130
    assert stderr == ""


@pytest.mark.skipif(not Path("/proc/self/wchan").exists(), reason="needs Linux /proc")
def test_ctrl_c_while_reading_stdin_exits_130(moto_url: str) -> None:
    """`ddbconsole put T @-` waiting for input: the first Ctrl-C stops it."""
    proc = subprocess.Popen(
        ["ddbconsole", "--endpoint-url", moto_url, "--region", "us-east-1", "put", "Users", "@-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    try:
        deadline = time.monotonic() + 30
        wchan = Path(f"/proc/{proc.pid}/wchan")
        while "pipe" not in wchan.read_text():  # blocked reading stdin
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        code, stderr = _interrupt(proc)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
    assert code == 130
    assert stderr == ""


def test_no_region_is_a_configuration_error_exit_2(isolated_env: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"AWS_REGION", "AWS_DEFAULT_REGION"}}
    out = subprocess.run(
        ["ddbconsole", "--endpoint-url", "http://127.0.0.1:9", "tables"],
        capture_output=True,
        text=True,
        timeout=45,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 2, out.stderr
    assert "No region" in out.stderr and "AWS_REGION" in out.stderr
    assert "Traceback" not in out.stderr
