"""``POST /api/descriptions/generate``: one image described in English and Spanish (spec §5.1).

The request path: validate (the model) → name the image without fetching it (``identify``) → look
each language up in the generation cache → for what is missing: take the single-flight lock, charge
``ai-describe`` (only now: cache hits are free), check the server key's budget, resolve the image
(fetch or decode, normalise, store; ≤ 4 s) → run the workflow for the missing languages → cache what
succeeded → assemble exactly two entries, English first.

Callers that find a language locked by an identical request in flight wait for its result in the
cache (polling, until the deadline) instead of calling the model again; if the holder goes away
without a result they take over. A failed language is never cached.

Asynchronous requests (``Prefer: respond-async`` or ``maxLength > 450``) do the same request path up
to the workflow, record a job and hand a ``Plan`` (plain JSON, the caller's key sealed) to the
dispatcher: a background thread locally, an asynchronous invocation of this same function in AWS.
``run_job`` then runs the workflow with the longer deadline and writes the job's outcome once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from describe_it.ai.provider import LANGUAGES, Language
from describe_it.errors import ApiError, AuthRequired
from describe_it.generation.cache import CACHE_TTL_S, CachedDescription, cache_key
from describe_it.generation.models import ASYNC_ABOVE_WORDS, GenerateRequest
from describe_it.generation.views import DescriptionEntry, JobAccepted, JobStatus
from describe_it.generation.workflow import BranchResult, DescribeWorkflow
from describe_it.identity import Principal

if TYPE_CHECKING:
    from describe_it.ai.keys import ApiKey
    from describe_it.images.catalogue import ImageCatalogue
    from describe_it.images.models import ImageIdentity
    from describe_it.runtime.cache import TwoTierCache
    from describe_it.runtime.jobs import JobStore
    from describe_it.runtime.locks import Lock, SingleFlightLocks
    from describe_it.settings import Settings

SYNC_DEADLINE_S = 25.0  # from receipt (spec §5.1): the gateway gives up at 30 s
ASYNC_DEADLINE_S = 120.0  # per branch, asynchronous generations
BRANCH_MARGIN_S = 2  # statemachines README: taskTimeoutSeconds ≤ remaining − 2
WAIT_POLL_S = 0.2  # how often a single-flight waiter looks for the holder's result
JOBS_PATH = "/api/descriptions/jobs/"
_LABELS: dict[Language, Any] = {"en": "english", "es": "spanish"}
_NAMES: dict[Language, str] = {"en": "English", "es": "Spanish"}


@dataclass(frozen=True)
class Generated:
    entries: list[DescriptionEntry]
    message: str | None
    rate_headers: dict[str, str]


@dataclass(frozen=True)
class Accepted:
    job: JobAccepted
    rate_headers: dict[str, str]


@dataclass(frozen=True)
class Plan:
    """Everything a generation needs after the request path, as plain JSON (an async job carries it)."""

    generation_id: str
    user_id: str | None
    tier: str
    role: str
    client_key: str
    image_id: str
    image_url: str | None  # for the answer: null for a data URI
    style: str
    max_length: int
    custom_prompt: str | None
    model: str
    provider: str
    cache_keys: dict[str, str]
    cached: dict[str, dict[str, Any]]  # language → CachedDescription JSON
    missing: list[str]
    image_ref: dict[str, Any] | None = None  # the workflow's imageRef; None when nothing is missing
    encrypted_key: str | None = None
    save: bool = False
    session_id: str | None = None
    created_at: float = 0.0
    unsplash_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Plan:
        return cls(**{k: value[k] for k in cls.__dataclass_fields__ if k in value})

    @property
    def principal(self) -> Principal:
        return Principal(
            UUID(self.user_id) if self.user_id else None,
            self.tier,  # type: ignore[arg-type]
            self.role,  # type: ignore[arg-type]
            None,
            self.client_key,
        )


Dispatch = Callable[[Plan], None]
WorkflowFor = Callable[[float], DescribeWorkflow]


@dataclass
class _Work:
    """The request's progress: which languages it has, which it generates, which it waits for."""

    cached: dict[Language, CachedDescription] = field(default_factory=dict)
    results: dict[Language, BranchResult] = field(default_factory=dict)
    locks: list[Lock] = field(default_factory=list)
    rate_headers: dict[str, str] = field(default_factory=dict)
    prepared: Plan | None = None


class GenerationService:
    def __init__(
        self,
        settings: Settings,
        *,
        catalogue: ImageCatalogue,
        cache: TwoTierCache,
        locks: SingleFlightLocks,
        jobs: JobStore,
        workflow_for: WorkflowFor,
        dispatch: Dispatch,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._settings = settings
        self._catalogue = catalogue
        self._cache = cache
        self._locks = locks
        self._jobs = jobs
        self._workflow_for = workflow_for
        self._dispatch = dispatch
        self._clock = clock
        self._sleep = sleep

    # --- the request path ---------------------------------------------------------------------------

    def generate(
        self, who: Principal, body: GenerateRequest, *, respond_async: bool = False, no_cache: bool = False
    ) -> Generated | Accepted:
        received = self._clock()
        if body.save and who.is_guest:
            raise AuthRequired("Sign in to save descriptions")
        self._check_session(who, body)
        identity = self._identify(body)
        model, provider = self._expected_model(who, body)
        keys = {
            lang: cache_key(
                model=model,
                source_hash=identity.source_hash,
                style=body.style,
                max_length=body.max_length,
                custom_prompt=body.custom_prompt,
                language=lang,
            )
            for lang in LANGUAGES
        }
        bypass = body.fresh or no_cache
        work = _Work(cached={} if bypass else self._cached(keys))
        plan = Plan(
            generation_id=str(uuid.uuid4()),
            user_id=str(who.user_id) if who.user_id else None,
            tier=who.tier,
            role=who.role,
            client_key=who.client_key,
            image_id=str(identity.image_id),
            image_url=None if body.is_data_uri else body.image_url,
            style=body.style,
            max_length=body.max_length,
            custom_prompt=body.custom_prompt,
            model=model,
            provider=provider,
            cache_keys={lang: key for lang, key in keys.items()},
            cached={lang: c.to_json() for lang, c in work.cached.items()},
            missing=[lang for lang in LANGUAGES if lang not in work.cached],
            save=body.save,
            session_id=str(body.session_id) if body.session_id else None,
            created_at=received,
            unsplash_id=body.image.unsplash_id if body.image else None,
        )
        if respond_async or body.max_length > ASYNC_ABOVE_WORDS:
            return self._accept(who, body, identity, plan, received)
        deadline = received + SYNC_DEADLINE_S
        try:
            self._generate_missing(who, body, identity, plan, work, deadline, single_flight=not bypass)
        finally:
            for lock in work.locks:
                self._locks.release(lock)
        if work.prepared is None:  # nothing generated here: the image was not resolved, count its use
            self._count_use(who, body, identity)
        entries, message = self._assemble(work.prepared or plan, work.cached, work.results)
        return Generated(entries, message, work.rate_headers)

    def _generate_missing(
        self,
        who: Principal,
        body: GenerateRequest,
        identity: ImageIdentity,
        plan: Plan,
        work: _Work,
        deadline: float,
        *,
        single_flight: bool,
    ) -> None:
        missing: list[Language] = [lang for lang in LANGUAGES if lang not in work.cached]
        mine, theirs = self._claim(plan, missing, work) if single_flight else (missing, [])
        if mine:
            self._run_for(who, body, identity, plan, work, mine, deadline)
        if not theirs:
            return
        for lang in theirs:
            found = self._wait_for(plan.cache_keys[lang], deadline)
            if found is not None:
                work.cached[lang] = found
        # The holder went away without a result (failed, or its lock expired): generate it here.
        left = [lang for lang in theirs if lang not in work.cached]
        taken = [lang for lang in left if self._take(lang, plan, work)]
        takeover = [lang for lang in taken if lang not in work.cached]
        if takeover:
            self._run_for(who, body, identity, plan, work, takeover, deadline)
        for lang in left:
            if lang not in taken:
                work.results[lang] = BranchResult(lang, ok=False, reason="timeout", error="DescribeTimeout")

    def _claim(
        self, plan: Plan, missing: list[Language], work: _Work
    ) -> tuple[list[Language], list[Language]]:
        mine: list[Language] = []
        theirs: list[Language] = []
        for lang in missing:
            if not self._take(lang, plan, work):
                theirs.append(lang)
            elif lang not in work.cached:
                mine.append(lang)
        return mine, theirs

    def _take(self, lang: Language, plan: Plan, work: _Work) -> bool:
        """Lock ``lang``'s entry for this request; False when another live request holds it.

        With the lock held the cache is read again: a holder may have written its result and released
        between our first lookup and our lock, and must not be repeated (then the value goes to
        ``work.cached`` and the lock is given back at once).
        """
        key = plan.cache_keys[lang]
        lock = self._locks.acquire(key)
        if lock is None:
            return False
        found = self._cached_one(key)
        if found is not None:
            self._locks.release(lock)
            work.cached[lang] = found
            return True
        work.locks.append(lock)
        return True

    def _wait_for(self, key: str, deadline: float) -> CachedDescription | None:
        """The holder's result, once it is in the cache; None when the lock is gone without one."""
        while True:
            found = self._cached_one(key)
            if found is not None:
                return found
            if not self._locks.held(key):
                return self._cached_one(key)  # written just before the release
            if self._clock() + WAIT_POLL_S >= deadline - BRANCH_MARGIN_S:
                return None
            self._sleep(WAIT_POLL_S)

    def _run_for(
        self,
        who: Principal,
        body: GenerateRequest,
        identity: ImageIdentity,
        plan: Plan,
        work: _Work,
        languages: list[Language],
        deadline: float,
    ) -> None:
        if work.prepared is None:
            work.prepared = self._prepare(who, body, identity, plan, work)
        ready = Plan.from_json({**work.prepared.to_json(), "missing": list(languages)})
        work.results.update(self._execute(ready, deadline))

    def _prepare(
        self, who: Principal, body: GenerateRequest, identity: ImageIdentity, plan: Plan, work: _Work
    ) -> Plan:
        """Charge, check the budget and resolve the image: what a model call needs first."""
        from describe_it.ai.keys import resolve_key, seal_for_workflow
        from describe_it.ai.limits import charge_ai_request

        key = resolve_key(body.user_api_key, who.user_id)
        self._require_provider(key)
        decision = charge_ai_request(who, "ai-describe", own_key=key is not None and key.own)
        work.rate_headers = decision.headers()
        if key is not None and not key.own:
            from describe_it.ai.budget import get_budget

            get_budget().ensure_available()
        remaining = plan.created_at + SYNC_DEADLINE_S - self._clock()
        from describe_it.images.catalogue import ACQUIRE_TIMEOUT_S

        resolved = self._catalogue.resolve_image(
            image_url=None if body.is_data_uri else body.image_url,
            data_uri=body.image_url if body.is_data_uri else None,
            image_meta=body.image,
            user_id=who.user_id,
            # A guest generation survives a catalogue outage; saving or a session needs the row.
            required=body.save or body.session_id is not None,
            timeout_s=max(0.0, min(ACQUIRE_TIMEOUT_S, remaining)),
        )
        image_ref: dict[str, Any] = {
            "bucket": self._bucket(),
            "key": resolved.s3_key,
            "sha256": resolved.sha256,
            "mediaType": resolved.media_type,
        }
        facts = self._facts(body, identity) if key is None else None
        if facts is not None:
            image_ref["facts"] = facts
        sealed = seal_for_workflow(key, plan.generation_id) if key is not None else None
        return Plan.from_json({**plan.to_json(), "image_ref": image_ref, "encrypted_key": sealed})

    def _execute(self, plan: Plan, deadline: float) -> dict[Language, BranchResult]:
        languages: list[Language] = [lang for lang in LANGUAGES if lang in plan.missing]
        remaining = deadline - self._clock()
        task_timeout = int(remaining) - BRANCH_MARGIN_S
        if task_timeout < 1 or plan.image_ref is None:
            return {
                lang: BranchResult(lang, ok=False, reason="timeout", error="DescribeTimeout")
                for lang in languages
            }
        workflow_input = {
            "imageRef": plan.image_ref,
            "style": plan.style,
            "maxLength": plan.max_length,
            "customPrompt": plan.custom_prompt,
            "encryptedKey": plan.encrypted_key,
            "deadline": int(deadline * 1000),
            "taskTimeoutSeconds": task_timeout,
            "languages": languages,
            "generationId": plan.generation_id,
        }
        results = self._workflow_for(remaining).run(workflow_input, languages)
        finished = self._clock()
        for lang, result in results.items():
            results[lang] = replace(result, finished_at=finished)
            if result.ok:
                value = CachedDescription(
                    content=result.content,
                    word_count=result.word_count,
                    model=result.model or plan.model,
                    provider=result.provider or plan.provider,
                    created_at=finished,
                )
                self._cache.put(plan.cache_keys[lang], value.to_json(), CACHE_TTL_S)
        return results

    # --- asynchronous generations -------------------------------------------------------------------

    def _accept(
        self, who: Principal, body: GenerateRequest, identity: ImageIdentity, plan: Plan, received: float
    ) -> Accepted:
        work = _Work()
        ready = plan
        if plan.missing:
            ready = self._prepare(who, body, identity, plan, work)
        else:
            self._count_use(who, body, identity)
        job = self._jobs.create(plan.generation_id, who.client_key)
        try:
            self._dispatch(ready)
        except ApiError as exc:
            self._jobs.finish(job.job_id, "failed", error={"code": exc.code, "message": exc.message})
            raise
        accepted = JobAccepted(job_id=job.job_id, status_url=JOBS_PATH + job.job_id)
        return Accepted(accepted, work.rate_headers)

    def run_job(self, plan: Plan) -> None:
        """The asynchronous half: run the workflow (120 s), then write the job's outcome once."""
        from describe_it.observability import logger, stack_fields

        job_id = plan.generation_id
        if not self._jobs.start(job_id):
            logger.info("generation job already taken or finished", extra={"job_id": job_id})
            return
        cached: dict[Language, CachedDescription] = {}
        for lang in LANGUAGES:
            found = CachedDescription.from_json(plan.cached[lang]) if lang in plan.cached else None
            if found is not None:
                cached[lang] = found
        try:
            results = self._execute(plan, self._clock() + ASYNC_DEADLINE_S) if plan.missing else {}
            entries, message = self._assemble(plan, cached, results)
        except ApiError as exc:
            self._jobs.finish(job_id, "failed", error={"code": exc.code, "message": exc.message})
            return
        except Exception as exc:
            logger.error("generation job crashed", extra=stack_fields(exc))
            self._jobs.finish(
                job_id, "failed", error={"code": "INTERNAL_ERROR", "message": "The generation failed"}
            )
            return
        status: JobStatus = "partial" if any(e.fallback for e in entries) else "succeeded"
        result = [e.model_dump(mode="json", by_alias=True) for e in entries]
        self._jobs.finish(job_id, status, result=result, message=message)

    # --- assembling the answer ----------------------------------------------------------------------

    def _assemble(
        self,
        plan: Plan,
        cached: Mapping[Language, CachedDescription],
        results: Mapping[Language, BranchResult],
    ) -> tuple[list[DescriptionEntry], str | None]:
        from describe_it.ai.errors import error_for_failed_languages

        failed = [results[lang] for lang in LANGUAGES if lang not in cached and not results[lang].ok]
        if len(failed) == len(LANGUAGES):
            raise error_for_failed_languages([r.error or "" for r in failed], now=self._clock())
        now = self._clock()
        entries = [self._entry(plan, lang, cached.get(lang), results.get(lang), now) for lang in LANGUAGES]
        notes = [
            f"The {_NAMES[r.language]} description could not be generated ({r.reason}); try again later."
            for r in failed
        ]
        if plan.save:
            if failed:
                notes.append("Not saved: saving needs both languages.")
            else:
                entries = self._save(plan, entries)
        self._after(plan)
        return entries, " ".join(notes) or None

    def _entry(
        self,
        plan: Plan,
        lang: Language,
        cached: CachedDescription | None,
        result: BranchResult | None,
        now: float,
    ) -> DescriptionEntry:
        common: dict[str, Any] = {
            "id": uuid.uuid4(),
            "generation_id": plan.generation_id,
            "image_id": UUID(plan.image_id),
            "image_url": plan.image_url,
            "style": plan.style,
            "language": _LABELS[lang],
        }
        if cached is not None:
            return DescriptionEntry(
                **common,
                content=cached.content,
                word_count=cached.word_count,
                provider=_provider(cached.provider),
                model=cached.model,
                cached=True,
                fallback=False,
                fallback_reason=None,
                created_at=_at(cached.created_at),
            )
        assert result is not None
        if result.ok:
            return DescriptionEntry(
                **common,
                content=result.content,
                word_count=result.word_count,
                provider=_provider(result.provider or plan.provider),
                model=result.model or plan.model,
                cached=False,
                fallback=False,
                fallback_reason=None,
                created_at=_at(result.finished_at or now),
            )
        return DescriptionEntry(
            **common,
            content="",
            word_count=0,
            provider=_provider(plan.provider),
            model=plan.model,
            cached=False,
            fallback=True,
            fallback_reason=_reason(result.reason),
            created_at=_at(now),
        )

    def _save(self, plan: Plan, entries: list[DescriptionEntry]) -> list[DescriptionEntry]:
        """``save:true`` with both languages: one saved description (once per generation), its id on
        both entries."""
        from describe_it.ai.prompts import PROMPT_VERSION
        from describe_it.db.tx import transaction
        from describe_it.descriptions.models import SaveInput
        from describe_it.descriptions.service import save_description

        assert plan.user_id is not None  # guests cannot save (401 before any work)
        me = UUID(plan.user_id)
        english, spanish = entries
        data = SaveInput(
            style=plan.style,
            english_description=english.content,
            spanish_description=spanish.content,
            image_id=UUID(plan.image_id),
            generation_id=UUID(plan.generation_id),
            session_id=UUID(plan.session_id) if plan.session_id else None,
            provider=english.provider,
            model=english.model,
            generation_params={
                "maxLength": plan.max_length,
                "customPrompt": plan.custom_prompt,
                "promptVersion": PROMPT_VERSION,
            },
        )
        with transaction("app", me) as conn:
            saved = save_description(conn, me, data)
        return [e.model_copy(update={"saved_description_id": saved.description.id}) for e in entries]

    def _after(self, plan: Plan) -> None:
        """Follow-ups of a successful generation: the session's counters, Unsplash download tracking
        (best effort: it never raises)."""
        if plan.session_id and plan.user_id:
            from describe_it.db.tx import transaction
            from describe_it.sessions.counters import bump

            me = UUID(plan.user_id)
            with transaction("app", me) as conn:
                bump(conn, me, UUID(plan.session_id), descriptions_generated=1, images_processed=1)
        if plan.unsplash_id:
            from describe_it.images.search import track_unsplash_download

            track_unsplash_download(plan.principal, plan.unsplash_id)

    # --- helpers ------------------------------------------------------------------------------------

    def _check_session(self, who: Principal, body: GenerateRequest) -> None:
        """``sessionId`` must be the caller's own session: checked before any work (404 otherwise)."""
        if body.session_id is None:
            return
        if who.user_id is None:
            raise AuthRequired("Sign in to count descriptions in a session")
        from describe_it.db.tx import transaction
        from describe_it.sessions.counters import bump

        with transaction("app", who.user_id) as conn:
            bump(conn, who.user_id, body.session_id)  # no counts yet: proves the session is ours

    def _identify(self, body: GenerateRequest) -> ImageIdentity:
        if body.is_data_uri:
            return self._catalogue.identify(data_uri=body.image_url)
        return self._catalogue.identify(image_url=body.image_url)

    def _expected_model(self, who: Principal, body: GenerateRequest) -> tuple[str, str]:
        """The model the cache is keyed by. Only the offline provider differs from the setting, and it
        answers only on a laptop with no key at all (body, stored or server)."""
        from describe_it.ai.keys import server_key

        settings = self._settings
        if body.user_api_key is not None or settings.stage != "local" or server_key(settings) is not None:
            return settings.anthropic_model, "anthropic"
        if who.user_id is not None:
            from describe_it.apikeys.service import resolve_user_key

            if resolve_user_key(who.user_id, "anthropic") is not None:
                return settings.anthropic_model, "anthropic"
        from describe_it.ai.offline import MODEL

        return MODEL, "offline"

    def _require_provider(self, key: ApiKey | None) -> None:
        if key is None and self._settings.stage != "local":
            from describe_it.ai.errors import ProviderNotConfigured

            raise ProviderNotConfigured(
                "AI generation is not configured: no Anthropic API key", retry_after=60
            )

    def _cached(self, keys: Mapping[Language, str]) -> dict[Language, CachedDescription]:
        found = {lang: self._cached_one(key) for lang, key in keys.items()}
        return {lang: value for lang, value in found.items() if value is not None}

    def _cached_one(self, key: str) -> CachedDescription | None:
        value = self._cache.get(key)
        return None if value is None else CachedDescription.from_json(value)

    def _count_use(self, who: Principal, body: GenerateRequest, identity: ImageIdentity) -> None:
        self._catalogue.count_use(
            identity,
            image_meta=body.image,
            user_id=who.user_id,
            required=body.save or body.session_id is not None,
        )

    def _facts(self, body: GenerateRequest, identity: ImageIdentity) -> dict[str, Any] | None:
        """What the offline provider composes from: the demo manifest, else the client's metadata."""
        from describe_it.images.demo import find_by_url

        local_demo = self._settings.stage == "local" and self._settings.demo_mode
        demo = find_by_url(identity.url, self._settings.api_base_url) if identity.url and local_demo else None
        if demo is not None:
            return {
                "altDescription": {"en": demo.alt_en, "es": demo.alt_es},
                "description": {"en": demo.description_en, "es": demo.description_es},
                "tags": list(demo.tags),
                "color": demo.color,
                "width": demo.width,
                "height": demo.height,
            }
        meta = body.image
        if meta is None:
            return None
        facts: dict[str, Any] = {"color": meta.color, "width": meta.width, "height": meta.height}
        if meta.alt_description:
            facts["altDescription"] = {"en": meta.alt_description}
        if meta.description:
            facts["description"] = {"en": meta.description}
        return facts

    def _bucket(self) -> str:
        bucket = self._settings.export_bucket
        if not bucket:
            from describe_it.errors import DependencyDown

            raise DependencyDown("Image storage is not configured", retry_after=60)
        return bucket


def _at(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


def _provider(name: str) -> Any:
    return "offline" if name == "offline" else "anthropic"


def _reason(reason: str | None) -> Any:
    known = (
        "timeout",
        "upstream_error",
        "rate_limited",
        "circuit_open",
        "content_refused",
        "budget_exhausted",
    )
    return reason if reason in known else "upstream_error"


# --- wiring ---------------------------------------------------------------------------------------------


def get_generation_service() -> GenerationService:
    from describe_it.generation.dispatch import dispatcher
    from describe_it.generation.workflow import workflow_for
    from describe_it.images.catalogue import get_image_catalogue
    from describe_it.runtime.cache import get_cache
    from describe_it.runtime.jobs import get_job_store
    from describe_it.runtime.locks import get_locks
    from describe_it.settings import get_settings

    return GenerationService(
        get_settings(),
        catalogue=get_image_catalogue(),
        cache=get_cache(),
        locks=get_locks(),
        jobs=get_job_store(),
        workflow_for=workflow_for,
        dispatch=dispatcher(),
    )
