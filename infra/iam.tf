# Two roles for people running ddbconsole against the managed tables:
#   operator         what ddbconsole's write features need (items, table settings, auto scaling)
#   on-call          exactly ddbconsole's read-only allow-list (ddbconsole/services/readonly.py,
#                    ALLOWED_OPERATIONS); tests/infra compares the two.
# Backups, restores and S3 exports/imports (exports.tf): the operator backs up and exports the
# managed tables, restores and imports into new tables named `<managed table>-<suffix>`, using the
# exports bucket only; on-call reads backups, export/import jobs and the exports bucket.
# DynamoDB actions are scoped to the managed tables and their indexes (stream reads to their
# streams). ListTables, DescribeLimits, DescribeEndpoints, ListStreams and ListContributorInsights,
# the CloudWatch reads and Application Auto Scaling do not support resource-level permissions (or
# are listed account-wide), so they take "*".

locals {
  managed_table_arns = [aws_dynamodb_table.users.arn]
  managed_table_resources = flatten([
    for arn in local.managed_table_arns : [arn, "${arn}/index/*"]
  ])
  managed_stream_resources = [for arn in local.managed_table_arns : "${arn}/stream/*"]

  # API operation -> IAM action differences: TransactGetItems is authorised as GetItem, and PartiQL
  # SELECT statements (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction) as PartiQLSelect.
  dynamodb_table_read_actions = [
    "dynamodb:BatchGetItem",
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:DescribeContributorInsights",
    "dynamodb:DescribeKinesisStreamingDestination",
    "dynamodb:DescribeTable",
    "dynamodb:DescribeTableReplicaAutoScaling",
    "dynamodb:DescribeTimeToLive",
    "dynamodb:GetItem",
    "dynamodb:ListTagsOfResource",
    "dynamodb:PartiQLSelect",
    "dynamodb:Query",
    "dynamodb:Scan",
  ]
  dynamodb_account_read_actions = [
    "dynamodb:DescribeEndpoints",
    "dynamodb:DescribeLimits",
    "dynamodb:ListBackups",
    "dynamodb:ListExports",
    "dynamodb:ListImports",
    "dynamodb:ListStreams",
    "dynamodb:ListContributorInsights",
    "dynamodb:ListTables",
  ]
  # API operation -> IAM action: ListObjectsV2 is authorised as s3:ListBucket.
  dynamodb_job_read_actions    = ["dynamodb:DescribeBackup", "dynamodb:DescribeExport"]
  dynamodb_import_read_actions = ["dynamodb:DescribeImport"]
  s3_object_read_actions       = ["s3:GetObject"]
  s3_bucket_read_actions       = ["s3:ListBucket"]
  # DynamoDB Streams (the dynamodbstreams API; IAM names its actions dynamodb:*): the tail and
  # item history read the managed tables' streams.
  dynamodb_stream_read_actions = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
  ]
  cloudwatch_read_actions = [
    "cloudwatch:DescribeAlarmHistory",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:DescribeAlarmsForMetric",
    "cloudwatch:GetInsightRuleReport",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:ListMetrics",
    "cloudwatch:ListTagsForResource",
  ]
  autoscaling_read_actions = [
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingActivities",
    "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:DescribeScheduledActions",
  ]

  dynamodb_table_write_actions = [
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:CreateTable",
    "dynamodb:DeleteItem",
    "dynamodb:DeleteTable",
    "dynamodb:PartiQLDelete",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PutItem",
    "dynamodb:TagResource",
    "dynamodb:UntagResource",
    "dynamodb:UpdateContinuousBackups",
    "dynamodb:UpdateContributorInsights",
    "dynamodb:UpdateItem",
    "dynamodb:UpdateTable",
    "dynamodb:UpdateTimeToLive",
  ]
  # On the managed tables (the source of a backup, a point-in-time restore or an export).
  dynamodb_backup_write_actions = [
    "dynamodb:CreateBackup",
    "dynamodb:ExportTableToPointInTime",
    "dynamodb:RestoreTableToPointInTime",
  ]
  # On the managed tables' backups.
  dynamodb_backup_admin_actions = ["dynamodb:DeleteBackup", "dynamodb:RestoreTableFromBackup"]
  # On the tables a restore or an import creates (it writes their items).
  dynamodb_restore_target_actions = [
    "dynamodb:ImportTable",
    "dynamodb:RestoreTableFromBackup",
    "dynamodb:RestoreTableToPointInTime",
  ]
  s3_export_write_actions = ["s3:AbortMultipartUpload", "s3:PutObject"]
  # DynamoDB's import writes the rows it refuses to CloudWatch Logs, as the caller.
  import_log_actions = [
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
    "logs:PutRetentionPolicy",
  ]
  import_log_resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws-dynamodb/*"]
  autoscaling_write_actions = [
    "application-autoscaling:DeleteScalingPolicy",
    "application-autoscaling:DeregisterScalableTarget",
    "application-autoscaling:PutScalingPolicy",
    "application-autoscaling:RegisterScalableTarget",
  ]
  # Target tracking creates and deletes its alarms with the caller's permissions.
  alarm_resources = [
    for table in [aws_dynamodb_table.users.name] :
    "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:TargetTracking-table/${table}-*"
  ]
}

data "aws_iam_policy_document" "operator_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = length(var.operator_principal_arns) > 0 ? var.operator_principal_arns : [local.account_root]
    }
  }
}

data "aws_iam_policy_document" "oncall_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = length(var.oncall_principal_arns) > 0 ? var.oncall_principal_arns : [local.account_root]
    }
  }
}

# --- on-call: read-only ---------------------------------------------------------------------

data "aws_iam_policy_document" "oncall" {
  statement {
    sid       = "ReadManagedTables"
    actions   = local.dynamodb_table_read_actions
    resources = local.managed_table_resources
  }
  statement {
    sid       = "ReadManagedTableStreams"
    actions   = local.dynamodb_stream_read_actions
    resources = local.managed_stream_resources
  }
  statement {
    sid       = "ReadAccountLevel"
    actions   = concat(local.dynamodb_account_read_actions, local.cloudwatch_read_actions, local.autoscaling_read_actions)
    resources = ["*"]
  }
  statement {
    sid       = "ReadBackupsAndExports"
    actions   = local.dynamodb_job_read_actions
    resources = local.managed_job_resources
  }
  statement {
    sid       = "ReadImports"
    actions   = local.dynamodb_import_read_actions
    resources = local.import_resources
  }
  statement {
    sid       = "ReadExportObjects"
    actions   = local.s3_object_read_actions
    resources = ["${local.exports_bucket_arn}/*"]
  }
  statement {
    sid       = "ListExportsBucket"
    actions   = local.s3_bucket_read_actions
    resources = [local.exports_bucket_arn]
  }
}

resource "aws_iam_role" "oncall" {
  name                 = "${var.name_prefix}-oncall-readonly"
  description          = "ddbconsole --read-only: reads the managed DynamoDB tables, their metrics, alarms and auto scaling."
  assume_role_policy   = data.aws_iam_policy_document.oncall_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_policy" "oncall" {
  name        = "${var.name_prefix}-oncall-readonly"
  description = "Exactly ddbconsole's read-only allow-list, on the managed tables."
  policy      = data.aws_iam_policy_document.oncall.json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "oncall" {
  role       = aws_iam_role.oncall.name
  policy_arn = aws_iam_policy.oncall.arn
}

# --- operator: read and write the managed tables --------------------------------------------

data "aws_iam_policy_document" "operator" {
  statement {
    sid       = "ManageTables"
    actions   = concat(local.dynamodb_table_read_actions, local.dynamodb_table_write_actions)
    resources = local.managed_table_resources
  }
  statement {
    sid       = "ReadManagedTableStreams"
    actions   = local.dynamodb_stream_read_actions
    resources = local.managed_stream_resources
  }
  statement {
    sid       = "ReadAccountLevel"
    actions   = concat(local.dynamodb_account_read_actions, local.cloudwatch_read_actions, local.autoscaling_read_actions)
    resources = ["*"]
  }
  statement {
    sid       = "BackUpAndExportManagedTables"
    actions   = local.dynamodb_backup_write_actions
    resources = local.managed_table_arns
  }
  statement {
    sid       = "ManageBackupsAndExports"
    actions   = concat(local.dynamodb_job_read_actions, local.dynamodb_backup_admin_actions)
    resources = local.managed_job_resources
  }
  statement {
    sid       = "RestoreAndImportIntoNewTables"
    actions   = concat(local.dynamodb_table_read_actions, local.dynamodb_table_write_actions, local.dynamodb_restore_target_actions)
    resources = local.restore_target_resources
  }
  statement {
    sid       = "FollowImports"
    actions   = local.dynamodb_import_read_actions
    resources = local.import_resources
  }
  statement {
    sid       = "ExportsBucketObjects"
    actions   = concat(local.s3_object_read_actions, local.s3_export_write_actions)
    resources = ["${local.exports_bucket_arn}/*"]
  }
  statement {
    sid       = "ExportsBucket"
    actions   = local.s3_bucket_read_actions
    resources = [local.exports_bucket_arn]
  }
  statement {
    sid       = "ImportErrorLogs"
    actions   = local.import_log_actions
    resources = local.import_log_resources
  }
  statement {
    sid       = "ConfigureAutoScaling"
    actions   = local.autoscaling_write_actions
    resources = ["*"]
  }
  statement {
    sid       = "TargetTrackingAlarms"
    actions   = ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"]
    resources = local.alarm_resources
  }
  statement {
    sid       = "AutoScalingServiceLinkedRole"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable"]
    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["dynamodb.application-autoscaling.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "operator" {
  name                 = "${var.name_prefix}-operator"
  description          = "ddbconsole operator: edits items and configures the managed DynamoDB tables."
  assume_role_policy   = data.aws_iam_policy_document.operator_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_policy" "operator" {
  name        = "${var.name_prefix}-operator"
  description = "What ddbconsole's write features need, on the managed tables only."
  policy      = data.aws_iam_policy_document.operator.json
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "operator" {
  role       = aws_iam_role.operator.name
  policy_arn = aws_iam_policy.operator.arn
}
