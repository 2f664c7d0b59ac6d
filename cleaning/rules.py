"""Rules are data: ``cleaning/rules.toml`` seeds the ``cleaning_rule`` table, which the city
administrator then edits in the application (texts, severity, on/off, parameters)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from data_access.models import CleaningRule
from data_access.types import utcnow

RULES_FILE = Path(__file__).with_name("rules.toml")

# Rule ids the detectors implement. A rule in the table that is not here is ignored by the scan.
ROW_RULES = (
    "cccd_format",
    "cccd_century_sex",
    "cccd_birth_year",
    "bhxh_format",
    "bhyt_format",
    "bhyt_bhxh_mismatch",
    "missing_field",
    "impossible_date",
    "address_unresolved",
    "address_ward_mismatch",
    "verification_mismatch",
    "deceased_active",
    "moved_out_active",
    "invalid_facility_code",
)
# The row rules that judge a resident's own fields, so a field fix can satisfy them (the others
# depend on the population database, police events or facility codes).
FIELD_RULES = frozenset(ROW_RULES) - {
    "verification_mismatch",
    "deceased_active",
    "moved_out_active",
    "invalid_facility_code",
}
DUPLICATE_RULE = "duplicate"
ALL_RULES = (*ROW_RULES, DUPLICATE_RULE)

EDITABLE_FIELDS = (
    "name_vi",
    "name_en",
    "explanation_vi",
    "explanation_en",
    "suggested_fix_vi",
    "suggested_fix_en",
    "severity",
    "enabled",
    "standardisation",
    "params",
)


@dataclass(frozen=True)
class Rule:
    id: str
    name_vi: str
    name_en: str
    explanation_vi: str
    suggested_fix_vi: str
    explanation_en: str | None = None
    suggested_fix_en: str | None = None
    severity: int = 2
    enabled: bool = True
    standardisation: bool = False
    params: dict = field(default_factory=dict)

    def param(self, name: str, default):
        return (self.params or {}).get(name, default)


class ParamsError(ValueError):
    """A rule parameter the detectors cannot use. ``reason``: ``none`` (the rule takes no parameter),
    ``unknown`` (``expected`` lists its parameters), ``type`` (``expected`` names the kind) or
    ``object`` (the parameters are not a JSON object)."""

    def __init__(self, name: str, reason: str, expected: str = "") -> None:
        super().__init__(f"parameter {name!r}: {reason} {expected}".strip())
        self.name, self.reason, self.expected = name, reason, expected


def checked_params(rule_id: str, params: dict | None) -> dict | None:
    """``params`` if every key is one the rules file gives ``rule_id`` and each value has that
    default's type (an int passes for a decimal; a list must hold the same type); else ParamsError.
    The scan reads them as ``float(...)``/``int(...)``: a wrong type would stop it for the whole city."""
    if params is not None and not isinstance(params, dict):
        raise ParamsError("", "object")
    defaults = _file_params().get(rule_id, {})
    for name, value in (params or {}).items():
        if not defaults:
            raise ParamsError(name, "none")
        if name not in defaults:
            raise ParamsError(name, "unknown", ", ".join(sorted(defaults)))
        if not _same_kind(value, defaults[name]):
            raise ParamsError(name, "type", _kind(defaults[name]))
    return params or None


@cache
def _file_params() -> dict[str, dict]:
    return {rule_id: rule.params for rule_id, rule in load_rules_file().items()}


def _same_kind(value, default) -> bool:
    if isinstance(default, list):
        if not isinstance(value, list):
            return False
        return not default or all(_same_kind(item, default[0]) for item in value)
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))


def _kind(default) -> str:
    """The kind of value a default asks for: boolean, integer, number, text, text_list or list."""
    if isinstance(default, list):
        return "text_list" if default and isinstance(default[0], str) else "list"
    return {bool: "boolean", int: "integer", float: "number", str: "text"}.get(type(default), "text")


def load_rules_file(path: Path = RULES_FILE) -> dict[str, Rule]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    rules = {}
    for rule_id, spec in data["rules"].items():
        unknown = set(spec) - set(EDITABLE_FIELDS)
        if unknown:
            raise ValueError(f"{path.name}: rule {rule_id}: unknown keys {sorted(unknown)}")
        rules[rule_id] = Rule(id=rule_id, **spec)
    return rules


def sync_rules(connection: Connection, path: Path = RULES_FILE, overwrite: bool = False) -> list[str]:
    """Insert rules the table lacks (``overwrite``: also reset existing ones to the file). Returns ids."""
    existing = set(connection.scalars(select(CleaningRule.id)))
    changed = []
    table = CleaningRule.__table__
    for rule in load_rules_file(path).values():
        values = {name: getattr(rule, name) for name in EDITABLE_FIELDS}
        values["params"] = rule.params or None
        if rule.id not in existing:
            connection.execute(table.insert().values(id=rule.id, **values))
            changed.append(rule.id)
        elif overwrite:
            connection.execute(
                table.update().where(table.c.id == rule.id).values(**values, updated_at=utcnow())
            )
            changed.append(rule.id)
    return changed


def load_rules(connection: Connection) -> dict[str, Rule]:
    """The rules as the administrator has set them (the table), in id order."""
    rules = {}
    for row in connection.execute(select(CleaningRule).order_by(CleaningRule.id)).mappings():
        values = {name: row[name] for name in ("id", *EDITABLE_FIELDS)}
        values["params"] = values["params"] or {}
        rules[row["id"]] = Rule(**values)
    return rules


def ensure_rules(engine: Engine) -> dict[str, Rule]:
    with engine.begin() as connection:
        sync_rules(connection)
        return load_rules(connection)
