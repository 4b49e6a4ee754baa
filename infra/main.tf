data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  provisioned  = var.billing_mode == "PROVISIONED"
  autoscaling  = local.provisioned && var.autoscaling_enabled
  account_id   = data.aws_caller_identity.current.account_id
  partition    = data.aws_partition.current.partition
  region       = data.aws_region.current.name
  account_root = "arn:${local.partition}:iam::${local.account_id}:root"
  dynamodb_arn = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}"
}

# The Users table of the original design: one item per user, keyed by UserId.
resource "aws_dynamodb_table" "users" {
  name         = var.table_name
  billing_mode = var.billing_mode
  hash_key     = "UserId"

  read_capacity  = local.provisioned ? var.read_capacity : null
  write_capacity = local.provisioned ? var.write_capacity : null

  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "UserId"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  dynamic "ttl" {
    for_each = var.ttl_attribute == null ? [] : [var.ttl_attribute]
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  server_side_encryption {
    enabled = true # AWS-managed KMS key
  }

  tags = var.tags

  lifecycle {
    # Auto scaling owns the capacity once the table exists; read_capacity/write_capacity are the
    # starting values. Without this every apply would undo what auto scaling did.
    ignore_changes = [read_capacity, write_capacity]
  }
}

# --- auto scaling (PROVISIONED only) ---------------------------------------------------------

locals {
  scaling_dimensions = local.autoscaling ? {
    read = {
      dimension = "dynamodb:table:ReadCapacityUnits"
      metric    = "DynamoDBReadCapacityUtilization"
      min       = var.autoscaling_read_min
      max       = var.autoscaling_read_max
    }
    write = {
      dimension = "dynamodb:table:WriteCapacityUnits"
      metric    = "DynamoDBWriteCapacityUtilization"
      min       = var.autoscaling_write_min
      max       = var.autoscaling_write_max
    }
  } : {}
}

resource "aws_appautoscaling_target" "users" {
  for_each = local.scaling_dimensions

  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.users.name}"
  scalable_dimension = each.value.dimension
  min_capacity       = each.value.min
  max_capacity       = each.value.max
}

resource "aws_appautoscaling_policy" "users" {
  for_each = local.scaling_dimensions

  name               = "${aws_dynamodb_table.users.name}-${each.key}-target-tracking"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.users[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.users[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.users[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = var.autoscaling_target_utilization

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
    }
  }
}
