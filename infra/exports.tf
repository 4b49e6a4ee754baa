# The bucket for DynamoDB's export to S3 and import from S3 (ddbconsole's Backups screen and its
# s3-export / s3-import subcommands). Private, encrypted, owned by this account. The operator role
# may write exports into it and import from it; the on-call role may only read it (GetObject and
# ListBucket: reading a finished export's manifests and data files is on the read-only allow-list).

resource "aws_s3_bucket" "exports" {
  bucket_prefix = "${lower(var.name_prefix)}-exports-"
  force_destroy = var.exports_force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "exports" {
  bucket                  = aws_s3_bucket.exports.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "exports" {
  bucket = aws_s3_bucket.exports.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

locals {
  exports_bucket_arn = aws_s3_bucket.exports.arn
  # Backups, exports and imports of the managed tables; tables restored or imported by the
  # operator are named after a managed table: `<table>-<suffix>` (the console's default).
  managed_job_resources = flatten([
    for arn in local.managed_table_arns : ["${arn}/backup/*", "${arn}/export/*"]
  ])
  restore_target_arns = [for arn in local.managed_table_arns : "${arn}-*"]
  restore_target_resources = flatten([
    for arn in local.restore_target_arns : [arn, "${arn}/index/*"]
  ])
  import_resources = [for arn in local.restore_target_arns : "${arn}/import/*"]
}
