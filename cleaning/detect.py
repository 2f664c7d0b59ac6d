"""Vectorised row rules: one polars pass over a chunk of residents (one district at a time).

The input frame has one row per resident (see ``scan.RESIDENT_COLUMNS``) with the address already
resolved (``address.resolve_addresses``). Identifier rules come from ``identifiers/``: the same
functions the record editor uses to validate a fix.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from cleaning.rules import ROW_RULES, Rule
from identifiers.cccd import CccdProblem, cccd_problem_exprs
from identifiers.facility_code import facility_code_invalid_expr
from identifiers.insurance import BhytProblem, bhxh_invalid_expr, bhyt_problem_exprs

FINDING_SCHEMA = {"rule_id": pl.String, "resident_id": pl.Int64, "details": pl.String}
DEFAULT_MANDATORY = ("full_name", "sex", "date_of_birth", "cccd", "bhxh_code", "address_text")


def _blank(column: str) -> pl.Expr:
    expr = pl.col(column)
    if column in ("date_of_birth",):
        return expr.is_null()
    return expr.cast(pl.String).str.strip_chars().fill_null("") == ""


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def rule_exprs(rules: dict[str, Rule], today: dt.date) -> dict[str, tuple[pl.Expr, pl.Expr]]:
    """rule id → (condition, details-as-JSON) for every row rule."""
    max_age = int(rules["impossible_date"].param("max_age", 120)) if "impossible_date" in rules else 120
    mandatory = (
        tuple(rules["missing_field"].param("fields", DEFAULT_MANDATORY))
        if "missing_field" in rules
        else DEFAULT_MANDATORY
    )
    dob = pl.col("date_of_birth")
    dob_future = (dob > pl.lit(today)).fill_null(False)
    dob_too_old = (dob < pl.lit(_years_before(today, max_age))).fill_null(False)
    record_before_birth = (pl.col("record_created_on") < dob).fill_null(False)
    death_before_birth = (pl.col("deceased_on") < dob).fill_null(False)
    dob_impossible = dob_future | dob_too_old

    # The CCCD can only be compared with a plausible date of birth (an impossible one is its own item).
    cccd = cccd_problem_exprs("cccd", "sex", pl.when(~dob_impossible).then(dob))
    has_cccd = ~_blank("cccd")
    bhxh_present = ~_blank("bhxh_code")
    bhxh_bad = bhxh_invalid_expr("bhxh_code")
    card_present = ~_blank("bhyt_card")
    bhyt = bhyt_problem_exprs("bhyt_card", pl.when(bhxh_present & ~bhxh_bad).then(pl.col("bhxh_code")))

    missing = [pl.when(_blank(name)).then(pl.lit(name)) for name in mandatory]
    missing_list = pl.concat_list(missing).list.drop_nulls()

    address_present = ~_blank("address_text")
    resolved = (pl.col("addr_province_code") == "01").fill_null(False) & pl.col(
        "addr_ward_code"
    ).is_not_null()
    active = (pl.col("record_status") == "active").fill_null(False)
    dead = pl.col("deceased_on").is_not_null() | pl.col("death_on").is_not_null()
    # Police events reach the record as resident_until (moved out or died) / deceased_on; the raw
    # events are read too, for changes not yet applied to the resident row.
    event_move_out = pl.col("move_out_on").is_not_null() & (
        pl.col("move_in_on").is_null() | (pl.col("move_in_on") < pl.col("move_out_on"))
    ).fill_null(False)
    moved_out = pl.col("resident_until").is_not_null() | event_move_out

    def details(**fields: pl.Expr) -> pl.Expr:
        return pl.struct(**fields).struct.json_encode()

    def problem(field: str, code: str) -> pl.Expr:
        return details(field=pl.lit(field), problem=pl.lit(code))

    date_problem = (
        pl.when(dob_future)
        .then(pl.lit("dob_future"))
        .when(dob_too_old)
        .then(pl.lit("age_over_max"))
        .when(record_before_birth)
        .then(pl.lit("record_before_birth"))
        .otherwise(pl.lit("death_before_birth"))
    )
    return {
        "cccd_format": (
            has_cccd & (cccd[CccdProblem.NOT_12_DIGITS] | cccd[CccdProblem.UNKNOWN_PROVINCE]),
            details(
                field=pl.lit("cccd"),
                problem=pl.when(cccd[CccdProblem.NOT_12_DIGITS])
                .then(pl.lit(CccdProblem.NOT_12_DIGITS.value))
                .otherwise(pl.lit(CccdProblem.UNKNOWN_PROVINCE.value)),
            ),
        ),
        "cccd_century_sex": (
            has_cccd & cccd[CccdProblem.CENTURY_SEX_MISMATCH],
            problem("cccd", CccdProblem.CENTURY_SEX_MISMATCH.value),
        ),
        "cccd_birth_year": (
            has_cccd & cccd[CccdProblem.BIRTH_YEAR_MISMATCH],
            problem("cccd", CccdProblem.BIRTH_YEAR_MISMATCH.value),
        ),
        "bhxh_format": (bhxh_present & bhxh_bad, problem("bhxh_code", "NOT_10_DIGITS")),
        "bhyt_format": (card_present & bhyt[BhytProblem.MALFORMED], problem("bhyt_card", "MALFORMED")),
        "bhyt_bhxh_mismatch": (
            card_present & bhyt[BhytProblem.BHXH_MISMATCH],
            problem("bhyt_card", BhytProblem.BHXH_MISMATCH.value),
        ),
        "missing_field": (missing_list.list.len() > 0, details(fields=missing_list)),
        "impossible_date": (
            dob_impossible | record_before_birth | death_before_birth,
            details(field=pl.lit("date_of_birth"), problem=date_problem),
        ),
        "address_unresolved": (address_present & ~resolved, problem("address_text", "UNRESOLVED")),
        "address_ward_mismatch": (
            address_present & resolved & (pl.col("addr_ward_code") != pl.col("ward_code")).fill_null(False),
            details(
                field=pl.lit("address_text"),
                problem=pl.lit("OTHER_WARD"),
                address_ward_code=pl.col("addr_ward_code"),
                record_ward_code=pl.col("ward_code"),
            ),
        ),
        "verification_mismatch": (
            (pl.col("verification_status") == "mismatch").fill_null(False),
            details(field=pl.col("mismatch_field"), reason=pl.col("mismatch_reason")),
        ),
        "deceased_active": (
            active & dead,
            details(
                problem=pl.lit("DECEASED"),
                occurred_on=pl.coalesce(pl.col("death_on"), pl.col("deceased_on")).cast(pl.String),
            ),
        ),
        "moved_out_active": (
            active & ~dead & moved_out,
            details(
                problem=pl.lit("MOVED_OUT"),
                occurred_on=pl.coalesce(pl.col("resident_until"), pl.col("move_out_on")).cast(pl.String),
            ),
        ),
        "invalid_facility_code": (
            pl.col("facility_code").is_not_null() & facility_code_invalid_expr("facility_code"),
            problem("facility_id", "INVALID_MA_CSKCB"),
        ),
    }


def detect_row_rules(frame: pl.DataFrame, rules: dict[str, Rule], today: dt.date) -> pl.DataFrame:
    """One row per (rule, resident) raised by the enabled row rules."""
    exprs = rule_exprs(rules, today)
    enabled = [rule_id for rule_id in ROW_RULES if rule_id in rules and rules[rule_id].enabled]
    if frame.height == 0 or not enabled:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    flagged = frame.select(
        pl.col("resident_id").cast(pl.Int64),
        *[exprs[rule_id][0].alias(f"hit:{rule_id}") for rule_id in enabled],
        *[exprs[rule_id][1].alias(f"det:{rule_id}") for rule_id in enabled],
    )
    parts = [
        flagged.filter(pl.col(f"hit:{rule_id}")).select(
            pl.lit(rule_id).alias("rule_id"), "resident_id", pl.col(f"det:{rule_id}").alias("details")
        )
        for rule_id in enabled
    ]
    return pl.concat(parts).cast(FINDING_SCHEMA)


def check_resident(values: dict, rules: dict[str, Rule], today: dt.date) -> dict[str, str]:
    """The row rules a single resident (as a dict of the frame's columns) breaks: rule id → details.

    Used to validate a fix before it is saved: the same expressions as the scan.
    """
    from cleaning.address import resolve_addresses
    from cleaning.scan import RESIDENT_SCHEMA

    row = {name: values.get(name) for name in RESIDENT_SCHEMA}
    row["resident_id"] = row.get("resident_id") or 0
    frame = resolve_addresses(pl.DataFrame([row], schema=RESIDENT_SCHEMA))
    found = detect_row_rules(frame, rules, today)
    return dict(zip(found["rule_id"], found["details"], strict=True))
