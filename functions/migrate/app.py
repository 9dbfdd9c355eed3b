"""Deploy-time migrations: the CloudFormation custom resource that bootstraps the database roles and
applies pending migrations (Create/Update); Delete leaves the database untouched."""

from describe_it.db.custom_resource import handle
from describe_it.handler import job_handler

lambda_handler = job_handler(handle)
