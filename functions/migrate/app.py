"""Deploy-time migrations: the CloudFormation custom resource that bootstraps the database roles and
applies pending migrations (Create/Update); Delete leaves the database untouched."""

# The custom resource's job_handler enters the handler stack once the settings load (else it still
# answers CloudFormation).
from describe_it.db.custom_resource import handle, job_handler

lambda_handler = job_handler(handle)
