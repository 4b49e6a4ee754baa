"""infra/ is formatted, valid, and plans the on-demand defaults (no auto scaling, no capacity alarms)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

from tests.infra.conftest import INFRA, REPO, Terraform


def test_terraform_fmt(terraform_bin: str) -> None:
    proc = subprocess.run(
        [terraform_bin, "fmt", "-check", "-recursive", "-diff", "-no-color", str(INFRA)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, f"run `terraform fmt -recursive infra`:\n{proc.stdout}"


def test_terraform_validate(tf_factory: Callable[..., Terraform]) -> None:
    tf = tf_factory("validate")  # the committed files only: no endpoint override
    proc = tf.run("validate", "-json", "-no-color")
    report = json.loads(proc.stdout)
    assert report["valid"] is True, report["diagnostics"]
    assert report["warning_count"] == 0, report["diagnostics"]


def test_no_generated_files_committed() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "infra"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    bad = [
        p
        for p in tracked
        if p.endswith((".zip", ".tfstate", ".tfstate.backup", ".tfplan", "_override.tf"))
        or "/.terraform/" in p
    ]
    assert bad == []


def _planned(tf: Terraform, **overrides: Any) -> dict[str, dict[str, Any]]:
    """address -> planned values, from a saved plan."""
    tf.run("plan", "-input=false", "-no-color", "-out=tfplan", *tf.var_args(**overrides))
    plan = json.loads(tf.run("show", "-json", "tfplan").stdout)
    resources = plan["planned_values"]["root_module"].get("resources", [])
    return {r["address"]: r["values"] for r in resources}


def test_defaults_plan_an_on_demand_table(
    tf_factory: Callable[..., Terraform], moto_server: Any
) -> None:
    tf = tf_factory("defaults", moto_url=moto_server.url, region="eu-west-3")
    planned = _planned(tf)
    table = planned["aws_dynamodb_table.users"]
    assert table["name"] == "Users"
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["hash_key"] == "UserId"
    assert table["attribute"] == [{"name": "UserId", "type": "S"}]
    assert table["point_in_time_recovery"][0]["enabled"] is True
    assert table["ttl"] == [{"attribute_name": "ExpiresAt", "enabled": True}]
    assert table["deletion_protection_enabled"] is True
    assert table["tags"] == {"app": "users", "managed-by": "terraform"}
    # On demand: no scalable targets, no consumed-capacity alarms; throttles and errors still alarm.
    assert not [a for a in planned if a.startswith("aws_appautoscaling_")]
    alarms = sorted(v["alarm_name"] for a, v in planned.items() if "metric_alarm" in a)
    assert alarms == ["Users-read-throttles", "Users-system-errors", "Users-write-throttles"]
    # No zip given: no sample writer. No email given: no subscription.
    assert not [a for a in planned if "sample_writer" in a or "subscription" in a]
    assert {"aws_iam_role.operator", "aws_iam_role.oncall", "aws_sns_topic.alarms"} <= set(planned)


def test_provisioned_plan_uses_console_auto_scaling_defaults(
    tf_factory: Callable[..., Terraform], moto_server: Any
) -> None:
    tf = tf_factory("provisioned", moto_url=moto_server.url, region="eu-west-3")
    planned = _planned(tf, billing_mode="PROVISIONED")
    table = planned["aws_dynamodb_table.users"]
    assert (table["read_capacity"], table["write_capacity"]) == (5, 5)
    targets = {
        v["scalable_dimension"]: (v["min_capacity"], v["max_capacity"])
        for a, v in planned.items()
        if a.startswith("aws_appautoscaling_target.")
    }
    assert targets == {
        "dynamodb:table:ReadCapacityUnits": (5, 100),
        "dynamodb:table:WriteCapacityUnits": (5, 100),
    }
    policies = [v for a, v in planned.items() if a.startswith("aws_appautoscaling_policy.")]
    assert len(policies) == 2
    for policy in policies:
        config = policy["target_tracking_scaling_policy_configuration"][0]
        assert policy["policy_type"] == "TargetTrackingScaling"
        assert config["target_value"] == 70


def test_invalid_variables_are_refused(
    tf_factory: Callable[..., Terraform], moto_server: Any
) -> None:
    tf = tf_factory("invalid", moto_url=moto_server.url, region="eu-west-3")
    for name, value, message in (
        ("billing_mode", "ON_DEMAND", "billing_mode must be PAY_PER_REQUEST or PROVISIONED"),
        ("autoscaling_target_utilization", "95", "between 20 and 90"),
    ):
        proc = tf.run("plan", "-input=false", "-no-color", f"-var={name}={value}", check=False)
        assert proc.returncode != 0
        assert message in " ".join(proc.stderr.split()), proc.stderr
