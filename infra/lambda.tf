# The sample application writer: a Lambda doing CRUD on the Users table with exponential backoff on
# throttling (lambda/users_writer.py). Deployed only when var.sample_writer_zip names its zip;
# build it with: python -m zipfile -c build/users_writer.zip infra/lambda/users_writer.py

locals {
  sample_writer      = var.sample_writer_zip == null ? {} : { users = var.sample_writer_zip }
  sample_writer_name = "${var.name_prefix}-users-writer"
}

data "aws_iam_policy_document" "sample_writer_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "sample_writer" {
  for_each = local.sample_writer

  name               = "${local.sample_writer_name}-lambda"
  description        = "The sample users writer: item CRUD on ${aws_dynamodb_table.users.name}, its own logs."
  assume_role_policy = data.aws_iam_policy_document.sample_writer_trust.json
  tags               = var.tags
}

resource "aws_cloudwatch_log_group" "sample_writer" {
  for_each = local.sample_writer

  name              = "/aws/lambda/${local.sample_writer_name}"
  retention_in_days = 14
  tags              = var.tags
}

data "aws_iam_policy_document" "sample_writer" {
  for_each = local.sample_writer

  statement {
    sid       = "UsersItemCrud"
    actions   = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.users.arn]
  }
  statement {
    sid       = "OwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.sample_writer[each.key].arn}:*"]
  }
}

resource "aws_iam_role_policy" "sample_writer" {
  for_each = local.sample_writer

  name   = "users-item-crud"
  role   = aws_iam_role.sample_writer[each.key].id
  policy = data.aws_iam_policy_document.sample_writer[each.key].json
}

resource "aws_lambda_function" "sample_writer" {
  for_each = local.sample_writer

  function_name    = local.sample_writer_name
  description      = "Sample application writer: CRUD on ${aws_dynamodb_table.users.name} with backoff on throttling."
  role             = aws_iam_role.sample_writer[each.key].arn
  runtime          = "python3.12"
  handler          = "users_writer.handler"
  filename         = each.value
  source_code_hash = filebase64sha256(each.value)
  timeout          = 30
  memory_size      = 128

  environment {
    variables = {
      TABLE_NAME = aws_dynamodb_table.users.name
    }
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.sample_writer, aws_cloudwatch_log_group.sample_writer]
}
