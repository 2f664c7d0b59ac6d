from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from identifiers import (
    BHYT_GROUPS,
    BHYT_PROVINCE_CODES,
    BhytCard,
    BhytProblem,
    bhxh_invalid_expr,
    bhyt_problem_exprs,
    check_bhyt,
    is_valid_bhxh,
    make_bhyt,
    parse_bhyt,
)

BHXH = "0120878811"


@pytest.mark.parametrize("value", ["0120878811", "0000000000", "9999999999"])
def test_valid_bhxh(value: str) -> None:
    assert is_valid_bhxh(value)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "120878811",
        "01208788112",
        " 0120878811",
        "0120878811\n",
        "012087881A",
        "١٢٠٨٧٨٨١١٠",
        120878811,
    ],
)
def test_invalid_bhxh(value: object) -> None:
    assert not is_valid_bhxh(value)


def test_group_list_holds_the_common_groups() -> None:
    assert {"DN", "HC", "HT", "TE", "HS", "GD", "CN", "HN", "QN", "CA", "CY"} <= set(BHYT_GROUPS)
    assert len(BHYT_GROUPS) == len(set(BHYT_GROUPS))
    assert "01" in BHYT_PROVINCE_CODES and "79" in BHYT_PROVINCE_CODES


def test_make_and_parse_the_documented_example() -> None:
    assert make_bhyt("HS", 4, "01", BHXH) == "HS4010120878811"
    assert parse_bhyt("HS4010120878811") == BhytCard(bhxh=BHXH, group="HS", level=4, province="01")


def test_bare_card_since_2021() -> None:
    card = parse_bhyt(BHXH)
    assert card == BhytCard(bhxh=BHXH)
    assert card is not None and card.is_bare and card.code() == BHXH


@pytest.mark.parametrize(
    ("group", "level", "province", "bhxh"),
    [
        ("XX", 4, "01", BHXH),
        ("HS", 0, "01", BHXH),
        ("HS", 6, "01", BHXH),
        ("HS", 4, "03", BHXH),
        ("HS", 4, "01", "12"),
    ],
)
def test_make_bhyt_rejects_bad_parts(group: str, level: int, province: str, bhxh: str) -> None:
    with pytest.raises(ValueError):
        make_bhyt(group, level, province, bhxh)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "hs4010120878811",  # lower case
        "HS401012087881",  # 14 characters
        "HS40101208788111",
        "XX4010120878811",  # unknown group
        "HS6010120878811",  # benefit level 6
        "HS0010120878811",
        "HS4030120878811",  # province 03 does not exist
        " HS4010120878811",
        "HS4010120878811 ",
        "HS401012087881A",
        "012087881",  # 9 digits
        4010120878811,
    ],
)
def test_malformed_cards(value: object) -> None:
    assert parse_bhyt(value) is None
    assert check_bhyt(value) == [BhytProblem.MALFORMED]
    assert check_bhyt(value, BHXH) == [BhytProblem.MALFORMED]


def test_check_bhyt_against_the_residents_bhxh_code() -> None:
    assert check_bhyt("HS4010120878811", BHXH) == []
    assert check_bhyt(BHXH, BHXH) == []
    assert check_bhyt("HS4010120878811", "0120878812") == [BhytProblem.BHXH_MISMATCH]
    assert check_bhyt(BHXH, "0120878812") == [BhytProblem.BHXH_MISMATCH]
    assert check_bhyt("HS4010120878811") == []


def test_problems_carry_vietnamese_labels() -> None:
    assert all(problem.label for problem in BhytProblem)
    assert "BHYT" in BhytProblem.MALFORMED.label


bhxh_codes = st.text(alphabet="0123456789", min_size=10, max_size=10)
full_cards = st.builds(
    make_bhyt,
    st.sampled_from(BHYT_GROUPS),
    st.integers(1, 5),
    st.sampled_from(BHYT_PROVINCE_CODES),
    bhxh_codes,
)


@given(st.sampled_from(BHYT_GROUPS), st.integers(1, 5), st.sampled_from(BHYT_PROVINCE_CODES), bhxh_codes)
def test_make_bhyt_parse_round_trip(group: str, level: int, province: str, bhxh: str) -> None:
    code = make_bhyt(group, level, province, bhxh)
    card = parse_bhyt(code)
    assert card == BhytCard(bhxh=bhxh, group=group, level=level, province=province)
    assert card is not None and card.code() == code
    assert check_bhyt(code, bhxh) == []


card_values = st.one_of(
    full_cards,
    bhxh_codes,
    st.none(),
    st.text(max_size=16),
    st.text(alphabet="ABCDHNST0123456789", min_size=14, max_size=16),
)
bhxh_values = st.one_of(st.none(), bhxh_codes, st.just("0120878811"), st.text(max_size=11))


@settings(max_examples=50)
@given(st.lists(st.tuples(card_values, bhxh_values), min_size=1, max_size=40))
def test_polars_expressions_agree_with_scalar_checks(rows: list[tuple[str | None, str | None]]) -> None:
    frame = pl.DataFrame(rows, schema={"card": pl.String, "bhxh": pl.String}, orient="row")
    exprs = bhyt_problem_exprs("card", "bhxh")
    flags = frame.select(*exprs.values(), bhxh_invalid=bhxh_invalid_expr("bhxh"))
    for (card, bhxh), flag_row in zip(rows, flags.iter_rows(named=True), strict=True):
        expected = {problem.value for problem in check_bhyt(card, bhxh)}
        assert {name for name, flagged in flag_row.items() if flagged and name != "bhxh_invalid"} == expected
        assert flag_row["bhxh_invalid"] is (not is_valid_bhxh(bhxh))


def test_polars_expressions_without_bhxh_column() -> None:
    frame = pl.DataFrame({"card": ["HS4010120878811", "bad", None]})
    flags = frame.select(*bhyt_problem_exprs("card").values())
    assert flags.rows() == [(False, False), (True, False), (True, False)]
