# CloudWatch alarms on the Users table, notifying an SNS topic.

resource "aws_sns_topic" "alarms" {
  name = "${var.name_prefix}-dynamodb-alarms"
  tags = var.tags
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email # the recipient must confirm the subscription
}

locals {
  table_dimensions = { TableName = aws_dynamodb_table.users.name }
  alarm_actions    = [aws_sns_topic.alarms.arn]

  # Consumed capacity as a percentage of provisioned, per period. Metric math keeps the alarm
  # right while auto scaling moves the provisioned capacity.
  capacity_alarms = local.provisioned ? {
    read  = "Read"
    write = "Write"
  } : {}
}

resource "aws_cloudwatch_metric_alarm" "consumed_capacity" {
  for_each = local.capacity_alarms

  alarm_name          = "${aws_dynamodb_table.users.name}-consumed-${each.key}-capacity-high"
  alarm_description   = "Consumed ${each.key} capacity above ${var.consumed_capacity_alarm_percent}% of provisioned on ${aws_dynamodb_table.users.name}."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.consumed_capacity_alarm_percent
  evaluation_periods  = var.alarm_evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "utilization"
    expression  = "100 * (consumed / PERIOD(consumed)) / provisioned"
    label       = "Consumed ${each.value} capacity, % of provisioned"
    return_data = true
  }

  metric_query {
    id = "consumed"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "Consumed${each.value}CapacityUnits"
      dimensions  = local.table_dimensions
      period      = var.alarm_period_seconds
      stat        = "Sum"
    }
  }

  metric_query {
    id = "provisioned"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "Provisioned${each.value}CapacityUnits"
      dimensions  = local.table_dimensions
      period      = var.alarm_period_seconds
      stat        = "Average"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  for_each = { read = "Read", write = "Write" }

  alarm_name          = "${aws_dynamodb_table.users.name}-${each.key}-throttles"
  alarm_description   = "${each.value} requests throttled on ${aws_dynamodb_table.users.name}."
  namespace           = "AWS/DynamoDB"
  metric_name         = "${each.value}ThrottleEvents"
  dimensions          = local.table_dimensions
  statistic           = "Sum"
  period              = var.alarm_period_seconds
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# SystemErrors is reported per (TableName, Operation): sum the operations the application uses.
resource "aws_cloudwatch_metric_alarm" "system_errors" {
  alarm_name          = "${aws_dynamodb_table.users.name}-system-errors"
  alarm_description   = "DynamoDB returned HTTP 500s for ${aws_dynamodb_table.users.name}."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "errors"
    expression  = "SUM(METRICS())"
    label       = "SystemErrors, all operations"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = var.system_error_operations
    content {
      id = "op${metric_query.key}"
      metric {
        namespace   = "AWS/DynamoDB"
        metric_name = "SystemErrors"
        dimensions  = merge(local.table_dimensions, { Operation = metric_query.value })
        period      = var.alarm_period_seconds
        stat        = "Sum"
      }
    }
  }
}
