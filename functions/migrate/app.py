"""Deploy-time migrations: the CloudFormation custom resource that bootstraps the database roles and
applies pending migrations (Create/Update); Delete leaves the database untouched."""

from typing import Any

from describe_it.db.custom_resource import handle


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event, context)
