"""The real console script in a subprocess: flags, config errors, connection errors, subcommands."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

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
