"""Probable duplicate people, with blocking so it scales and a per-field explanation per pair.

Blocking (inside one district, where the seed and real data put nearly all duplicates):
  * date of birth with day and month sorted, and sex — catches identical and day/month-swapped dates;
  * folded name (no diacritics, lower case) + birth year — catches the rest of the name matches;
  * the CCCD itself (same-CCCD pairs of any name, date or sex).
Candidate pairs are then scored with rapidfuzz on the folded names; a pair is raised when the CCCD
is the same, or when sex agrees, names are near-identical (spelling variants allowed), the date of
birth agrees (or has day/month swapped) and the wards are the same or neighbouring.
Same-CCCD pairs across districts are found separately by one SQL group-by (``same_cccd_pairs``).
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterable

import polars as pl
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist

from cleaning.text import folded_expr, normalised_expr

PAIR_SCHEMA = {
    "resident_id": pl.Int64,
    "other_resident_id": pl.Int64,
    "score": pl.Float64,
    "details": pl.String,
}
NAME_GATE = 0.88  # folded-name similarity below this is never the same person here
MAX_BLOCK = 400  # a block larger than this (e.g. blank names) is skipped: it cannot be a real match
WEIGHTS = {"name": 0.45, "dob": 0.30, "sex": 0.10, "ward": 0.15}
DOB_SCORES = {"exact": 1.0, "swapped": 0.9, "same_year": 0.3, "different": 0.0, "missing": 0.5}
WARD_SCORES = {"same": 1.0, "neighbour": 0.8, "other": 0.2}


def neighbour_pairs(wards: pl.DataFrame, max_km: float = 2.5, nearest: int = 6) -> set[tuple[int, int]]:
    """Ward pairs (both orders) of the same district that count as neighbours: centres within
    ``max_km``, among each other's ``nearest`` wards, or next to each other in GSO code order (codes
    are numbered along the ground). ``wards``: id, district_id, latitude, longitude[, code]."""
    result: set[tuple[int, int]] = set()
    by_district: dict[int, list[dict]] = {}
    for row in wards.rows(named=True):
        by_district.setdefault(row["district_id"], []).append(row)
    for members in by_district.values():
        if "code" in wards.columns:
            ordered = sorted(members, key=lambda r: r["code"] or "")
            for a, b in itertools.pairwise(ordered):
                result.update({(a["id"], b["id"]), (b["id"], a["id"])})
            if len(ordered) > 2:
                first, last = ordered[0]["id"], ordered[-1]["id"]
                result.update({(first, last), (last, first)})
        located = [r for r in members if r["latitude"] is not None and r["longitude"] is not None]
        for a in located:
            distances = sorted(
                (_km(a["latitude"], a["longitude"], b["latitude"], b["longitude"]), b["id"])
                for b in located
                if b["id"] != a["id"]
            )
            for rank, (distance, other) in enumerate(distances):
                if distance <= max_km or rank < nearest:
                    result.add((a["id"], other))
                    result.add((other, a["id"]))
    return result


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(dlat, dlon)


def _with_keys(frame: pl.DataFrame) -> pl.DataFrame:
    names = frame.select(pl.col("full_name").unique().drop_nulls())
    lookup = names.with_columns(
        name_norm=normalised_expr("full_name").fill_null(""), name_fold=folded_expr("full_name")
    )
    dob = pl.col("date_of_birth")
    day, month = dob.dt.day(), dob.dt.month()
    return (
        frame.select(
            "resident_id",
            "cccd",
            pl.col("bhxh_code")
            if "bhxh_code" in frame.columns
            else pl.lit(None, dtype=pl.String).alias("bhxh_code"),
            "full_name",
            "sex",
            "date_of_birth",
            "ward_id",
        )
        .join(lookup, on="full_name", how="left")
        .with_columns(
            pl.col("name_fold").fill_null(""),
            pl.col("name_norm").fill_null(""),
            birth_year=dob.dt.year(),
            dob_key=pl.when(dob.is_not_null()).then(
                pl.format(
                    "{}-{}-{}-{}",
                    dob.dt.year(),
                    pl.min_horizontal(day, month),
                    pl.max_horizontal(day, month),
                    pl.col("sex").fill_null("?"),
                )
            ),
        )
    )


def _self_join(keyed: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    usable = keyed.drop_nulls(key).filter(pl.col("name_fold") != "")
    sizes = usable.group_by(key).len()
    usable = usable.join(sizes.filter(pl.col("len").is_between(2, MAX_BLOCK)).drop("len"), on=key)
    left = usable.select([*key, pl.col("resident_id").alias("a")])
    right = usable.select([*key, pl.col("resident_id").alias("b")])
    return left.join(right, on=key).filter(pl.col("a") < pl.col("b")).select("a", "b")


def candidate_pairs(keyed: pl.DataFrame) -> pl.DataFrame:
    with_cccd = keyed.filter(pl.col("cccd").str.strip_chars().fill_null("") != "").with_columns(
        name_fold=pl.lit("x")
    )
    return pl.concat(
        [
            _self_join(keyed, ["dob_key"]),
            _self_join(keyed, ["name_fold", "birth_year"]),
            _self_join(with_cccd, ["cccd"]),
        ]
    ).unique()


def score_pairs(
    frame: pl.DataFrame,
    neighbours: set[tuple[int, int]],
    threshold: float = 0.85,
    extra_pairs: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Probable duplicates in ``frame`` (columns: resident_id, cccd, full_name, sex, date_of_birth,
    ward_id) as ``PAIR_SCHEMA`` rows. ``extra_pairs`` (a, b): pairs to score even if no block has them."""
    if frame.height < 2:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    keyed = _with_keys(frame)
    pairs = candidate_pairs(keyed)
    if extra_pairs is not None and extra_pairs.height:
        pairs = pl.concat(
            [pairs, extra_pairs.select(pl.col("a").cast(pl.Int64), pl.col("b").cast(pl.Int64))]
        ).unique()
    if pairs.height == 0:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    cols = ["resident_id", "cccd", "bhxh_code", "name_norm", "name_fold", "sex", "date_of_birth", "ward_id"]
    side = keyed.select(cols)
    joined = pairs.join(side.rename({c: f"{c}_a" for c in cols}), left_on="a", right_on="resident_id_a").join(
        side.rename({c: f"{c}_b" for c in cols}), left_on="b", right_on="resident_id_b"
    )
    # Identifiers: only well-formed values count (a truncated number shared by chance proves nothing).
    # Each person has one BHXH code for life, so two valid codes that differ mean two people.
    same_cccd = (pl.col("cccd_a") == pl.col("cccd_b")).fill_null(False) & pl.col("cccd_a").str.contains(
        r"^[0-9]{12}$"
    ).fill_null(False)
    bhxh_valid_a = pl.col("bhxh_code_a").str.contains(r"^[0-9]{10}$").fill_null(False)
    bhxh_valid_b = pl.col("bhxh_code_b").str.contains(r"^[0-9]{10}$").fill_null(False)
    bhxh_differs = bhxh_valid_a & bhxh_valid_b & (pl.col("bhxh_code_a") != pl.col("bhxh_code_b"))
    joined = joined.with_columns(same_cccd=same_cccd)
    # Cheap vectorised gates before the string metric: same CCCD, or same sex + date of birth equal or
    # day/month-swapped + same or neighbouring ward.
    da, db = pl.col("date_of_birth_a"), pl.col("date_of_birth_b")
    dob_ok = (da == db) | (
        (da.dt.year() == db.dt.year()) & (da.dt.day() == db.dt.month()) & (da.dt.month() == db.dt.day())
    )
    neighbour_frame = pl.DataFrame(
        sorted(neighbours), schema={"ward_id_a": pl.Int64, "ward_id_b": pl.Int64}, orient="row"
    ).with_columns(is_neighbour=pl.lit(True))
    joined = joined.with_columns(pl.col("ward_id_a").cast(pl.Int64), pl.col("ward_id_b").cast(pl.Int64)).join(
        neighbour_frame, on=["ward_id_a", "ward_id_b"], how="left"
    )
    ward_ok = (pl.col("ward_id_a") == pl.col("ward_id_b")) | pl.col("is_neighbour").fill_null(False)
    sex_ok = (pl.col("sex_a") == pl.col("sex_b")).fill_null(False)
    joined = joined.filter(pl.col("same_cccd") | (sex_ok & dob_ok.fill_null(False) & ward_ok & ~bhxh_differs))
    if joined.height == 0:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    similarity = cpdist(
        joined.get_column("name_fold_a").to_list(),
        joined.get_column("name_fold_b").to_list(),
        scorer=fuzz.ratio,
        workers=1,
    )
    joined = joined.with_columns(name_sim=pl.Series(similarity, dtype=pl.Float64) / 100.0).filter(
        pl.col("same_cccd") | (pl.col("name_sim") >= NAME_GATE)
    )
    result = []
    for row in joined.iter_rows(named=True):
        explained = explain_pair(row, neighbours)
        if explained is None:
            continue
        score, details = explained
        if row["same_cccd"] or score >= threshold:
            result.append((row["a"], row["b"], round(score, 4), json.dumps(details, ensure_ascii=False)))
    return pl.DataFrame(result, schema=PAIR_SCHEMA, orient="row")


def _dob_agreement(a, b) -> str:
    if a is None or b is None:
        return "missing"
    if a == b:
        return "exact"
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return "swapped"
    if a.year == b.year:
        return "same_year"
    return "different"


_CCCD = re.compile(r"[0-9]{12}")
_BHXH = re.compile(r"[0-9]{10}")


def _identifier_agreement(a: str | None, b: str | None, pattern: re.Pattern) -> str:
    """same / different (both well-formed) / unusable (one missing or malformed: proves nothing)."""
    if not (a and b and pattern.fullmatch(a) and pattern.fullmatch(b)):
        return "unusable"
    return "same" if a == b else "different"


def _same_person(name: str, dob: str, ward: str, cccd: str, bhxh: str) -> bool:
    """The decision, identifiers first (each person has one CCCD and one BHXH code for life).

    * same CCCD: a duplicate if anything else corroborates it (name, birth date or BHXH code) —
      otherwise it is an identifier conflict between two people, which the CCCD rules report;
    * two valid BHXH codes that differ: two people;
    * otherwise name, birth date (or day/month swapped) and ward (same or neighbouring) must agree,
      and when the two CCCDs are valid but different with no BHXH code to settle it, only an exact
      match (name, birth date, ward) is enough.
    """
    quasi_ok = name != "different" and dob in ("exact", "swapped") and ward != "other"
    if cccd == "same":
        return name != "different" or dob in ("exact", "swapped") or bhxh == "same"
    if bhxh == "different" or not quasi_ok:
        return False
    if bhxh == "same" or cccd == "unusable":
        return True
    return name in ("exact", "no_diacritics") and dob == "exact" and ward == "same"


def explain_pair(row: dict, neighbours: set[tuple[int, int]]) -> tuple[float, dict] | None:
    """(score, per-field explanation) of one candidate pair, None when it cannot be the same person."""
    name_sim = row["name_sim"]
    if row["name_norm_a"] == row["name_norm_b"]:
        name = "exact"
    elif row["name_fold_a"] == row["name_fold_b"]:
        name = "no_diacritics"
    elif name_sim >= NAME_GATE:
        name = "similar"
    else:
        name = "different"
    dob = _dob_agreement(row["date_of_birth_a"], row["date_of_birth_b"])
    if row["ward_id_a"] == row["ward_id_b"]:
        ward = "same"
    elif (row["ward_id_a"], row["ward_id_b"]) in neighbours:
        ward = "neighbour"
    else:
        ward = "other"
    sex = "same" if row["sex_a"] == row["sex_b"] else "different"
    bhxh = _identifier_agreement(row["bhxh_code_a"], row["bhxh_code_b"], _BHXH)
    cccd = "same" if row["same_cccd"] else _identifier_agreement(row["cccd_a"], row["cccd_b"], _CCCD)
    if not _same_person(name, dob, ward, cccd, bhxh):
        return None
    score = (
        WEIGHTS["name"] * (1.0 if name in ("exact", "no_diacritics") else name_sim)
        + WEIGHTS["dob"] * DOB_SCORES[dob]
        + WEIGHTS["sex"] * (1.0 if sex == "same" else 0.0)
        + WEIGHTS["ward"] * WARD_SCORES[ward]
    )
    if cccd == "same":
        score = max(score, 0.99)
    if cccd == "same":
        variation = "same_cccd"
    elif dob == "swapped":
        variation = "swapped_dob"
    elif name == "no_diacritics":
        variation = "no_diacritics"
    elif name == "similar":
        variation = "spelling"
    else:
        variation = "other_cccd"
    details = {
        "variation": variation,
        "fields": {
            "full_name": {"agreement": name, "similarity": round(name_sim, 3)},
            "date_of_birth": {"agreement": dob},
            "sex": {"agreement": sex},
            "ward": {"agreement": ward},
            "cccd": {"agreement": cccd},
            "bhxh_code": {"agreement": bhxh},
        },
    }
    return score, details


def pairs_from_rows(rows: Iterable[tuple[int, int]]) -> pl.DataFrame:
    data = [(min(a, b), max(a, b)) for a, b in rows if a != b]
    return pl.DataFrame(data, schema={"a": pl.Int64, "b": pl.Int64}, orient="row").unique()
