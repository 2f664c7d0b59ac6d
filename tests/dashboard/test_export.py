from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.components.export import csv_bytes, excel_bytes, neutralise_formula

DANGEROUS = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=x", "\r=x", '  =HYPERLINK("http://x")', "＝1"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_dangerous_text_is_prefixed(value):
    assert neutralise_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["Nguyễn Văn A", "001203012345", "", "a=b", 5, -5, 1.5, None, True])
def test_harmless_values_unchanged(value):
    assert neutralise_formula(value) == value


@given(st.text())
def test_neutralised_text_never_starts_a_formula(text):
    result = neutralise_formula(text)
    assert not result.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r", "\n"))


def test_excel_cells_are_text_not_formulas():
    frame = pl.DataFrame(
        {"Họ tên": ['=HYPERLINK("http://evil")', "Trần Thị Hạnh"], "n": [-5, 8412345], "@h": ["@x", "ok"]}
    )
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes(frame, "Danh sách: tài khoản")))
    sheet = book.active
    assert sheet.title == "Danh sách  tài khoản"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Họ tên", "n", "'@h")
    assert rows[1] == ('\'=HYPERLINK("http://evil")', -5, "'@x")
    assert rows[2] == ("Trần Thị Hạnh", 8412345, "ok")
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_excel_accepts_pandas_and_aware_datetimes():
    at = dt.datetime(2026, 11, 25, 8, 30, tzinfo=dt.UTC)
    data = excel_bytes(pd.DataFrame({"at": [at], "x": ["+1"]}), "s")
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[1] == (dt.datetime(2026, 11, 25, 8, 30), "'+1")


def test_csv_has_bom_and_neutralised_cells():
    data = csv_bytes(pl.DataFrame({"tên": ["-1+2", "Hà Nội"]}))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'-1+2" in text and "Hà Nội" in text
