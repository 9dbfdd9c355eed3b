"""The one Logger and the one Metrics object (AWS Lambda Powertools); import these, never build others."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

from describe_it.settings import get_settings

logger = Logger(service="describe-it", level=get_settings().log_level)
metrics = Metrics(namespace="DescribeIt", service="describe-it")
