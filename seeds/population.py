"""The synthetic city: residents, health records, vaccinations, police events, facility activity.

`generate_city` is fully vectorised (numpy draws + polars string building, no per-person Python
except for the few thousand injected defects) so that the full 8.7 M-resident city builds in
seconds, and deterministic: every component draws from its own random stream derived from `seed`,
so the same inputs always give identical frames.

The frames' column names are those of the tables (data_access.models), ids are 1..N in frame order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from seeds import defects, scenario
from seeds.names import draw_index, sample_full_names
from seeds.scenario import NA, ROLLOUT_START, day

FULL_SCALE_RESIDENTS = 8_700_000
DUPLICATE_SHARE = 0.007

# Hà Nội-like age pyramid, % of residents per 5-year band (0–4, 5–9, …, 100–104).
AGE_BAND_SHARES = (
    6.8,
    8.2,
    7.2,
    6.0,
    7.0,
    8.6,
    9.0,
    8.2,
    7.2,
    6.3,
    5.6,
    5.0,
    4.3,
    3.3,
    2.2,
    1.4,
    1.0,
    0.6,
    0.25,
    0.08,
    0.02,
)
FEMALE_SHARE = 0.505

RESIDENCE_TYPES = ("permanent", "temporary", "working")
# Shares among people aged 15+; children are registered with their family (permanent), which
# brings the city-wide mix to ~80 / 15 / 5 %.
RESIDENCE_SHARES = (0.76, 0.18, 0.06)
# Share of people whose birth was registered in Hà Nội (CCCD prefix 001), by residence type.
HANOI_BORN_SHARE = (0.88, 0.25, 0.30)
# Where migrants were born: neighbouring provinces dominate (CCCD 3-digit codes, relative weights).
MIGRANT_PROVINCES: tuple[tuple[str, float], ...] = (
    ("034", 9),
    ("036", 9),
    ("038", 10),
    ("040", 9),
    ("033", 7),
    ("035", 5),
    ("037", 5),
    ("030", 6),
    ("022", 3),
    ("025", 5),
    ("026", 5),
    ("024", 5),
    ("027", 5),
    ("019", 4),
    ("031", 3),
    ("042", 4),
    ("079", 2),
    ("048", 1),
    ("010", 1),
    ("015", 2),
    ("017", 3),
    ("020", 2),
    ("008", 2),
    ("002", 1),
    ("004", 1),
    ("006", 1),
    ("011", 1),
    ("012", 1),
    ("014", 2),
    ("044", 1),
    ("045", 1),
    ("046", 1),
    ("049", 0.5),
    ("051", 0.5),
    ("052", 0.5),
    ("064", 0.5),
    ("066", 0.5),
    ("075", 0.5),
    ("092", 0.5),
)

INSURED_SHARE = 0.93
FULL_CARD_SHARE = 0.55  # the rest carry post-04/2021 cards showing only the BHXH code
HANOI_BHXH_SHARE = 0.85

HANOI_SUFFIXES = (("Hà Nội", 0.55), ("Thành phố Hà Nội", 0.2), ("TP Hà Nội", 0.2), ("TP. Hà Nội", 0.05))
WARD_ABBREVIATIONS = {"Phường": "P.", "Xã": "X.", "Thị trấn": "TT."}
DISTRICT_ABBREVIATIONS = {"Quận": "Q.", "Huyện": "H.", "Thị xã": "TX."}
STREETS = """Huế|Bạch Mai|Kim Mã|Láng|Giải Phóng|Trường Chinh|Tây Sơn|Chùa Bộc|Thái Hà|Nguyễn Trãi|Lê Duẩn|
Đội Cấn|Hoàng Hoa Thám|Thụy Khuê|Lạc Long Quân|Âu Cơ|Nghi Tàm|Cầu Giấy|Xuân Thủy|Hồ Tùng Mậu|Trần Duy Hưng|
Nguyễn Chí Thanh|Minh Khai|Kim Ngưu|Lò Đúc|Bà Triệu|Hàng Bông|Hàng Gai|Đinh Tiên Hoàng|Lý Thường Kiệt|
Trần Hưng Đạo|Phan Đình Phùng|Nguyễn Văn Cừ|Ngọc Lâm|Ngô Gia Tự|Lĩnh Nam|Tam Trinh|Giáp Bát|Định Công|
Khương Trung|Vũ Tông Phan|Nguyễn Xiển|Tô Hiệu|Phùng Hưng|Cầu Diễn|Phạm Văn Đồng|Trần Cung|Hoàng Quốc Việt|
Đặng Thai Mai|Lạc Trung|Vĩnh Hưng|Nguyễn Khoái|Tôn Đức Thắng|Đê La Thành|Hào Nam|Văn Cao|Liễu Giai|Kim Giang|
Khâm Thiên|Xã Đàn|Nguyễn Lương Bằng|Tôn Thất Tùng|Phạm Ngọc Thạch|Nguyễn Phong Sắc|Mai Dịch|Lê Văn Lương|
Hoàng Mai|Trương Định|Nguyễn Tam Trinh|Ngọc Thụy|Nguyễn Văn Linh|Quang Trung|Lê Lợi|Phan Bội Châu"""
STREET_NAMES = [s.strip() for s in STREETS.replace("\n", "").split("|")]
VILLAGES = "Đông|Đoài|Thượng|Hạ|Trung|Nam|Bắc|Đình|Chùa|Cao|Phú|Lương|Vân|Mỹ|Tân|An|Hòa|Thịnh|Cả|Giữa".split(
    "|"
)


@dataclass(frozen=True)
class CityFrames:
    residents: pl.DataFrame
    health_records: pl.DataFrame
    vaccinations: pl.DataFrame
    admin_events: pl.DataFrame
    submissions: pl.DataFrame
    facility_milestones: pl.DataFrame
    truth_defects: pl.DataFrame
    truth_duplicates: pl.DataFrame


_STREAMS = (
    "wards",
    "people",
    "names",
    "ids",
    "dups",
    "order",
    "address",
    "life",
    "facilities",
    "submissions",
    "records",
    "vaccinations",
    "defects",
)


def _streams(seed: int) -> dict[str, np.random.Generator]:
    # One stream per component: tuning one part of the story never reshuffles the others.
    return {name: np.random.default_rng([seed, i]) for i, name in enumerate(_STREAMS)}


def allocate_ward_populations(rng: np.random.Generator, is_urban: np.ndarray, total: int) -> np.ndarray:
    """Unequal, lognormal ward populations (inner-city wards denser) summing exactly to `total`."""
    n = is_urban.size
    weights = rng.lognormal(0.0, 0.5, n) * np.where(is_urban, 1.9, 1.0)
    raw = weights / weights.sum() * total
    counts = np.floor(raw).astype(np.int64)
    remainder = total - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:remainder]] += 1
    if total >= n:
        # No ward may be empty: take one person each from the largest wards.
        empty = np.flatnonzero(counts == 0)
        counts[empty] = 1
        for i in np.argsort(-counts, kind="stable")[: empty.size]:
            counts[i] -= 1
    return counts


def resolve_unique(
    rng: np.random.Generator, keys: np.ndarray, modulus: int, mutable: np.ndarray
) -> np.ndarray:
    """Redraw the random low part (`key % modulus`) of colliding keys until all are distinct.

    Immutable keys win ties, so already-issued numbers never change. One full sort finds the
    clashes; later rounds only check the few redrawn keys against the sorted survivors.
    """
    keys = keys.copy()
    composite = keys * 2 + mutable  # immutable first among equal keys
    order = pl.Series(composite).arg_sort().to_numpy()  # multi-threaded, unlike np.argsort
    sorted_keys = keys[order]
    clash = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1]) + 1
    victims = order[clash]
    if victims.size and not mutable[victims].all():
        raise ValueError("immutable keys collide")
    settled = np.delete(sorted_keys, clash)
    accepted = np.zeros(0, dtype=keys.dtype)
    pending = victims
    for _ in range(100):
        if pending.size == 0:
            return keys
        fresh = keys[pending] - keys[pending] % modulus + rng.integers(0, modulus, pending.size)
        pos = np.minimum(np.searchsorted(settled, fresh), settled.size - 1)
        bad = (settled[pos] == fresh) | np.isin(fresh, accepted)
        _, first = np.unique(fresh, return_index=True)
        repeated = np.ones(fresh.size, dtype=bool)
        repeated[first] = False
        bad |= repeated
        keys[pending[~bad]] = fresh[~bad]
        accepted = np.concatenate([accepted, fresh[~bad]])
        pending = pending[bad]
    raise RuntimeError("could not make identifiers unique")


def _age_days(rng: np.random.Generator, n: int) -> np.ndarray:
    shares = np.array(AGE_BAND_SHARES) / sum(AGE_BAND_SHARES)
    band = draw_index(rng.random(n), shares)
    return np.floor((band + rng.random(n)) * 5 * 365.25).astype(np.int64)


def _year_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _century_sex_digit(year: np.ndarray, is_female: np.ndarray) -> np.ndarray:
    return 2 * ((year - 1900) // 100) + is_female.astype(np.int64)


def cccd_key(province: np.ndarray, year: np.ndarray, is_female: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """The 12-digit CCCD as an integer: PPP C YY RRRRRR."""
    digit = _century_sex_digit(year, is_female)
    return province * 1_000_000_000 + digit * 100_000_000 + (year % 100) * 1_000_000 + serial


def build_people(
    rngs: dict[str, np.random.Generator], counts: np.ndarray, today_d: int
) -> dict[str, np.ndarray]:
    rng = rngs["people"]
    n = int(counts.sum())
    people: dict[str, np.ndarray] = {"ward_pos": np.repeat(np.arange(counts.size), counts)}
    is_female = rng.random(n) < FEMALE_SHARE
    dob = today_d - _age_days(rng, n)
    residence = draw_index(rng.random(n), np.array(RESIDENCE_SHARES))
    residence = np.where(today_d - dob < 15 * 365, 0, residence)  # children live with their family
    born_here_recently = dob >= day(ROLLOUT_START)
    hanoi_born = (rng.random(n) < np.array(HANOI_BORN_SHARE)[residence]) | born_here_recently
    codes = np.array([int(code) for code, _ in MIGRANT_PROVINCES])
    weights = np.array([w for _, w in MIGRANT_PROVINCES])
    province = np.where(hanoi_born, 1, codes[draw_index(rng.random(n), weights)])

    ids = rngs["ids"]
    year = _year_of(dob)
    keys = cccd_key(province, year, is_female, ids.integers(0, 1_000_000, n))
    keys = resolve_unique(ids, keys, 1_000_000, np.ones(n, dtype=bool))
    bhxh_province = np.where(ids.random(n) < HANOI_BHXH_SHARE, 1, province % 100)
    bhxh = bhxh_province * 100_000_000 + ids.integers(0, 100_000_000, n)
    bhxh = resolve_unique(ids, bhxh, 100_000_000, np.ones(n, dtype=bool))

    age = (today_d - dob) / 365.25
    insured = ids.random(n) < np.select([age < 6, age < 18], [0.995, 0.96], 0.915)
    people.update(
        is_female=is_female,
        dob=dob,
        age_years=age,
        residence=residence,
        province=province,
        cccd_key=keys,
        bhxh_key=bhxh,
        insured=insured,
        card_group=_card_groups(ids, age),
        full_card=ids.random(n) < FULL_CARD_SHARE,
        card_province=np.where(residence == 0, 1, np.where(ids.random(n) < 0.6, 1, province % 100)),
    )
    return people


# Beneficiary group + benefit level by age: children TE1, pupils/students HS4, retirees HT/CT …
_CARD_CODES = ("TE1", "HS4", "DN4", "HC4", "GD4", "HN2", "CN3", "CA5", "QN5", "HT3", "CT2", "CK2")


def _card_groups(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    n = age.size
    u = rng.random(n)
    adult = np.select(
        [u < 0.45, u < 0.55, u < 0.88, u < 0.91, u < 0.96, u < 0.98],
        [2, 3, 4, 5, 6, 7],
        8,
    )
    student = np.where(u < 0.45, 1, adult)
    senior = np.select([u < 0.55, u < 0.8, u < 0.85], [9, 4, 11], 10)
    return np.select(
        [age < 6, age < 18, age < 23, age < 60, age < 80], [0, 1, student, adult, senior], 10
    ).astype(np.int64)


def ward_tables(wards: pl.DataFrame) -> dict[str, np.ndarray | pl.Series]:
    wards = wards.sort("ward_id")
    district_ids = np.unique(wards["district_id"].to_numpy())
    return {
        "frame": wards,
        "ward_id": wards["ward_id"].to_numpy(),
        "district_id": wards["district_id"].to_numpy(),
        "district_pos": np.searchsorted(district_ids, wards["district_id"].to_numpy()),
        "district_ids": district_ids,
        "is_urban": wards["is_urban"].to_numpy().astype(bool),
        "street_style": wards["ward_type"].is_in(["Phường", "Thị trấn"]).to_numpy(),
    }


def _address_tails(wards: pl.DataFrame) -> pl.Series:
    """Four spellings of each ward's administrative part: 4·w + variant indexes the result."""
    w = wards.with_columns(
        ward_abbr=pl.col("ward_type").replace_strict(WARD_ABBREVIATIONS, default=pl.col("ward_type")),
        district_abbr=pl.col("district_type").replace_strict(
            DISTRICT_ABBREVIATIONS, default=pl.col("district_type")
        ),
    )
    variants = [
        pl.concat_str(["ward_name", "district_name"], separator=", "),
        pl.concat_str(["ward_name", "district_name"], separator=", "),
        pl.concat_str(
            [
                pl.concat_str(["ward_abbr", "ward_short"], separator=" "),
                pl.concat_str(["district_abbr", "district_short"], separator=" "),
            ],
            separator=", ",
        ),
        pl.concat_str(
            [pl.concat_str(["ward_abbr", "ward_short"], separator=" "), "district_name"], separator=", "
        ),
    ]
    tails = w.select([v.alias(f"v{i}") for i, v in enumerate(variants)])
    return tails.select(pl.concat_list(tails.columns).alias("t")).explode("t").to_series()


def build_addresses(rng: np.random.Generator, ward_pos: np.ndarray, tables: dict) -> pl.Series:
    """Free-text addresses as people write them: house/alley/street or village, then the units."""
    n = ward_pos.size
    tails = _address_tails(tables["frame"])
    tail_idx = ward_pos.astype(np.int64) * 4 + draw_index(rng.random(n), np.array([0.5, 0.2, 0.2, 0.1]))
    hanoi = draw_index(rng.random(n), np.array([w for _, w in HANOI_SUFFIXES]))
    u = rng.random(n)
    kind = np.where(
        tables["street_style"][ward_pos],
        draw_index(u, np.array([0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1])),
        7 + draw_index(u, np.array([0.55, 0.25, 0.2])),
    )
    numbers = {
        "h": rng.integers(1, 200, n),
        "a": rng.integers(1, 400, n),
        "b": rng.integers(1, 80, n),
        "t": rng.integers(1, 40, n),
    }
    street = rng.integers(0, len(STREET_NAMES), n)
    village = rng.integers(0, len(VILLAGES), n)
    streets, villages, cities = (
        pl.Series(STREET_NAMES),
        pl.Series(VILLAGES),
        pl.Series([c for c, _ in HANOI_SUFFIXES]),
    )
    h, a, b, t, st, vil = (pl.col(c) for c in ("h", "a", "b", "t", "street", "village"))
    templates = {
        0: pl.format("Số {} ngõ {} phố {}, ", h, a, st),
        1: pl.format("Số {} {}, ", h, st),
        2: pl.format("{}/{} {}, ", h, a, st),
        3: pl.format("Ngõ {} {}, ", a, st),
        4: pl.format("Tổ {}, ", t),
        5: pl.format("Số {} ngách {} ngõ {} phố {}, ", h, b, a, st),
        6: pl.lit(""),
        7: pl.format("Thôn {}, ", vil),
        8: pl.format("Xóm {}, ", t),
        9: pl.lit(""),
    }
    # One template per subset: a when/then chain would build every variant for every row.
    parts = []
    for k, template in templates.items():
        rows = np.flatnonzero(kind == k)
        if rows.size == 0:
            continue
        sub = pl.DataFrame(
            {
                "row": rows,
                **{c: v[rows].astype(np.int32) for c, v in numbers.items()},
                "street": streets.gather(street[rows]),
                "village": villages.gather(village[rows]),
                "tail": tails.gather(tail_idx[rows]),
                "city": cities.gather(hanoi[rows]),
            }
        )
        parts.append(
            sub.select("row", pl.concat_str([template, "tail", pl.lit(", "), "city"]).alias("address_text"))
        )
    merged = pl.concat(parts)
    return merged["address_text"].gather(pl.Series(merged["row"]).arg_sort())


def _dates(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col(c) == int(NA)).then(None).otherwise(pl.col(c)).cast(pl.Int32).cast(pl.Date).alias(c)
        for c in columns
    )


def _key_strings(keys: np.ndarray, width: int) -> pl.Series:
    return pl.Series(keys).cast(pl.String).str.zfill(width)


def resident_rows_for(scale: float, today_d: int) -> int:
    """Rows to generate so that ~``FULL_SCALE_RESIDENTS × scale`` people live in the city *today*.

    The scale counts current residents (what `status` and the KPI denominators count); people who
    died or moved out since the rollout began are generated on top of them.
    """
    years = max(0.0, (today_d - day(ROLLOUT_START)) / 365.25)
    leaving_share = (scenario.DEATHS_PER_YEAR + scenario.MOVE_OUT_PER_YEAR) * years
    return round(FULL_SCALE_RESIDENTS * scale / (1 - leaving_share))


def generate_city(
    wards: pl.DataFrame, facilities: pl.DataFrame, *, scale: float, seed: int, today: date
) -> CityFrames:
    if scale <= 0:
        raise ValueError("scale must be positive")
    rngs = _streams(seed)
    today_d = day(today)
    tables = ward_tables(wards)
    total = resident_rows_for(scale, today_d)
    n_dup = round(total * DUPLICATE_SHARE)
    counts = allocate_ward_populations(rngs["wards"], tables["is_urban"], total - n_dup)

    people = build_people(rngs, counts, today_d)
    names = sample_full_names(rngs["names"], people["is_female"])
    dup = defects.make_duplicates(rngs["dups"], people, names, tables, n_dup, today_d)
    people = {key: np.concatenate([people[key], dup.people[key]]) for key in people}
    names = pl.concat([names, dup.names])
    n = names.len()

    # Final order: by ward, shuffled within — duplicates land among everyone else, not at the end.
    shuffle_key = people["ward_pos"].astype(np.int64) << 32 | rngs["order"].integers(0, 1 << 32, n)
    order = pl.Series(shuffle_key).arg_sort().to_numpy()
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    people = {key: value[order] for key, value in people.items()}
    names = names.gather(order)
    pairs = np.sort(np.stack([rank[dup.source], rank[dup.target]], axis=1), axis=1)
    cccd_overrides = {int(rank[i]): text for i, text in dup.cccd_overrides.items()}
    extra_labels = [(int(rank[i]), label, fld) for i, label, fld in dup.extra_labels]
    dup_members = np.zeros(n, dtype=bool)
    dup_members[pairs.ravel()] = True

    ward_pos = people["ward_pos"]
    addresses = build_addresses(rngs["address"], ward_pos, tables)
    life = scenario.simulate_lifecycle(
        rngs["life"], people["dob"], people["age_years"], people["residence"], today_d
    )

    milestones = scenario.facility_milestones(rngs["facilities"], facilities, today_d)
    submissions = scenario.daily_submissions(rngs["submissions"], facilities, milestones, today_d)

    curves = scenario.district_curves(
        rngs["records"],
        tables["district_ids"],
        np.array(
            [
                tables["is_urban"][tables["district_pos"] == i].all()
                for i in range(tables["district_ids"].size)
            ]
        ),
    )
    view = scenario.PersonView(
        district_pos=tables["district_pos"][ward_pos],
        dob=people["dob"],
        age_years=people["age_years"],
        insured=people["insured"],
        since=life.resident_since,
        until=life.resident_until,
        exit_applied_on=life.exit_applied_on,
    )
    rec = scenario.health_records(rngs["records"], view, curves, today_d)
    station = _stations(facilities, tables)[ward_pos]

    residents = _resident_frame(people, names, addresses, life, tables, cccd_overrides, today_d, rngs["ids"])
    del names, addresses  # the frame holds them now; keeps the full-scale peak down
    injected = defects.inject_defects(
        rngs["defects"], residents, people, rec, dup_members, tables, today_d, build_addresses
    )
    residents = injected.residents
    dob = people["dob"]
    del people, view
    rec["standardised_on"] = np.where(injected.unstandardised, NA, rec["standardised_on"])
    records = _record_frame(rngs["records"], rec, residents, station)
    truth_defects = defects.truth_defect_frame(injected.labels + extra_labels, records, residents)
    vacc = scenario.vaccinations(
        rngs["vaccinations"],
        dob,
        np.where(rec["has_record"], rec["vaccination_loaded_on"], NA),
        life.resident_until,
        station,
        today_d,
    )
    return CityFrames(
        residents=residents,
        health_records=records,
        vaccinations=_vaccination_frame(vacc),
        admin_events=_event_frame(life.events, tables, ward_pos),
        submissions=_dates(submissions, ["day"]),
        facility_milestones=_dates(
            milestones, ["account_issued_on", "staff_trained_on", "first_data_sent_on"]
        ),
        truth_defects=truth_defects,
        truth_duplicates=pl.DataFrame(
            {
                "resident_id": pairs[:, 0] + 1,
                "other_resident_id": pairs[:, 1] + 1,
                "variation": pl.Series(dup.variation, dtype=pl.String),
            }
        ).sort("resident_id", "other_resident_id"),
    )


def _stations(facilities: pl.DataFrame, tables: dict) -> np.ndarray:
    """Managing facility per ward: its commune station, else the district's station/centre; -1 = none."""
    ward_ids, district_ids = tables["ward_id"], tables["district_id"]
    result = np.full(ward_ids.size, -1, dtype=np.int64)
    f = facilities.sort("facility_id")
    for ftype, key, ids in (
        ("TTYT", "district_id", district_ids),
        ("TYT", "district_id", district_ids),
        ("TYT", "ward_id", ward_ids),
    ):
        sub = f.filter(pl.col("facility_type") == ftype).unique(key, keep="first", maintain_order=True)
        lookup = dict(zip(sub[key].to_list(), sub["facility_id"].to_list(), strict=True))
        found = np.array([lookup.get(int(i), -1) for i in ids], dtype=np.int64)
        result = np.where(found >= 0, found, result)
    return result


def _resident_frame(
    people: dict,
    names: pl.Series,
    addresses: pl.Series,
    life: scenario.Lifecycle,
    tables: dict,
    cccd_overrides: dict[int, str],
    today_d: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    n = names.len()
    cccd = _key_strings(people["cccd_key"], 12)
    if cccd_overrides:
        idx = np.array(list(cccd_overrides), dtype=np.int64)
        cccd = cccd.scatter(idx, pl.Series(list(cccd_overrides.values()), dtype=pl.String))
    bhxh = _key_strings(people["bhxh_key"], 10)
    card_code = pl.Series(_CARD_CODES).gather(people["card_group"])
    card = (
        pl.DataFrame(
            {
                "code": card_code,
                "prov": _key_strings(people["card_province"], 2),
                "bhxh": bhxh,
                "full": people["full_card"],
                "insured": people["insured"],
            }
        )
        .select(
            pl.when(~pl.col("insured"))
            .then(None)
            .when(pl.col("full"))
            .then(pl.concat_str(["code", "prov", "bhxh"]))
            .otherwise(pl.col("bhxh"))
            .alias("bhyt_card")
        )
        .to_series()
    )
    # Rows were first loaded from the BHXH lists in the first week of the rollout, later ones on arrival.
    loaded_day = np.maximum(life.resident_since, day(ROLLOUT_START) + rng.integers(0, 7, n))
    created_at_us = (loaded_day * 86_400 + rng.integers(3_600, 18_000, n)) * 1_000_000
    frame = pl.DataFrame(
        {
            "id": np.arange(1, n + 1, dtype=np.int64),
            "cccd": cccd,
            "full_name": names,
            "sex": pl.Series(["M", "F"]).gather(people["is_female"].astype(np.int64)),
            "date_of_birth": people["dob"].astype(np.int32),
            "bhxh_code": bhxh,
            "bhyt_card": card,
            "residence_type": pl.Series(RESIDENCE_TYPES).gather(people["residence"]),
            "ward_id": tables["ward_id"][people["ward_pos"]].astype(np.int64),
            "district_id": tables["district_id"][people["ward_pos"]].astype(np.int64),
            "address_text": addresses,
            "resident_since": life.resident_since.astype(np.int32),
            "resident_until": life.resident_until.astype(np.int32),
            "deceased_on": life.deceased_on.astype(np.int32),
            "created_at": pl.Series(created_at_us).cast(pl.Datetime("us", "UTC")),
        }
    )
    return _dates(frame, ["date_of_birth", "resident_since", "resident_until", "deceased_on"])


def _record_frame(
    rng: np.random.Generator, rec: dict, residents: pl.DataFrame, station: np.ndarray
) -> pl.DataFrame:
    has = rec["has_record"]
    idx = np.flatnonzero(has)
    m = idx.size
    mismatch = rec["mismatch"][idx]
    fields, reasons = scenario.mismatch_details(rng, int(mismatch.sum()))
    field_col = pl.Series("mismatch_field", [None] * m, dtype=pl.String)
    reason_col = pl.Series("mismatch_reason", [None] * m, dtype=pl.String)
    mismatch_rows = np.flatnonzero(mismatch)
    if mismatch_rows.size:
        field_col = field_col.scatter(mismatch_rows, fields)
        reason_col = reason_col.scatter(mismatch_rows, reasons)
    verified = rec["verified_on"][idx]
    closed = rec["closed_on"][idx]
    date_cols = [
        "created_on",
        "standardised_on",
        "verified_on",
        "vneid_shared_on",
        "bhyt_linked_on",
        "vaccination_loaded_on",
        "last_visit_on",
        "last_health_check_on",
        "closed_on",
    ]
    frame = pl.DataFrame(
        {
            "id": np.arange(1, m + 1, dtype=np.int64),
            "resident_id": idx.astype(np.int64) + 1,
            "ward_id": residents["ward_id"].gather(idx),
            "district_id": residents["district_id"].gather(idx),
            "facility_id": station[idx],
            "status": pl.Series(["active", "closed"]).gather((closed != NA).astype(np.int64)),
            "verification_status": pl.Series(["pending", "verified", "mismatch"]).gather(
                np.where(mismatch, 2, (verified != NA).astype(np.int64))
            ),
            "mismatch_field": field_col,
            "mismatch_reason": reason_col,
            **{c: rec[c][idx].astype(np.int32) for c in date_cols},
        }
    )
    frame = _dates(frame, date_cols).with_columns(
        pl.when(pl.col("facility_id") < 0).then(None).otherwise(pl.col("facility_id")).alias("facility_id")
    )
    return frame.select(
        "id",
        "resident_id",
        "ward_id",
        "district_id",
        "facility_id",
        "status",
        "created_on",
        "standardised_on",
        "verification_status",
        "verified_on",
        "mismatch_field",
        "mismatch_reason",
        "vneid_shared_on",
        "bhyt_linked_on",
        "vaccination_loaded_on",
        "last_visit_on",
        "last_health_check_on",
        "closed_on",
    )


def _event_frame(events: pl.DataFrame, tables: dict, ward_pos: np.ndarray) -> pl.DataFrame:
    events = events.sort("received_on", "person", "event_type")
    person = events["person"].to_numpy()
    frame = pl.DataFrame(
        {
            "id": np.arange(1, events.height + 1, dtype=np.int64),
            "event_type": events["event_type"],
            "resident_id": person + 1,
            "ward_id": tables["ward_id"][ward_pos[person]].astype(np.int64),
            "district_id": tables["district_id"][ward_pos[person]].astype(np.int64),
            "occurred_on": events["occurred_on"],
            "received_on": events["received_on"],
            "applied_on": events["applied_on"],
        }
    )
    return _dates(frame, ["occurred_on", "received_on", "applied_on"])


def _vaccination_frame(vacc: pl.DataFrame) -> pl.DataFrame:
    frame = vacc.sort("person", "vaccinated_on", "vaccine_code", "dose_number").with_columns(
        pl.when(pl.col("facility_id") < 0).then(None).otherwise(pl.col("facility_id")).alias("facility_id")
    )
    frame = frame.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("id"),
        (pl.col("person") + 1).alias("resident_id"),
        "vaccine_code",
        "dose_number",
        "vaccinated_on",
        "lot",
        "facility_id",
    )
    return _dates(frame, ["vaccinated_on"])
