"""Duplicate matching: diacritics, spelling variants, swapped day/month, same CCCD, neighbours."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from cleaning.duplicates import neighbour_pairs, score_pairs

WARDS = pl.DataFrame(
    {
        "id": [1, 2, 3],
        "district_id": [10, 10, 10],
        "latitude": [21.0468, 21.0453, 21.2000],
        "longitude": [105.8481, 105.8418, 105.9000],
    }
)
NEIGHBOURS = neighbour_pairs(WARDS, max_km=2.5, nearest=0)


def people(*rows):
    return pl.DataFrame(
        [
            {"resident_id": i, "cccd": c, "full_name": n, "sex": s, "date_of_birth": d, "ward_id": w}
            for i, (c, n, s, d, w) in enumerate(rows, start=1)
        ],
        schema={
            "resident_id": pl.Int64,
            "cccd": pl.String,
            "full_name": pl.String,
            "sex": pl.String,
            "date_of_birth": pl.Date,
            "ward_id": pl.Int64,
        },
    )


def bhxh_people(*rows):
    frame = people(*[r[:5] for r in rows])
    return frame.with_columns(bhxh_code=pl.Series([r[5] for r in rows], dtype=pl.String))


def pairs(frame):
    return {
        (r["resident_id"], r["other_resident_id"]): json.loads(r["details"])
        for r in score_pairs(frame, NEIGHBOURS).iter_rows(named=True)
    }


D = dt.date(1990, 3, 7)


def test_neighbours_are_symmetric_and_exclude_far_wards():
    assert (1, 2) in NEIGHBOURS and (2, 1) in NEIGHBOURS
    assert (1, 3) not in NEIGHBOURS and (3, 1) not in NEIGHBOURS


def test_name_without_diacritics_same_dob():
    found = pairs(
        people(("001090111111", "Trần Văn Nam", "M", D, 1), ("001090222222", "TRAN VAN NAM", "M", D, 1))
    )
    assert found[(1, 2)]["variation"] == "no_diacritics"
    assert found[(1, 2)]["fields"]["full_name"]["agreement"] == "no_diacritics"


def test_spelling_variant_in_neighbouring_ward():
    found = pairs(
        bhxh_people(
            ("001190111111", "Nguyễn Thị Huyền", "F", D, 1, "0100000001"),
            ("001190222222", "Nguyễn Thị Huền", "F", D, 2, "0100000001"),
        )
    )
    assert found[(1, 2)]["variation"] == "spelling"
    assert found[(1, 2)]["fields"]["ward"]["agreement"] == "neighbour"


def test_swapped_day_and_month():
    found = pairs(
        people(
            ("001090111111", "Lê Văn Hùng", "M", dt.date(1990, 3, 7), 1),
            ("0010901", "Lê Văn Hùng", "M", dt.date(1990, 7, 3), 1),  # CCCD unusable: names and dates decide
        )
    )
    assert found[(1, 2)]["variation"] == "swapped_dob"


def test_same_cccd_needs_corroboration():
    found = pairs(
        people(
            ("001090111111", "Lê Văn Hùng", "M", D, 1),
            ("001090111111", "LÊ VĂN  HÙNG", "M", dt.date(1990, 5, 5), 3),  # far ward, other date: same CCCD
            ("001090222222", "Lê Văn Hùng", "M", dt.date(1991, 1, 1), 3),
            ("001090222222", "Phạm Minh Tuấn", "M", None, 1),  # one number, two people: an ID conflict
        )
    )
    assert set(found) == {(1, 2)} and found[(1, 2)]["variation"] == "same_cccd"


def test_two_valid_cccds_without_bhxh_need_an_exact_match():
    found = pairs(
        people(
            ("001090111111", "Trần Văn Nam", "M", D, 1),
            ("001090222222", "Trần Văn Nam", "M", D, 1),  # exact: same person registered twice
            ("001090333333", "Trần Văn Namm", "M", D, 2),  # near-namesake next door: not enough
        )
    )
    assert set(found) == {(1, 2)}


def test_unicode_forms_and_lookalike_d_match_exactly():
    import unicodedata

    found = pairs(
        people(
            ("001090111111", "Đặng Văn Đức", "M", D, 1),
            ("001090222222", unicodedata.normalize("NFD", "\u00d0ặng Văn \u00d0ức"), "M", D, 1),
        )
    )
    assert found[(1, 2)]["fields"]["full_name"]["agreement"] == "exact"


def test_not_duplicates():
    assert (
        pairs(
            people(
                ("001090111111", "Nguyễn Văn Nam", "M", D, 1),
                ("001090222222", "Nguyễn Văn Bình", "M", D, 1),  # twins: other given name
                ("001190333333", "Nguyễn Văn Nam", "F", D, 1),  # other sex
                ("001091444444", "Nguyễn Văn Nam", "M", dt.date(1991, 3, 7), 1),  # other year
                ("001090555555", "Nguyễn Văn Nam", "M", D, 3),  # far ward
                ("001090666666", "Nguyễn Văn Nam", "M", dt.date(1990, 3, 8), 1),  # other day
            )
        )
        == {}
    )


def test_bhxh_codes_decide_between_namesakes():
    found = pairs(
        bhxh_people(
            ("001090111111", "Nguyễn Văn Nam", "M", D, 1, "0100000001"),
            ("001090222222", "Nguyễn Văn Nam", "M", D, 1, "0100000002"),  # namesake: other BHXH code
            ("001090333333", "Nguyen Van Nam", "M", D, 2, "0100000001"),  # other CCCD, same BHXH: same person
        )
    )
    assert set(found) == {(1, 3)}
    assert found[(1, 3)]["fields"]["bhxh_code"]["agreement"] == "same"


def test_truncated_cccd_shared_by_chance_is_not_evidence():
    assert (
        pairs(people(("123456789", "Lê Văn Hùng", "M", D, 1), ("123456789", "Phạm Minh Tuấn", "M", None, 3)))
        == {}
    )
