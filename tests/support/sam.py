"""template.yaml as CloudFormation receives it: through SAM's own translator (the AWS::Serverless-2016-10-31
transform), offline."""

from __future__ import annotations

import copy
import os
from typing import Any
from unittest import mock


class _NoManagedPolicies:
    """The transform looks managed policy names up in IAM; the template uses none by name."""

    def load(self) -> dict[str, str]:
        return {}


def transformed(template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation template SAM makes of ``template`` (code locations as `sam package` leaves them)."""
    from samtranslator.translator.transform import transform

    template = copy.deepcopy(template)
    for resource in template["Resources"].values():  # what `sam package` leaves: S3 locations
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if key in props:
                props[key] = "s3://bucket/artifact.zip"
    with mock.patch.dict(os.environ, {"AWS_DEFAULT_REGION": "us-east-1"}):
        result: dict[str, Any] = transform(template, {}, _NoManagedPolicies())
    return result
