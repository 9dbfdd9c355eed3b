"""Settings rules of spec §14.2: sparse storage, deep merge, defaults, versions and preconditions.

The stored document holds only the user's overrides; every response is those overrides deep-merged
onto the defaults of ``models``. A write reads the row ``FOR UPDATE`` and writes it back with
``WHERE version = …`` in the same transaction, so two concurrent writers serialise: the second sees
the first one's version (412 with a stale ``If-Match``, else its change is merged on top).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from describe_it.db.tx import transaction
from describe_it.errors import Detail, InvalidToken, PreconditionFailed, ValidationFailed
from describe_it.identity import Principal
from describe_it.observability import logger
from describe_it.user_settings import repository as repo
from describe_it.user_settings.models import (
    SECTIONS,
    SettingsSaved,
    SettingsSync,
    SettingsView,
    SettingsWrite,
    default_document,
    section_fields,
)

Document = dict[str, dict[str, Any]]


# --- pure document logic ------------------------------------------------------------------------


def deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``patch`` onto ``base``: objects merge, arrays and scalars replace, ``None`` removes the key.

    Removing a key from the sparse document is what "reset to default" means; an object left with no
    keys is removed as well, so the stored document stays sparse. Neither input is modified.
    """
    out: dict[str, Any] = {key: _copy(value) for key, value in base.items()}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
            continue
        if isinstance(value, Mapping):
            current = out.get(key)
            merged = deep_merge(current if isinstance(current, Mapping) else {}, value)
            if merged:
                out[key] = merged
            else:
                out.pop(key, None)
            continue
        out[key] = _copy(value)
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def etag(version: int) -> str:
    return f'"v{version}"'


def etag_matches(header: str | None, version: int) -> bool:
    """Whether an ``If-Match``/``If-None-Match`` value names this version (``*`` and weak tags included)."""
    if header is None:
        return False
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or any(tag.removeprefix("W/") == etag(version) for tag in tags)


def merged_document(sparse: Mapping[str, Any]) -> Document:
    """The full document: defaults with the stored overrides applied."""
    return {name: _section_document(name, sparse.get(name) or {}) for name in SECTIONS}


def _section_document(name: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    model = SECTIONS[name]
    try:
        return model.model_validate(overrides).model_dump(mode="json", by_alias=True)
    except ValidationError as exc:
        # Stored overrides are validated on write; one that a later release no longer accepts
        # falls back to its default rather than breaking every read of the document.
        bad = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
        logger.warning(
            "stored settings no longer valid; using defaults", extra={"section": name, "fields": sorted(bad)}
        )
        kept = {key: value for key, value in overrides.items() if key not in bad}
        try:
            return model.model_validate(kept).model_dump(mode="json", by_alias=True)
        except ValidationError:
            return model().model_dump(mode="json", by_alias=True)


_CODES = {
    "missing": "required",
    "literal_error": "invalid_enum",
    "greater_than": "too_small",
    "greater_than_equal": "too_small",
    "less_than": "too_large",
    "less_than_equal": "too_large",
    "too_short": "too_short",
    "too_long": "too_many",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
    "value_error": "invalid_format",
    "duplicate": "duplicate",
}


def _path(prefix: str, section: str, loc: Iterable[Any]) -> str:
    path = f"{prefix}{section}"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _detail(prefix: str, section: str, error: Mapping[str, Any]) -> Detail:
    kind = str(error.get("type", ""))
    message = str(error.get("msg", "Invalid value")).removeprefix("Value error, ")
    code = _CODES.get(
        kind, "invalid_type" if kind.endswith("_type") or "parsing" in kind else "invalid_format"
    )
    return Detail(_path(prefix, section, error.get("loc", ())), message, code)


def validate_sections(sparse: Mapping[str, Any], sections: Iterable[str], prefix: str = "") -> Document:
    """Validate the overrides of ``sections``; returns them normalised (e.g. ``theme: auto`` → ``system``).

    Raises ``ValidationFailed`` naming every bad field by its full path (``settings.session.dailyWordGoal``).
    """
    details: list[Detail] = []
    out: Document = {}
    for name in sections:
        overrides = sparse.get(name) or {}
        try:
            model = SECTIONS[name].model_validate(overrides)
        except ValidationError as exc:
            details += [_detail(prefix, name, dict(err)) for err in exc.errors()]
            continue
        normalised = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
        if normalised:
            out[name] = normalised
    if details:
        raise ValidationFailed(details[0].message if len(details) == 1 else None, details=details)
    return out


def patch_of(body: SettingsWrite) -> tuple[dict[str, Any], str]:
    """The partial sections of a PUT body and the path prefix its errors are reported under.

    ``{settings: {...}}`` is canonical; bare sections at the top level are accepted too. Unknown
    sections and fields are dropped here, so they are never stored.
    """
    if body.settings is not None:
        raw, prefix = body.settings, "settings."
    else:
        raw, prefix = dict(body.model_extra or {}), ""
    details: list[Detail] = []
    patch: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in SECTIONS:
            continue
        if value is None:
            patch[name] = None  # reset the whole section
        elif not isinstance(value, dict):
            details.append(Detail(f"{prefix}{name}", "Must be an object", "invalid_type"))
        else:
            known = section_fields(name)
            patch[name] = {key: item for key, item in value.items() if key in known}
    if details:
        raise ValidationFailed(details[0].message if len(details) == 1 else None, details=details)
    return patch, prefix


def _ordered(sections: Iterable[str]) -> list[str]:
    wanted = set(sections)
    return [name for name in SECTIONS if name in wanted]


def _stale(version: int) -> PreconditionFailed:
    return PreconditionFailed(
        "Settings were changed by another request; reload them and try again",
        details=[
            Detail("If-Match", "Stale settings version", "stale_version", {"currentVersion": version}),
        ],
        headers={"ETag": etag(version)},
    )


# --- the service --------------------------------------------------------------------------------


class SettingsService:
    def get(self, principal: Principal, section: str | None, include_defaults: bool) -> SettingsView:
        user_id = _user(principal)
        with transaction("app", user_id) as conn:
            row = _row(repo.get(conn, user_id))
        sparse = row["settings"]
        names = [section] if section else list(SECTIONS)
        full = merged_document(sparse)
        defaults = default_document()
        shown = full if include_defaults else sparse
        return SettingsView(
            settings={name: shown.get(name, {}) for name in names},
            version=row["version"],
            updated_at=row["updated_at"],
            is_default=all(full[name] == defaults[name] for name in names),
        )

    def update(self, principal: Principal, body: SettingsWrite, if_match: str | None) -> SettingsSaved:
        user_id = _user(principal)
        patch, prefix = patch_of(body)
        with transaction("app", user_id) as conn:
            row = _row(repo.get(conn, user_id, for_update=True))
            if if_match is not None and not etag_matches(if_match, row["version"]):
                raise _stale(row["version"])
            stored: Document = row["settings"]
            merged = deep_merge(stored, patch)
            touched = _ordered(patch)
            validated = validate_sections(merged, touched, prefix)
            new = {name: stored[name] for name in SECTIONS if name in stored and name not in touched}
            new.update(validated)
            row = self._save(conn, user_id, row, _in_order(new))
        return SettingsSaved(
            settings=merged_document(row["settings"]),
            version=row["version"],
            updated_at=row["updated_at"],
            sections_updated=touched,
        )

    def reset(self, principal: Principal, sections: list[str] | None, if_match: str | None) -> SettingsSaved:
        user_id = _user(principal)
        names = _ordered(sections) if sections else list(SECTIONS)
        with transaction("app", user_id) as conn:
            row = _row(repo.get(conn, user_id, for_update=True))
            if if_match is not None and not etag_matches(if_match, row["version"]):
                raise _stale(row["version"])
            new = {name: value for name, value in row["settings"].items() if name not in names}
            row = self._save(conn, user_id, row, new)
        return SettingsSaved(
            settings=merged_document(row["settings"]),
            version=row["version"],
            updated_at=row["updated_at"],
            sections_updated=names,
        )

    def sync(self, principal: Principal) -> SettingsSync:
        user_id = _user(principal)
        with transaction("app", user_id) as conn:
            row = _row(repo.get(conn, user_id))
        return SettingsSync(
            settings=merged_document(row["settings"]), version=row["version"], updated_at=row["updated_at"]
        )

    @staticmethod
    def _save(conn: repo.Conn, user_id: UUID, row: repo.Row, new: Document) -> repo.Row:
        if new == row["settings"]:
            return row  # nothing changed: same version, same ETag
        saved = repo.save(conn, user_id, new, row["version"])
        if saved is None:  # cannot happen while the row is locked; never overwrite silently if it does
            current = repo.get(conn, user_id)
            raise _stale(current["version"] if current else row["version"])
        return saved


def _in_order(document: Document) -> Document:
    return {name: document[name] for name in SECTIONS if name in document}


def _user(principal: Principal) -> UUID:
    assert principal.user_id is not None, "settings routes require authentication"
    return principal.user_id


def _row(row: repo.Row | None) -> repo.Row:
    if row is None:  # the row is created with the account; none means the account is gone
        raise InvalidToken("Account no longer exists")
    return row


def get_settings_service() -> SettingsService:
    return SettingsService()


def get_user_settings(user_id: UUID) -> Document:
    """The user's full settings document (defaults merged), for routes that enforce settings server-side
    (``advanced.desiredRetention``, ``session.dailyWordGoal``, ``privacy.*``, ``content.*`` defaults)."""
    with transaction("app", user_id) as conn:
        row = repo.get(conn, user_id)
    return merged_document(row["settings"] if row else {})
