from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from data_access.models import (
    AdminChangeEvent,
    Facility,
    FacilityDailySubmission,
    HealthRecord,
    Resident,
    TruthDefect,
    TruthDuplicate,
    Vaccination,
)
from identifiers.cccd import CccdProblem, cccd_problem_exprs
from identifiers.insurance import BhytProblem, bhxh_invalid_expr, bhyt_problem_exprs
from seeds.names import strip_diacritics
from seeds.population import (
    FULL_SCALE_RESIDENTS,
    CityFrames,
    allocate_ward_populations,
    generate_city,
    resident_rows_for,
)
from seeds.scenario import day

TODAY = date(2026, 11, 25)
ROLLOUT = date(2023, 7, 1)
SCALE = 0.002
LABELS = {
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
}


def synthetic_frames(n_districts: int = 6, wards_per_district: int = 5) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Small stand-in for the reference frames: a few urban and rural districts."""
    wards, facilities = [], []
    for d in range(n_districts):
        urban = d % 2 == 0
        for w in range(wards_per_district):
            ward_id = 100 + d * wards_per_district + w
            wards.append(
                {
                    "ward_id": ward_id,
                    "district_id": d + 1,
                    "ward_code": f"{ward_id:05d}",
                    "district_code": f"{d + 1:03d}",
                    "ward_name": f"{'Phường' if urban else 'Xã'} Số {ward_id}",
                    "ward_short": f"Số {ward_id}",
                    "district_name": f"{'Quận' if urban else 'Huyện'} Thứ {d + 1}",
                    "district_short": f"Thứ {d + 1}",
                    "ward_type": "Phường" if urban else "Xã",
                    "district_type": "Quận" if urban else "Huyện",
                    "is_urban": urban,
                }
            )
            facilities.append(
                {"facility_type": "TYT", "is_public": True, "ward_id": ward_id, "district_id": d + 1}
            )
        facilities.append(
            {
                "facility_type": "TTYT",
                "is_public": True,
                "ward_id": 100 + d * wards_per_district,
                "district_id": d + 1,
            }
        )
        facilities.append(
            {
                "facility_type": "clinic_private",
                "is_public": False,
                "ward_id": 100 + d * wards_per_district,
                "district_id": d + 1,
            }
        )
    frame = (
        pl.DataFrame(facilities)
        .with_row_index("facility_id", offset=1)
        .with_columns(
            pl.col("facility_id").cast(pl.Int64),
            pl.format("01{}", pl.col("facility_id").cast(pl.String).str.zfill(3)).alias("code"),
        )
    )
    return pl.DataFrame(wards), frame


def reference_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The real 526 wards and the facility register, shaped as generate_city expects."""
    from seeds.facilities import hanoi_facilities
    from seeds.reference import hanoi_units

    units = hanoi_units()
    districts = {u.code: u for u in units if u.level == "district"}
    district_id = {code: i + 1 for i, code in enumerate(districts)}
    wards = [u for u in units if u.level == "ward"]
    ward_id = {w.code: 100 + i for i, w in enumerate(wards)}
    ward_frame = pl.DataFrame(
        [
            {
                "ward_id": ward_id[w.code],
                "district_id": district_id[w.parent_code],
                "ward_code": w.code,
                "district_code": w.parent_code,
                "ward_name": w.name,
                "ward_short": w.short_name,
                "district_name": districts[w.parent_code].name,
                "district_short": districts[w.parent_code].short_name,
                "ward_type": w.unit_type,
                "district_type": districts[w.parent_code].unit_type,
                "is_urban": districts[w.parent_code].unit_type == "Quận",
            }
            for w in wards
        ]
    )
    facility_frame = pl.DataFrame(
        [
            {
                "facility_id": i + 1,
                "code": f.code,
                "facility_type": f.facility_type,
                "is_public": f.is_public,
                "ward_id": ward_id[f.ward_code],
                "district_id": district_id[f.district_code],
            }
            for i, f in enumerate(hanoi_facilities(0))
        ]
    )
    return ward_frame, facility_frame


@pytest.fixture(scope="module")
def frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    try:
        return reference_frames()
    except ImportError:  # reference modules not available: the generator does not need them
        return synthetic_frames()


@pytest.fixture(scope="module")
def city(frames: tuple[pl.DataFrame, pl.DataFrame]) -> CityFrames:
    wards, facilities = frames
    return generate_city(wards, facilities, scale=SCALE, seed=11, today=TODAY)


@pytest.fixture(scope="module")
def labelled(city: CityFrames) -> pl.DataFrame:
    """Residents with their defect labels (list) and whether they are part of a duplicate pair."""
    labels = city.truth_defects.group_by("resident_id").agg(pl.col("defect").alias("defects"))
    members = pl.concat(
        [
            city.truth_duplicates.select(pl.col("resident_id").alias("id")),
            city.truth_duplicates.select(pl.col("other_resident_id").alias("id")),
        ]
    ).unique()
    return city.residents.join(labels, left_on="id", right_on="resident_id", how="left").with_columns(
        pl.col("defects").fill_null([]), pl.col("id").is_in(members["id"].implode()).alias("in_pair")
    )


def _assert_matches(frame: pl.DataFrame, model: type) -> None:
    """Every frame column is a table column; table columns left out are nullable (filled later)."""
    columns = {c.name: c for c in model.__table__.columns}
    assert set(frame.columns) <= set(columns), set(frame.columns) - set(columns)
    for name in set(columns) - set(frame.columns):
        assert columns[name].nullable and not columns[name].primary_key, name


def test_frames_match_tables(city: CityFrames) -> None:
    pairs = [
        (city.residents, Resident),
        (city.health_records, HealthRecord),
        (city.vaccinations, Vaccination),
        (city.admin_events, AdminChangeEvent),
        (city.submissions, FacilityDailySubmission),
        (city.truth_defects, TruthDefect),
        (city.truth_duplicates, TruthDuplicate),
    ]
    for frame, model in pairs:
        _assert_matches(frame, model)
    assert set(city.facility_milestones.columns) - {"facility_id"} <= {
        c.name for c in Facility.__table__.columns
    }
    assert city.residents.schema["created_at"] == pl.Datetime("us", "UTC")
    for frame in (
        city.residents,
        city.health_records,
        city.vaccinations,
        city.admin_events,
        city.truth_defects,
    ):
        assert frame["id"].to_list() == list(range(1, frame.height + 1))


def test_deterministic(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    wards, facilities = frames
    a = generate_city(wards, facilities, scale=0.001, seed=5, today=TODAY)
    b = generate_city(wards, facilities, scale=0.001, seed=5, today=TODAY)
    c = generate_city(wards, facilities, scale=0.001, seed=6, today=TODAY)
    for name in CityFrames.__dataclass_fields__:
        assert getattr(a, name).equals(getattr(b, name)), name
    assert not a.residents.equals(c.residents)


def test_counts_scale_and_no_empty_ward(city: CityFrames, frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    wards, _ = frames
    assert city.residents.height == resident_rows_for(SCALE, day(TODAY))
    living_today = city.residents.filter(
        pl.col("resident_until").is_null() | (pl.col("resident_until") > TODAY)
    ).height
    assert living_today == pytest.approx(FULL_SCALE_RESIDENTS * SCALE, rel=0.02)
    per_ward = city.residents.group_by("ward_id").len()
    assert per_ward.height == wards.height
    urban = wards.filter("is_urban")["ward_id"].implode()
    urban_mean = per_ward.filter(pl.col("ward_id").is_in(urban))["len"].mean()
    rural_mean = per_ward.filter(~pl.col("ward_id").is_in(urban))["len"].mean()
    assert urban_mean > 1.3 * rural_mean
    rng = np.random.default_rng(0)
    counts = allocate_ward_populations(rng, wards["is_urban"].to_numpy(), 8_700)
    assert counts.sum() == 8_700 and counts.min() >= 1


def test_people_shape(city: CityFrames) -> None:
    r = city.residents
    assert r["sex"].is_in(["M", "F"]).all()
    assert 0.47 < (r["sex"] == "F").mean() < 0.54
    hanoi_born = r.filter(pl.col("cccd").str.contains(r"^\d{12}$"))["cccd"].str.starts_with("001").mean()
    assert 0.68 < hanoi_born < 0.82
    shares = r["residence_type"].value_counts(normalize=True)
    share = dict(zip(shares["residence_type"], shares["proportion"], strict=True))
    assert share["permanent"] == pytest.approx(0.8, abs=0.03)
    assert share["temporary"] == pytest.approx(0.15, abs=0.03)
    ages = (TODAY - r["date_of_birth"].drop_nulls()).dt.total_days() / 365.25
    assert 0.12 < (ages < 10).mean() < 0.2 and 0.05 < (ages >= 65).mean() < 0.15
    assert 0.9 < r["bhyt_card"].is_not_null().mean() < 0.96
    cards = r["bhyt_card"].drop_nulls()
    assert 0.4 < (cards.str.len_chars() == 15).mean() < 0.7
    children = r.filter(
        (pl.col("date_of_birth") > TODAY - timedelta(days=5 * 365))
        & (pl.col("bhyt_card").str.len_chars() == 15)
    )
    assert (children["bhyt_card"].str.starts_with("TE1")).mean() > 0.97
    assert r["address_text"].drop_nulls().str.contains("Hà Nội").mean() > 0.97


def test_clean_rows_obey_identifier_rules(labelled: pl.DataFrame) -> None:
    clean = labelled.filter((pl.col("defects").list.len() == 0) & ~pl.col("in_pair"))
    cccd = cccd_problem_exprs("cccd", "sex", "date_of_birth")
    bhyt = bhyt_problem_exprs("bhyt_card", "bhxh_code")
    problems = clean.select(
        *cccd.values(),
        pl.col("bhyt_card").is_not_null().and_(bhyt[BhytProblem.MALFORMED]).alias("card_bad"),
        bhyt[BhytProblem.BHXH_MISMATCH].alias("card_mismatch"),
        bhxh_invalid_expr("bhxh_code").alias("bhxh_bad"),
        pl.col("cccd").is_null().alias("cccd_null"),
        pl.col("date_of_birth").is_null().alias("dob_null"),
        (pl.col("full_name").str.strip_chars() == "").alias("name_empty"),
        pl.col("address_text").is_null().alias("address_null"),
    )
    assert problems.select(pl.all().sum()).row(0) == (0,) * problems.width


def test_labelled_rows_break_their_rule(labelled: pl.DataFrame) -> None:
    cccd = cccd_problem_exprs("cccd", "sex", "date_of_birth")
    bhyt = bhyt_problem_exprs("bhyt_card", "bhxh_code")
    checks = {
        "cccd_format": cccd[CccdProblem.NOT_12_DIGITS] & pl.col("cccd").is_not_null(),
        "cccd_century_sex": cccd[CccdProblem.CENTURY_SEX_MISMATCH],
        "cccd_birth_year": cccd[CccdProblem.BIRTH_YEAR_MISMATCH],
        "bhxh_format": bhxh_invalid_expr("bhxh_code") & pl.col("bhxh_code").is_not_null(),
        "bhyt_format": bhyt[BhytProblem.MALFORMED] & pl.col("bhyt_card").is_not_null(),
        "bhyt_bhxh_mismatch": bhyt[BhytProblem.BHXH_MISMATCH],
        "impossible_date": (pl.col("date_of_birth") > TODAY)
        | (pl.col("date_of_birth") < date(TODAY.year - 120, 1, 1)),
    }
    for defect, rule in checks.items():
        flagged = labelled.with_columns(rule.alias("hit")).filter(pl.col("hit"))["id"].to_list()
        labelled_ids = labelled.filter(pl.col("defects").list.contains(defect))["id"].to_list()
        if defect == "impossible_date":  # the third kind (record older than the person) is checked below
            assert set(flagged) <= set(labelled_ids)
        else:
            assert set(flagged) == set(labelled_ids), defect


def test_impossible_dates_include_records_older_than_the_person(
    city: CityFrames, labelled: pl.DataFrame
) -> None:
    bad = labelled.filter(pl.col("defects").list.contains("impossible_date")).join(
        city.health_records.select("resident_id", "created_on"),
        left_on="id",
        right_on="resident_id",
        how="left",
    )
    explained = (
        (pl.col("date_of_birth") > TODAY)
        | (pl.col("date_of_birth") < date(TODAY.year - 120, 1, 1))
        | (pl.col("created_on") < pl.col("date_of_birth"))
    )
    assert bad.height > 0 and bad.select(explained.all()).item()
    rest = labelled.filter(~pl.col("defects").list.contains("impossible_date")).join(
        city.health_records.select("resident_id", "created_on"), left_on="id", right_on="resident_id"
    )
    assert rest.filter(pl.col("created_on") < pl.col("date_of_birth")).height == 0


def test_identifiers_unique_outside_duplicate_pairs(city: CityFrames) -> None:
    copies = city.truth_duplicates.filter(pl.col("variation") != "other_cccd")["other_resident_id"].implode()
    r = city.residents.filter(~pl.col("id").is_in(copies))
    cccd = r["cccd"].drop_nulls().filter(r["cccd"].drop_nulls().str.contains(r"^\d{12}$"))
    assert cccd.n_unique() == cccd.len()
    all_copies = city.truth_duplicates["other_resident_id"].implode()
    bhxh = city.residents.filter(~pl.col("id").is_in(all_copies))["bhxh_code"].drop_nulls()
    assert bhxh.n_unique() == bhxh.len()


def test_defect_labels_and_rates(city: CityFrames) -> None:
    n = city.residents.height
    counts = dict(city.truth_defects.group_by("defect").len().iter_rows())
    assert set(counts) == LABELS
    for defect, count in counts.items():
        if defect == "verification_mismatch":
            assert 0.03 < count / city.health_records.height < 0.05
        elif defect == "missing_field":
            assert 0.003 < count / n < 0.008
        else:
            assert 0.0008 <= count / n <= 0.01, (defect, count / n)
    fields = set(city.truth_defects.filter(pl.col("defect") == "missing_field")["field"])
    assert {"full_name", "date_of_birth", "address_text", "cccd", "bhxh_code"} <= fields
    assert city.truth_defects.select("resident_id", "defect", "field").is_duplicated().sum() == 0


def test_status_defects_match_the_data(city: CityFrames) -> None:
    joined = city.health_records.join(city.residents, left_on="resident_id", right_on="id", suffix="_r")
    dead_active = joined.filter((pl.col("status") == "active") & pl.col("deceased_on").is_not_null())
    labels = city.truth_defects.filter(pl.col("defect") == "deceased_active")
    assert set(dead_active["resident_id"]) == set(labels["resident_id"])
    moved_active = joined.filter(
        (pl.col("status") == "active")
        & pl.col("resident_until").is_not_null()
        & pl.col("deceased_on").is_null()
    )
    labels = city.truth_defects.filter(pl.col("defect") == "moved_out_active")
    assert set(moved_active["resident_id"]) == set(labels["resident_id"])
    # Every death/move known to the resident table came through a received police event.
    events = city.admin_events.filter(pl.col("event_type").is_in(["death", "move_out"]))
    assert set(city.residents.filter(pl.col("resident_until").is_not_null())["id"]) == set(
        events["resident_id"]
    )


def test_duplicates(city: CityFrames) -> None:
    d = city.truth_duplicates
    n = city.residents.height
    assert 0.005 < d.height / n < 0.01
    assert (d["resident_id"] < d["other_resident_id"]).all()
    assert d.select("resident_id", "other_resident_id").is_duplicated().sum() == 0
    assert set(d["variation"]) == {"same_cccd", "no_diacritics", "spelling", "swapped_dob", "other_cccd"}
    r = city.residents.select("id", "cccd", "full_name", "date_of_birth", "district_id")
    pairs = d.join(r, left_on="resident_id", right_on="id").join(
        r, left_on="other_resident_id", right_on="id", suffix="_2"
    )
    assert pairs.height == d.height
    assert (pairs["district_id"] == pairs["district_id_2"]).all()
    same = pairs.filter(pl.col("variation") == "same_cccd")
    assert (same["cccd"] == same["cccd_2"]).all()
    for row in pairs.filter(pl.col("variation") == "no_diacritics").iter_rows(named=True):
        a, b = row["full_name"], row["full_name_2"]
        assert a != b and (strip_diacritics(a) == b or strip_diacritics(b) == a)
    for row in pairs.filter(pl.col("variation") == "swapped_dob").iter_rows(named=True):
        a, b = row["date_of_birth"], row["date_of_birth_2"]
        assert (a.year, a.month, a.day) == (b.year, b.day, b.month) and a != b
    for row in pairs.filter(pl.col("variation") == "spelling").iter_rows(named=True):
        assert row["full_name"] != row["full_name_2"]
    other = pairs.filter(pl.col("variation") == "other_cccd")
    assert (other["cccd"] != other["cccd_2"]).all()
    assert (other["date_of_birth"] == other["date_of_birth_2"]).all()


def test_record_dates_consistent(city: CityFrames) -> None:
    h = city.health_records
    assert h["resident_id"].n_unique() == h.height
    assert h.select((pl.col("created_on") >= ROLLOUT) & (pl.col("created_on") <= TODAY)).to_series().all()
    for col in (
        "standardised_on",
        "verified_on",
        "vneid_shared_on",
        "bhyt_linked_on",
        "vaccination_loaded_on",
        "last_visit_on",
        "last_health_check_on",
        "closed_on",
    ):
        sub = h.filter(pl.col(col).is_not_null())
        assert (sub[col] >= sub["created_on"]).all(), col
        assert (sub[col] <= TODAY).all(), col
        closed = sub.filter(pl.col("closed_on").is_not_null())
        assert (closed[col] <= closed["closed_on"]).all(), col
    assert ((h["status"] == "closed") == h["closed_on"].is_not_null()).all()
    assert ((h["verification_status"] == "verified") == h["verified_on"].is_not_null()).all()
    mismatch = h.filter(pl.col("verification_status") == "mismatch")
    assert mismatch["mismatch_field"].is_not_null().all() and mismatch["mismatch_reason"].is_not_null().all()
    assert h.filter(pl.col("verification_status") != "mismatch")["mismatch_field"].is_null().all()
    joined = h.join(city.residents, left_on="resident_id", right_on="id", suffix="_r")
    assert (joined["created_on"] >= joined["resident_since"]).all()
    left = joined.filter(pl.col("resident_until").is_not_null())
    assert (left["created_on"] < left["resident_until"]).all()
    r = city.residents
    assert (r["resident_since"] <= TODAY).all()
    moved = r.filter(pl.col("resident_until").is_not_null())
    assert (moved["resident_until"] > moved["resident_since"]).all() and (
        moved["resident_until"] <= TODAY
    ).all()
    assert (
        r.filter(pl.col("deceased_on").is_not_null())["deceased_on"]
        == r.filter(pl.col("deceased_on").is_not_null())["resident_until"]
    ).all()
    assert r.filter(pl.col("resident_since") >= ROLLOUT).height > 0.05 * r.height


def test_events_vaccinations_and_submissions(city: CityFrames, labelled: pl.DataFrame) -> None:
    e = city.admin_events
    assert set(e["event_type"]) == {"move_in", "move_out", "death", "birth", "id_change"}
    assert (e["occurred_on"] >= ROLLOUT).all() and (e["received_on"] >= e["occurred_on"]).all()
    assert (e["received_on"] <= TODAY).all()
    applied = e.filter(pl.col("applied_on").is_not_null())
    assert (applied["applied_on"] >= applied["received_on"]).all() and (applied["applied_on"] <= TODAY).all()
    within_week = ((applied["applied_on"] - applied["received_on"]).dt.total_days() <= 7).sum() / e.height
    assert 0.75 < within_week < 0.92
    years = (TODAY - ROLLOUT).days / 365.25
    rates = dict(e.group_by("event_type").len().iter_rows())
    n = city.residents.height
    assert 0.004 < rates["death"] / n / years < 0.008
    assert 0.009 < rates["birth"] / n / years < 0.018

    assert city.vaccinations.height < 0.6 * n
    dob_ok = labelled.filter(
        ~pl.col("defects").list.contains("impossible_date") & pl.col("date_of_birth").is_not_null()
    )
    v = city.vaccinations.join(dob_ok.select("id", "date_of_birth"), left_on="resident_id", right_on="id")
    assert (v["vaccinated_on"] >= v["date_of_birth"]).all()
    assert (v["vaccinated_on"] <= TODAY).all()
    assert ((TODAY - v["date_of_birth"]).dt.total_days() < 6 * 365 + 1).all()
    assert {"BCG", "HBV", "DPT-VGB-Hib", "OPV", "IPV", "MR", "JE", "ROTA"} <= set(v["vaccine_code"])

    s = city.submissions
    assert (s["rejected"] == s["received"] - s["accepted"]).all() and (s["received"] > 0).all()
    assert s["accepted"].sum() / s["received"].sum() > 0.99
    last_year = s.filter(pl.col("day") > TODAY - timedelta(days=365))
    assert last_year["accepted"].sum() / last_year["received"].sum() > 0.998
    m = city.facility_milestones
    first = m.filter(pl.col("first_data_sent_on").is_not_null())
    assert s.select(pl.col("facility_id").n_unique()).item() <= first.height
    assert (
        m.filter(pl.col("staff_trained_on").is_not_null())["staff_trained_on"]
        >= m.filter(pl.col("staff_trained_on").is_not_null())["account_issued_on"]
    ).all()
    stale = (
        s.group_by("facility_id").agg(pl.col("day").max()).filter(pl.col("day") < TODAY - timedelta(days=30))
    )
    assert stale.height >= 1


def test_scenario_reaches_targets(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    wards, facilities = frames
    c = generate_city(wards, facilities, scale=0.01, seed=1, today=TODAY)
    end = date(2025, 12, 31)
    present = c.residents.filter(
        (pl.col("resident_since") <= end)
        & (pl.col("resident_until").is_null() | (pl.col("resident_until") > end))
    ).join(
        c.health_records.select("resident_id", "created_on", "district_id"),
        left_on="id",
        right_on="resident_id",
        how="left",
    )
    covered = present.select((pl.col("created_on") <= end).fill_null(False).mean()).item()
    assert covered == pytest.approx(0.97, abs=0.012)
    by_district = present.group_by("district_id").agg(
        (pl.col("created_on") <= end).fill_null(False).mean().alias("c")
    )
    lagging = by_district.filter(pl.col("c") < 0.93)
    assert 3 <= lagging.height <= 5 and lagging["c"].min() > 0.83
    h = c.health_records
    verified = (h["verification_status"] == "verified").mean()
    assert verified == pytest.approx(0.81, abs=0.03)
    assert h["vneid_shared_on"].is_not_null().mean() == pytest.approx(0.6, abs=0.05)
    checks = (
        h.filter(pl.col("last_health_check_on") > TODAY - timedelta(days=365)).height / c.residents.height
    )
    assert checks == pytest.approx(0.45, abs=0.04)
    insured = h.join(
        c.residents.filter(pl.col("bhyt_card").is_not_null()).select("id"),
        left_on="resident_id",
        right_on="id",
    )
    assert insured["bhyt_linked_on"].is_not_null().mean() == pytest.approx(0.9, abs=0.04)


def test_addresses_resolve_to_their_ward(city: CityFrames, labelled: pl.DataFrame, frames: tuple) -> None:
    parse = pytest.importorskip("vietnamadminunits").parse_address
    wards, _ = frames
    if wards.height < 500:
        pytest.skip("needs the real ward list")
    codes = dict(wards.select("ward_id", "ward_code").iter_rows())
    clean = labelled.filter(pl.col("defects").list.len() == 0).sample(400, seed=1)
    for row in clean.iter_rows(named=True):
        parsed = parse(row["address_text"], mode="LEGACY", level=3)
        assert parsed.ward_code == codes[row["ward_id"]], row["address_text"]
    mismatched = labelled.filter(pl.col("defects").list.contains("address_ward_mismatch")).head(60)
    for row in mismatched.iter_rows(named=True):
        parsed = parse(row["address_text"], mode="LEGACY", level=3)
        assert parsed.ward_code not in (None, codes[row["ward_id"]]), row["address_text"]
