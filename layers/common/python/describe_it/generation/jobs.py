"""Reading a generation job (spec §5.3): visible to its creator only — a signed-in user's job to that
user, a guest's job to whoever holds its id (122 random bits) — and 404 for anything else."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from describe_it.errors import NotFound
from describe_it.generation.views import DescriptionEntry, JobError, JobView
from describe_it.identity import Principal

_JOB_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def job_for(who: Principal, job_id: str) -> JobView:
    from describe_it.runtime.jobs import get_job_store

    if not _JOB_ID.match(job_id):
        raise NotFound("No such job")
    job = get_job_store().get(job_id)
    if job is None or not _visible(job.owner, who):
        raise NotFound("No such job")
    return JobView(
        job_id=job.job_id,
        status=job.status,
        created_at=_at(job.created_at),
        updated_at=_at(job.updated_at),
        expires_at=_at(job.expires_at),
        result=[DescriptionEntry.model_validate(e) for e in job.result] if job.result else None,
        message=job.message,
        error=JobError(**job.error) if job.error else None,
    )


def _visible(owner: str, who: Principal) -> bool:
    if owner.startswith("u:"):
        return who.client_key == owner
    return True  # a guest's job: the id is the secret


def _at(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)
