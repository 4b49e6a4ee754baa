terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 6.0"
    }
  }
}

# Credentials and (unless var.region is set) the region come from the usual AWS chain:
# AWS_PROFILE, SSO, environment variables, instance roles. Nothing here is specific to a test or a
# machine; the tests point the endpoints at a local moto server from a generated *_override.tf file.
provider "aws" {
  region = var.region
}
