output "table_names" {
  description = "The managed tables' names."
  value       = [aws_dynamodb_table.users.name]
}

output "table_arns" {
  description = "The managed tables' ARNs, by name."
  value       = { (aws_dynamodb_table.users.name) = aws_dynamodb_table.users.arn }
}

output "operator_role_arn" {
  description = "Role for operators (ddbconsole with write features)."
  value       = aws_iam_role.operator.arn
}

output "oncall_role_arn" {
  description = "Role for on-call engineers (ddbconsole --read-only)."
  value       = aws_iam_role.oncall.arn
}

output "exports_bucket" {
  description = "The bucket for DynamoDB's export to S3 and import from S3."
  value       = aws_s3_bucket.exports.id
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "The CloudWatch alarms on the Users table."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.consumed_capacity : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.throttles : a.alarm_name],
    [aws_cloudwatch_metric_alarm.system_errors.alarm_name],
  )
}

output "sample_writer_function_name" {
  description = "The sample application writer Lambda (null when not deployed)."
  value       = try(aws_lambda_function.sample_writer["users"].function_name, null)
}

output "sample_writer_role_arn" {
  description = "The sample writer's own least-privilege role (null when not deployed)."
  value       = try(aws_iam_role.sample_writer["users"].arn, null)
}

# ddbconsole config (YAML): an operator profile and an on-call read-only profile. Paste the entries
# under `profiles:` in your config (see config.example.yaml), or save the whole output as a config
# file: terraform output -raw ddbconsole_profiles > ~/.config/ddbconsole/config.yaml
output "ddbconsole_profiles" {
  description = "ddbconsole config (YAML) with an operator and an on-call read-only profile."
  value = join("\n", concat(["profiles:"], flatten([
    for name, p in local.ddbconsole_profiles : concat(
      ["  ${name}:"],
      var.ddbconsole_aws_profile == null ? [] : ["    aws_profile: ${jsonencode(var.ddbconsole_aws_profile)}"],
      ["    region: ${jsonencode(local.region)}"],
      var.ddbconsole_endpoint_url == null ? [] : ["    endpoint_url: ${jsonencode(var.ddbconsole_endpoint_url)}"],
      ["    role_arn: ${jsonencode(p.role_arn)}", "    read_only: ${p.read_only}"],
    )
  ]), [""]))
}

locals {
  ddbconsole_profiles = {
    "${var.name_prefix}-operator" = { role_arn = aws_iam_role.operator.arn, read_only = false }
    "${var.name_prefix}-oncall"   = { role_arn = aws_iam_role.oncall.arn, read_only = true }
  }
}
