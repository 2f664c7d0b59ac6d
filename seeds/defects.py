"""Data-quality problems injected into the synthetic city, with their ground-truth labels.

The labels (`truth_defect.defect`) are the cleaning rule ids. Two promises make the labels usable
as a benchmark: every injected problem is labelled, and an injection never creates a second,
unlabelled problem — defects that would interact (two edits of the same CCCD, a changed birth year
under an unchanged CCCD, a malformed BHXH code under a card that embeds it …) are drawn from
mutually exclusive pools or keep the other fields consistent. Duplicate people are labelled in
`truth_duplicate` and kept free of identity defects so each pair shows exactly its variation.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from seeds.names import strip_diacritics
from seeds.scenario import NA, ROLLOUT_START, day

# Share of all resident rows that get each injected defect.
DEFECT_RATES: dict[str, float] = {
    "cccd_format": 0.003,
    "cccd_century_sex": 0.0025,
    "cccd_birth_year": 0.0025,
    "impossible_date": 0.0015,
    "missing:cccd": 0.001,
    "missing:date_of_birth": 0.001,
    "bhxh_format": 0.002,
    "bhyt_format": 0.0025,
    "bhyt_bhxh_mismatch": 0.0025,
    "missing:bhxh_code": 0.0008,
    "address_unresolved": 0.003,
    "address_ward_mismatch": 0.004,
    "missing:address_text": 0.0015,
    "missing:full_name": 0.0007,
}
DUPLICATE_VARIATIONS = (
    ("same_cccd", 0.30),
    ("no_diacritics", 0.20),
    ("spelling", 0.20),
    ("swapped_dob", 0.15),
    ("other_cccd", 0.15),
)
OLD_CMND_SHARE = 0.3  # of other_cccd duplicates: the 9-digit ID card number instead of the CCCD

# Not BHYT beneficiary groups (see identifiers.insurance.BHYT_GROUPS); a test keeps it that way.
INVALID_BHYT_GROUPS = ("XX", "ZZ", "VN", "SV", "AB", "BH")
UNRESOLVED_ADDRESSES = (
    "Không rõ",
    "Chưa cập nhật",
    "Không có địa chỉ",
    "xxx",
    "Số 5 ngõ 3",
    ".",
    "Tổ 7",
    "Phường 5, Quận 3, TP Hồ Chí Minh",
    "Phường Lê Lợi, Thành phố Vinh, Nghệ An",
    "Xã Hải Bắc, Huyện Hải Hậu, Nam Định",
    "Phường Trần Phú, Thành phố Hà Tĩnh, Hà Tĩnh",
    "Thôn Đông, Xã Tiên Phong, Huyện Tiên Lữ, Hưng Yên",
    "Phường Thanh Bình, Thành phố Hải Dương, Hải Dương",
    "Xã Nghĩa Hưng, Huyện Lạng Giang, Bắc Giang",
    "Phường 2, Quận Tân Bình, TP Hồ Chí Minh",
    "Khu 3, Xã Thanh Sơn, Huyện Thanh Sơn, Phú Thọ",
    "Phường Ngọc Châu, Thành phố Hải Dương, Hải Dương",
)


# ---------------------------------------------------------------------------------------------
# Duplicate people
# ---------------------------------------------------------------------------------------------


@dataclass
class Duplicates:
    people: dict[str, np.ndarray]  # columns of the new rows
    names: pl.Series
    source: np.ndarray  # row index (before final ordering) of the original person
    target: np.ndarray  # row index of the duplicate row
    variation: list[str]
    cccd_overrides: dict[int, str]  # rows whose CCCD is not the integer key (old CMND numbers)
    extra_labels: list[tuple[int, str, str | None]]


def neighbour_wards(tables: dict) -> np.ndarray:
    """For each ward position, the next ward (by id) of the same district; itself if it is alone."""
    district = tables["district_id"]
    result = np.arange(district.size)
    for d in np.unique(district):
        members = np.flatnonzero(district == d)
        result[members] = np.roll(members, -1)
    return result


def misspell(name: str, u: float, v: float) -> str:
    """One realistic slip in a name: Ð for Đ, decomposed (NFD) text, a lost tone mark or a typo."""
    options = []
    if "Đ" in name:
        options.append(name.replace("Đ", "\u00d0", 1))
    if unicodedata.normalize("NFD", name) != name:
        options.append(unicodedata.normalize("NFD", name))
    words = name.split(" ")
    given = words[-1]
    marked = [i for i, ch in enumerate(given) if strip_diacritics(ch) != ch]
    if marked:
        i = marked[int(v * len(marked))]
        options.append(" ".join([*words[:-1], given[:i] + strip_diacritics(given[i]) + given[i + 1 :]]))
    if len(given) >= 3:
        i = 1 + int(v * (len(given) - 2))
        swapped = given[: i - 1] + given[i] + given[i - 1] + given[i + 1 :]
        if swapped != given:
            options.append(" ".join([*words[:-1], swapped]))
    options.append(" ".join([*words[:-1], given + given[-1]]))
    return options[int(u * len(options))]


def _name_variant(kind: str, name: str, u: float, v: float) -> str:
    if kind == "no_diacritics":
        return strip_diacritics(name)
    if kind == "spelling":
        return misspell(name, u, v)
    if kind == "same_cccd":
        if u < 0.3:
            return name.upper()
        if u < 0.6:
            return name.replace(" ", "  ", 1) if v < 0.5 else name + " "
    return name


def make_duplicates(
    rng: np.random.Generator,
    people: dict[str, np.ndarray],
    names: pl.Series,
    tables: dict,
    n_dup: int,
    today_d: int,
) -> Duplicates:
    from seeds.population import resolve_unique

    n = people["dob"].size
    kinds = [k for k, _ in DUPLICATE_VARIATIONS]
    kind = rng.choice(len(kinds), size=n_dup, p=[p for _, p in DUPLICATE_VARIATIONS])
    candidates = (
        rng.choice(n, size=min(n, 3 * n_dup), replace=False) if n_dup else np.zeros(0, dtype=np.int64)
    )
    # Day/month of the candidates only: date arithmetic over millions of rows is not free.
    dob_dates = people["dob"][candidates].astype("datetime64[D]")
    dd = (dob_dates - dob_dates.astype("datetime64[M]")).astype(np.int64) + 1
    mm = dob_dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    swapped_dob = (
        (dob_dates.astype("datetime64[Y]").astype("datetime64[M]") + (dd - 1)).astype("datetime64[D]")
        + (mm - 1)
    ).astype(np.int64)
    # Swapping must give another real date that is not in the future (else it is a second defect).
    ok = (dd <= 12) & (dd != mm) & (swapped_dob <= today_d)
    swapped_all = np.zeros(n, dtype=np.int64)
    swapped_all[candidates] = swapped_dob
    swappable = np.zeros(n, dtype=bool)
    swappable[candidates] = ok

    # Distinct sources: a person duplicated twice would make an unlabelled third pair.
    swap_rows = np.flatnonzero(kind == kinds.index("swapped_dob"))
    elig = candidates[swappable[candidates]]
    other = candidates[~swappable[candidates]]
    source = np.empty(n_dup, dtype=np.int64)
    take = min(swap_rows.size, elig.size)
    source[swap_rows[:take]] = elig[:take]
    kind[swap_rows[take:]] = kinds.index("same_cccd")
    rest = np.setdiff1d(np.arange(n_dup), swap_rows[:take])
    pool = np.concatenate([other, elig[take:]])
    source[rest] = pool[: rest.size]

    dup = {key: value[source].copy() for key, value in people.items()}
    neighbour = neighbour_wards(tables)
    dup["ward_pos"] = np.where(rng.random(n_dup) < 0.5, dup["ward_pos"], neighbour[dup["ward_pos"]])

    swap = kind == kinds.index("swapped_dob")
    dup["dob"] = np.where(swap, swapped_all[source], dup["dob"])

    target = n + np.arange(n_dup)
    other_rows = np.flatnonzero(kind == kinds.index("other_cccd"))
    cmnd = other_rows[rng.random(other_rows.size) < OLD_CMND_SHARE]
    renumbered = np.setdiff1d(other_rows, cmnd)
    if renumbered.size:
        keys = np.concatenate([people["cccd_key"], dup["cccd_key"][renumbered]])
        mutable = np.zeros(keys.size, dtype=bool)
        mutable[n:] = True
        keys[n:] = keys[n:] - keys[n:] % 1_000_000 + rng.integers(0, 1_000_000, renumbered.size)
        dup["cccd_key"][renumbered] = resolve_unique(rng, keys, 1_000_000, mutable)[n:]
    cmnd_numbers = rng.integers(10_000_000, 200_000_000, cmnd.size)
    overrides = {int(target[i]): f"{num:09d}" for i, num in zip(cmnd, cmnd_numbers, strict=True)}
    extra = [(int(target[i]), "cccd_format", "cccd") for i in cmnd]

    u, v = rng.random(n_dup), rng.random(n_dup)
    base = names.gather(source).to_list()
    dup_names = [_name_variant(kinds[k], name, a, b) for k, name, a, b in zip(kind, base, u, v, strict=True)]
    return Duplicates(
        people=dup,
        names=pl.Series(dup_names, dtype=pl.String),
        source=source,
        target=target,
        variation=[kinds[k] for k in kind],
        cccd_overrides=overrides,
        extra_labels=extra,
    )


# ---------------------------------------------------------------------------------------------
# Row defects
# ---------------------------------------------------------------------------------------------


@dataclass
class Injected:
    residents: pl.DataFrame
    labels: list[tuple[int, str, str | None]]  # (row index, defect, field)
    unstandardised: np.ndarray  # rows whose record cannot pass standardisation


def _pick(rng: np.random.Generator, eligible: np.ndarray, k: int) -> np.ndarray:
    """k distinct eligible row indices, fast even when rows number in millions."""
    idx = np.flatnonzero(eligible)
    if k <= 0 or idx.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.choice(idx, size=min(k, idx.size), replace=False))


def _replace_digit(rng: np.random.Generator, text: str, low: int, high: int) -> str:
    i = int(rng.integers(low, high))
    return text[:i] + str((int(text[i]) + int(rng.integers(1, 10))) % 10) + text[i + 1 :]


def _broken_cccd(rng: np.random.Generator, value: str) -> str:
    kind = int(rng.integers(0, 5))
    i = int(rng.integers(0, 12))
    if kind == 0:
        return value[:i] + value[i + 1 :]  # a digit lost: 11 digits
    if kind == 1:
        return value[:i] + "OIlB"[int(rng.integers(0, 4))] + value[i + 1 :]  # look-alike letter
    if kind == 2:
        return f"{value[:3]} {value[3:6]} {value[6:]}"  # typed in groups
    if kind == 3:
        return value + str(int(rng.integers(0, 10)))  # 13 digits
    return value[3:]  # province prefix dropped: 9 digits, like an old CMND


def _century_sex_flip(rng: np.random.Generator, value: str) -> str:
    digit = int(value[3])
    # Mostly the sex bit; otherwise 1900s <-> 2000s for the same sex.
    new = digit ^ 1 if rng.random() < 0.7 else (digit + 2 if digit < 2 else digit - 2)
    return value[:3] + str(new) + value[4:]


def _birth_year_shift(rng: np.random.Generator, value: str) -> str:
    shift = int(rng.integers(1, 10)) * (1 if rng.random() < 0.5 else -1)
    return value[:4] + f"{(int(value[4:6]) + shift) % 100:02d}" + value[6:]


def _broken_bhxh(rng: np.random.Generator, value: str) -> str:
    kind = int(rng.integers(0, 4))
    i = int(rng.integers(0, 10))
    if kind == 0:
        return value[:i] + value[i + 1 :]
    if kind == 1:
        return value + str(int(rng.integers(0, 10)))
    if kind == 2:
        return value[:i] + "O" + value[i + 1 :]
    return f"{value[:2]} {value[2:]}"


def _broken_card(rng: np.random.Generator, card: str) -> str:
    """Malformed, but still ending with the resident's BHXH code (so no mismatch is implied)."""
    if len(card) == 10:
        return ("TE", "01", "HS4", "K")[int(rng.integers(0, 4))] + card
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return INVALID_BHYT_GROUPS[int(rng.integers(0, len(INVALID_BHYT_GROUPS)))] + card[2:]
    if kind == 1:
        return card[:2].lower() + card[2:]
    if kind == 2:
        return card[:2] + "06789"[int(rng.integers(0, 5))] + card[3:]
    return card[:3] + ("00", "99")[int(rng.integers(0, 2))] + card[5:]


def inject_defects(
    rng: np.random.Generator,
    residents: pl.DataFrame,
    people: dict[str, np.ndarray],
    rec: dict[str, np.ndarray],
    dup_members: np.ndarray,
    tables: dict,
    today_d: int,
    make_address: Callable[[np.random.Generator, np.ndarray, dict], pl.Series],
) -> Injected:
    n = residents.height
    k = {name: round(rate * n) for name, rate in DEFECT_RATES.items()}
    labels: list[tuple[int, str, str | None]] = []
    columns: dict[str, pl.Series] = {
        c: residents[c] for c in ("cccd", "bhxh_code", "bhyt_card", "address_text", "full_name")
    }
    dob = people["dob"].copy()
    dob_null = np.zeros(n, dtype=bool)

    def edit(column: str, rows: np.ndarray, fn: Callable[[str], str | None]) -> None:
        if rows.size:
            values = [fn(x) for x in columns[column].gather(rows).to_list()]
            columns[column] = columns[column].scatter(rows, pl.Series(values, dtype=pl.String))

    def label(rows: np.ndarray, defect: str, fld: str | None) -> None:
        labels.extend((int(i), defect, fld) for i in rows)

    # Identity pool — at most one of these per row; duplicate pairs stay clean.
    free = ~dup_members.copy()

    def take(key: str, extra: np.ndarray | None = None) -> np.ndarray:
        rows = _pick(rng, free if extra is None else free & extra, k[key])
        free[rows] = False
        return rows

    rows = take("cccd_format")
    edit("cccd", rows, lambda x: _broken_cccd(rng, x))
    label(rows, "cccd_format", "cccd")
    rows = take("cccd_century_sex")
    edit("cccd", rows, lambda x: _century_sex_flip(rng, x))
    label(rows, "cccd_century_sex", "cccd")
    rows = take("cccd_birth_year")
    edit("cccd", rows, lambda x: _birth_year_shift(rng, x))
    label(rows, "cccd_birth_year", "cccd")

    dob, impossible, renumbered, new_cccd = _impossible_dates(
        rng, dob, rec, people, free, k["impossible_date"], today_d
    )
    free[impossible] = False
    if renumbered.size:
        columns["cccd"] = columns["cccd"].scatter(renumbered, pl.Series(new_cccd, dtype=pl.String))
    label(impossible, "impossible_date", "date_of_birth")

    rows = take("missing:cccd")
    edit("cccd", rows, lambda _: None)
    label(rows, "missing_field", "cccd")
    rows = take("missing:date_of_birth")
    dob_null[rows] = True
    label(rows, "missing_field", "date_of_birth")
    identity_rows = ~free & ~dup_members

    # Insurance pool. A malformed BHXH code would also break the card that embeds it, so only
    # uninsured people (no card) get one; card defects keep the embedded code where they should.
    free = np.ones(n, dtype=bool)
    uninsured = ~people["insured"]
    rows = take("bhxh_format", uninsured)
    edit("bhxh_code", rows, lambda x: _broken_bhxh(rng, x))
    label(rows, "bhxh_format", "bhxh_code")
    rows = take("missing:bhxh_code", uninsured)
    edit("bhxh_code", rows, lambda _: None)
    label(rows, "missing_field", "bhxh_code")
    rows = take("bhyt_format", people["insured"])
    edit("bhyt_card", rows, lambda x: _broken_card(rng, x))
    label(rows, "bhyt_format", "bhyt_card")
    rows = take("bhyt_bhxh_mismatch", people["insured"])
    edit("bhyt_card", rows, lambda x: x[:-10] + _replace_digit(rng, x[-10:], 2, 10))
    label(rows, "bhyt_bhxh_mismatch", "bhyt_card")
    insurance_rows = ~free

    free = np.ones(n, dtype=bool)
    rows = take("address_unresolved")
    edit(
        "address_text", rows, lambda _: UNRESOLVED_ADDRESSES[int(rng.integers(0, len(UNRESOLVED_ADDRESSES)))]
    )
    label(rows, "address_unresolved", "address_text")
    rows = take("address_ward_mismatch")
    if rows.size:
        own = people["ward_pos"][rows]
        other = neighbour_wards(tables)[own]
        # A district with a single ward: any other ward of the city will do.
        alone = other == own
        other = np.where(
            alone, (own + 1 + rng.integers(0, max(own.size, 1), own.size)) % tables["ward_id"].size, other
        )
        other = np.where(other == own, (own + 1) % tables["ward_id"].size, other)
        columns["address_text"] = columns["address_text"].scatter(rows, make_address(rng, other, tables))
    label(rows, "address_ward_mismatch", "address_text")
    rows = take("missing:address_text")
    edit("address_text", rows, lambda _: None)
    label(rows, "missing_field", "address_text")
    address_rows = ~free

    free = ~dup_members.copy()
    rows = take("missing:full_name")
    edit("full_name", rows, lambda _: "")
    label(rows, "missing_field", "full_name")

    dob_series = pl.Series(np.where(dob_null, int(NA), dob).astype(np.int32))
    out = residents.with_columns(
        *[s.alias(c) for c, s in columns.items()],
        pl.when(dob_series == int(NA)).then(None).otherwise(dob_series).cast(pl.Date).alias("date_of_birth"),
    )
    return Injected(
        residents=out, labels=labels, unstandardised=identity_rows | insurance_rows | address_rows | ~free
    )


def _impossible_dates(
    rng: np.random.Generator,
    dob: np.ndarray,
    rec: dict[str, np.ndarray],
    people: dict[str, np.ndarray],
    free: np.ndarray,
    k: int,
    today_d: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Future births, ages over 120 and records older than the person — each with a CCCD that still
    agrees with the stored birth year, so only the date itself is wrong."""
    from seeds.population import cccd_key, resolve_unique

    today = date(1970, 1, 1) + np.timedelta64(today_d, "D").astype(object)
    year_end = day(date(today.year, 12, 31))
    year_start = day(date(today.year, 1, 1))
    # A birth later this year than today (same year, so the CCCD year digits still agree).
    future_ok = free & (dob >= year_start) & (today_d < year_end)
    future = _pick(rng, future_ok, k // 4)
    dob[future] = today_d + 1 + np.floor(rng.random(future.size) * (year_end - today_d)).astype(np.int64)
    taken = np.zeros(dob.size, dtype=bool)
    taken[future] = True

    # A newborn whose birth date was keyed after the record's creation date (same year).
    dob_year_end = (dob.astype("datetime64[D]").astype("datetime64[Y]") + 1).astype("datetime64[D]").astype(
        np.int64
    ) - 1
    created = rec["created_on"]
    room = np.minimum(np.minimum(dob_year_end, today_d), created + 30) - created
    before_ok = (
        free & ~taken & rec["has_record"] & (dob >= day(ROLLOUT_START)) & (created >= dob) & (room >= 1)
    )
    before = _pick(rng, before_ok, k // 3)
    dob[before] = created[before] + 1 + np.floor(rng.random(before.size) * room[before]).astype(np.int64)
    taken[before] = True

    # Over 120: a 19xx birth date, with CCCD digits rewritten to match it.
    old = _pick(rng, free & ~taken, k - future.size - before.size)
    last_year = today.year - 121
    old_dob = day(date(1900, 1, 1)) + np.floor(
        rng.random(old.size) * (day(date(last_year, 12, 31)) - day(date(1900, 1, 1)) + 1)
    ).astype(np.int64)
    dob[old] = old_dob
    years = old_dob.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    keys = cccd_key(
        people["province"][old], years, people["is_female"][old], rng.integers(0, 1_000_000, old.size)
    )
    keys = resolve_unique(rng, keys, 1_000_000, np.ones(old.size, dtype=bool))

    return dob, np.sort(np.concatenate([future, before, old])), old, [f"{key:012d}" for key in keys]


def truth_defect_frame(
    labels: list[tuple[int, str, str | None]], records: pl.DataFrame, residents: pl.DataFrame
) -> pl.DataFrame:
    """Injected labels plus the ones the scenario produces (mismatched verifications, records left
    active after a death or a move out reported by the police)."""
    injected = pl.DataFrame(
        {
            "resident_id": [i + 1 for i, _, _ in labels],
            "defect": [d for _, d, _ in labels],
            "field": [f for _, _, f in labels],
        },
        schema={"resident_id": pl.Int64, "defect": pl.String, "field": pl.String},
    )
    mismatch = records.filter(pl.col("verification_status") == "mismatch").select(
        "resident_id",
        pl.lit("verification_mismatch").alias("defect"),
        pl.col("mismatch_field").alias("field"),
    )
    # Record rows are a subset of resident rows in the same order, so a gather replaces a join.
    rid = records["resident_id"].to_numpy() - 1
    active = (records["status"] == "active").to_numpy()
    until = residents["resident_until"].is_not_null().to_numpy()[rid]
    dead = residents["deceased_on"].is_not_null().to_numpy()[rid]
    extra = [
        pl.DataFrame({"resident_id": records["resident_id"].filter(pl.Series(mask))}).with_columns(
            pl.lit(name).alias("defect"), pl.lit("status").alias("field")
        )
        for name, mask in (("deceased_active", active & dead), ("moved_out_active", active & until & ~dead))
    ]
    frame = pl.concat([injected, mismatch, *extra]).sort("resident_id", "defect", "field")
    return frame.select(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("id"), pl.all())
