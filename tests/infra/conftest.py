"""Fixtures for the infra/ tests: the terraform binary, the local provider mirror, a runner.

Terraform runs in a temporary copy of infra/ with a generated `moto_override.tf` pointing every AWS
endpoint at the session's moto server, so the committed files stay fit for a real account. State,
`.terraform/` and the sample writer's zip live in that temporary directory only.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
WRITER_SOURCE = INFRA / "lambda" / "users_writer.py"

# Captured at import, before the autouse fixture points HOME at a temporary directory and clears
# DDBCONSOLE_* variables.
_REAL_HOME = Path.home()
_PLUGIN_DIR_ENV = os.environ.get("DDBCONSOLE_TF_PLUGIN_DIR")
_PROVIDER_GLOB = "registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws_*"
# Where provider mirrors usually live; searched in this order, then a bounded walk.
_MIRROR_ROOTS = [
    "/opt/*",
    "/opt",
    "/usr/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform",
    "/usr/local/share/terraform",
    str(_REAL_HOME / ".terraform.d" / "plugins"),
    str(_REAL_HOME / ".local" / "share" / "terraform" / "plugins"),
]
_WALK_ROOTS = ["/opt", "/usr/local", "/usr/share", str(_REAL_HOME)]
_WALK_DEPTH = 4

# Endpoints the configuration uses (provider `endpoints` block keys).
_ENDPOINTS = [
    "applicationautoscaling",
    "cloudwatch",
    "dynamodb",
    "iam",
    "lambda",
    "logs",
    "s3",
    "sns",
    "sts",
]


def _mirror_holding_aws(root: str) -> Path | None:
    for hit in sorted(glob.glob(os.path.join(root, _PROVIDER_GLOB))):
        # <mirror>/registry.terraform.io/hashicorp/aws/<version>/<platform>/<binary>
        return Path(hit).parents[5]
    return None


def find_plugin_dir() -> Path | None:
    """The provider mirror: $DDBCONSOLE_TF_PLUGIN_DIR, else searched for (never assumed)."""
    named = _PLUGIN_DIR_ENV
    if named:
        return Path(named) if _mirror_holding_aws(named) else None
    for pattern in _MIRROR_ROOTS:
        for root in sorted(glob.glob(pattern)):
            found = _mirror_holding_aws(root)
            if found is not None:
                return found
    for top in _WALK_ROOTS:
        base_depth = top.rstrip("/").count("/")
        for dirpath, dirnames, _ in os.walk(top):
            if os.path.basename(dirpath) == "registry.terraform.io":
                found = _mirror_holding_aws(os.path.dirname(dirpath))
                if found is not None:
                    return found
            if dirpath.count("/") - base_depth >= _WALK_DEPTH:
                dirnames[:] = []
            else:
                dirnames[:] = [d for d in dirnames if not d.startswith((".cache", "proc", "sys"))]
    return None


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    path = shutil.which("terraform")
    if path is None:
        pytest.skip("terraform is not installed (not on PATH)")
    return path


@pytest.fixture(scope="session")
def plugin_dir() -> Path:
    found = find_plugin_dir()
    if found is None and _PLUGIN_DIR_ENV:
        pytest.skip(f"DDBCONSOLE_TF_PLUGIN_DIR={_PLUGIN_DIR_ENV} holds no {_PROVIDER_GLOB}")
    if found is None:
        pytest.skip(
            "no Terraform provider mirror holding hashicorp/aws was found "
            "(set DDBCONSOLE_TF_PLUGIN_DIR to a directory containing registry.terraform.io/...)"
        )
    return found


class TerraformError(AssertionError):
    pass


@dataclass
class Terraform:
    """terraform run in one working directory with a clean, offline environment."""

    binary: str
    workdir: Path
    plugin_dir: Path
    variables: dict[str, Any] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        home = self.workdir.parent / "tf-home"
        home.mkdir(exist_ok=True)
        cli_config = home / "terraformrc"
        cli_config.write_text("# no registry, no credentials helpers: -plugin-dir only\n")
        return {
            **keep,
            "HOME": str(home),
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def run(
        self, *args: str, check: bool = True, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [self.binary, *args],
            cwd=self.workdir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
            raise TerraformError(f"terraform {args[0]} failed ({proc.returncode}):\n{tail}")
        return proc

    def var_args(self, **overrides: Any) -> list[str]:
        values = {**self.variables, **overrides}
        return [f"-var={k}={_hcl(v)}" for k, v in values.items()]

    def init(self) -> None:
        self.run("init", "-input=false", "-no-color", f"-plugin-dir={self.plugin_dir}")

    def apply(self, **overrides: Any) -> None:
        self.run("apply", "-auto-approve", "-input=false", "-no-color", *self.var_args(**overrides))

    def destroy(self, **overrides: Any) -> None:
        self.run(
            "destroy", "-auto-approve", "-input=false", "-no-color", *self.var_args(**overrides)
        )


def _hcl(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f'"{k}" = "{v}"' for k, v in value.items())
        return "{" + inner + "}"
    return str(value)


def copy_infra(dest: Path) -> Path:
    """A copy of infra/ without anything generated (state, .terraform, zips, caches)."""
    ignore = shutil.ignore_patterns(
        ".terraform", "*.tfstate*", ".terraform.lock.hcl", "*.zip", "__pycache__", "*_override.tf"
    )
    shutil.copytree(INFRA, dest, ignore=ignore)
    return dest


def write_endpoint_override(workdir: Path, url: str, services: Sequence[str] = _ENDPOINTS) -> Path:
    """Point the provider at moto. Terraform merges *_override.tf into the configuration."""
    endpoints = "\n".join(f'    {name} = "{url}"' for name in services)
    path = workdir / "moto_override.tf"
    path.write_text(
        f"""# Generated by tests/infra: every AWS endpoint is the local moto server.
provider "aws" {{
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  max_retries                 = 2 # fail fast if the local server is gone

  endpoints {{
{endpoints}
  }}
}}
"""
    )
    return path


def build_writer_zip(dest_dir: Path) -> Path:
    """The sample writer's deployment package (built here, never committed)."""
    path = dest_dir / "users_writer.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(WRITER_SOURCE, arcname="users_writer.py")
    return path


@pytest.fixture(scope="module")
def tf_factory(
    terraform_bin: str, plugin_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Terraform]:
    """Make initialised Terraform working copies of infra/ (optionally pointed at moto)."""

    def make(name: str, *, moto_url: str | None = None, **variables: Any) -> Terraform:
        base = tmp_path_factory.mktemp(name)
        workdir = copy_infra(base / "infra")
        if moto_url is not None:
            write_endpoint_override(workdir, moto_url)
        tf = Terraform(terraform_bin, workdir, plugin_dir, dict(variables))
        tf.init()
        return tf

    return make
