from __future__ import annotations

import pytest

from ddbconsole.errors import ReadOnlyViolation
from ddbconsole.services.readonly import ALLOWED_OPERATIONS, check, is_select


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM t",
        "select a FROM t",
        "  \n\tSELECT 1 FROM t",
        "-- comment\nSELECT * FROM t",
        "/* block\n comment */ SELECT * FROM t",
    ],
)
def test_select_statements(statement: str) -> None:
    assert is_select(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO t VALUE {'a': 1}",
        "UPDATE t SET a=1 WHERE k='x'",
        "DELETE FROM t WHERE k='x'",
        "EXISTS(SELECT * FROM t)",
        "-- SELECT\nDELETE FROM t",
        "/* SELECT */ UPDATE t SET a = 1",
        "SELECTED",
        "",
        "   ",
    ],
)
def test_non_select_statements(statement: str) -> None:
    assert not is_select(statement)


def test_allow_list_has_no_writes() -> None:
    write_words = (
        "Put",
        "Update",
        "Delete",
        "Create",
        "Register",
        "Tag",
        "Untag",
        "Set",
        "Enable",
        "Disable",
        "Restore",
        "Import",
        "Export",
        "Write",
    )
    for service, operations in ALLOWED_OPERATIONS.items():
        for op in operations:
            assert not op.startswith(write_words), f"{service}:{op} looks like a write"


def test_check_refuses_unknown_service_and_batch_with_a_write() -> None:
    with pytest.raises(ReadOnlyViolation):
        check("s3", "ListBuckets", {})
    with pytest.raises(ReadOnlyViolation):
        check("dynamodb", "BatchExecuteStatement", {"Statements": []})
    check("dynamodb", "BatchExecuteStatement", {"Statements": [{"Statement": "SELECT * FROM t"}]})
    check("cloudwatch", "GetMetricData", {})


def test_diagnose_reads_are_allowed_and_the_contributor_insights_change_is_not() -> None:
    check("dynamodb", "DescribeContributorInsights", {"TableName": "T"})
    check("dynamodb", "ListContributorInsights", {})
    check("cloudwatch", "GetInsightRuleReport", {"RuleName": "r"})
    with pytest.raises(ReadOnlyViolation):
        check("dynamodb", "UpdateContributorInsights", {"TableName": "T"})
