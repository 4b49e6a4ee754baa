variable "region" {
  description = "AWS region to deploy into. null: take it from the environment or the AWS profile."
  type        = string
  default     = null
}

variable "name_prefix" {
  description = "Prefix for the names of roles, policies, the SNS topic and the sample writer."
  type        = string
  default     = "ddbconsole"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,32}$", var.name_prefix))
    error_message = "name_prefix: 1-32 characters usable in IAM role names."
  }
}

variable "table_name" {
  description = "Name of the users table."
  type        = string
  default     = "Users"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name: 3-255 characters from A-Z a-z 0-9 _ - ."
  }
}

# --- capacity -------------------------------------------------------------------------------

variable "billing_mode" {
  description = "PAY_PER_REQUEST (on-demand) or PROVISIONED (with auto scaling)."
  type        = string
  default     = "PAY_PER_REQUEST"

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.billing_mode)
    error_message = "billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "read_capacity" {
  description = "Initial read capacity units when PROVISIONED (auto scaling moves it afterwards)."
  type        = number
  default     = 5
}

variable "write_capacity" {
  description = "Initial write capacity units when PROVISIONED (auto scaling moves it afterwards)."
  type        = number
  default     = 5
}

variable "autoscaling_enabled" {
  description = "Target-tracking auto scaling for read and write capacity when PROVISIONED."
  type        = bool
  default     = true
}

variable "autoscaling_read_min" {
  description = "Minimum read capacity auto scaling may set."
  type        = number
  default     = 5
}

variable "autoscaling_read_max" {
  description = "Maximum read capacity auto scaling may set."
  type        = number
  default     = 100
}

variable "autoscaling_write_min" {
  description = "Minimum write capacity auto scaling may set."
  type        = number
  default     = 5
}

variable "autoscaling_write_max" {
  description = "Maximum write capacity auto scaling may set."
  type        = number
  default     = 100
}

variable "autoscaling_target_utilization" {
  description = "Target utilization (percent of provisioned capacity) for both policies; the AWS console default is 70."
  type        = number
  default     = 70

  validation {
    condition     = var.autoscaling_target_utilization >= 20 && var.autoscaling_target_utilization <= 90
    error_message = "autoscaling_target_utilization must be between 20 and 90 (the range DynamoDB accepts)."
  }
}

# --- table settings -------------------------------------------------------------------------

variable "ttl_attribute" {
  description = "Attribute holding the expiry time (epoch seconds); null disables TTL."
  type        = string
  default     = "ExpiresAt"
}

variable "deletion_protection" {
  description = "Refuse DeleteTable until this is turned off (set false before terraform destroy)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default = {
    app        = "users"
    managed-by = "terraform"
  }
}

# --- alarms ---------------------------------------------------------------------------------

variable "alarm_email" {
  description = "Email address subscribed to the alarm topic; null for no subscription."
  type        = string
  default     = null
}

variable "consumed_capacity_alarm_percent" {
  description = "Alarm when consumed capacity exceeds this percentage of provisioned (PROVISIONED only)."
  type        = number
  default     = 80

  validation {
    condition     = var.consumed_capacity_alarm_percent > 0 && var.consumed_capacity_alarm_percent <= 100
    error_message = "consumed_capacity_alarm_percent must be in (0, 100]."
  }
}

variable "alarm_period_seconds" {
  description = "Period of every alarm's metrics."
  type        = number
  default     = 60
}

variable "alarm_evaluation_periods" {
  description = "How many consecutive periods breach before an alarm fires."
  type        = number
  default     = 5
}

variable "system_error_operations" {
  description = "Operations whose SystemErrors the system-errors alarm sums (at most 9: an alarm holds 10 metrics)."
  type        = list(string)
  default     = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchWriteItem"]

  validation {
    condition     = length(var.system_error_operations) >= 1 && length(var.system_error_operations) <= 9
    error_message = "system_error_operations: between 1 and 9 operations."
  }
}

# --- IAM ------------------------------------------------------------------------------------

variable "operator_principal_arns" {
  description = "Principals allowed to assume the operator role; empty: this account's root (delegate with IAM policies)."
  type        = list(string)
  default     = []
}

variable "oncall_principal_arns" {
  description = "Principals allowed to assume the on-call read-only role; empty: this account's root."
  type        = list(string)
  default     = []
}

# --- sample application writer (Lambda) -----------------------------------------------------

variable "sample_writer_zip" {
  description = "Path of the zip of infra/lambda/users_writer.py (see README); null: do not deploy the sample writer."
  type        = string
  default     = null
}

# --- ddbconsole profile snippet -------------------------------------------------------------

variable "ddbconsole_aws_profile" {
  description = "AWS CLI profile ddbconsole should use as the source credentials for the roles; null: the default chain."
  type        = string
  default     = null
}

variable "ddbconsole_endpoint_url" {
  description = "Endpoint URL to put in the ddbconsole profiles (only for local endpoints); null for AWS."
  type        = string
  default     = null
}

variable "exports_force_destroy" {
  description = "Let `terraform destroy` delete the exports bucket with the exports in it."
  type        = bool
  default     = false
}
