"""Demo accounts for a demo database: one per role, per district centre and per commune station.

Every demo account shares ONE bcrypt hash of the demo password: hashing costs ~0.3 s, so 600+
separate hashes would add minutes to every seed. Acceptable only because this is demo data;
issued accounts (the accounts page) get their own hashes.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from data_access.accounts import hash_password
from data_access.models.enums import FacilityType, Role

INSPECTOR_DISTRICTS = ("001", "005", "268", "269")  # Ba Đình, Cầu Giấy, Hà Đông, Sơn Tây
CITY_ACCOUNTS_CREATED = dt.date(2023, 9, 1)

ACCOUNT_SCHEMA = {
    "id": pl.Int64,
    "username": pl.String,
    "full_name": pl.String,
    "role": pl.String,
    "facility_id": pl.Int64,
    "created_on": pl.Date,
}


def demo_account_frames(
    org_units: pl.DataFrame, facilities: pl.DataFrame, password: str, *, seed: int, today: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(account rows, account_scope rows) ready for bulk loading."""
    city_id = org_units.filter(pl.col("level") == "city")["id"][0]
    districts = org_units.filter(pl.col("level") == "district").sort("code")
    accounts: list[dict] = []
    scopes: list[dict] = []

    def add(username, full_name, role, facility_id, created_on, scope_units=(), scope_facility=None):
        account_id = len(accounts) + 1
        accounts.append(
            {
                "id": account_id,
                "username": username,
                "full_name": full_name,
                "role": role,
                "facility_id": facility_id,
                "created_on": created_on,
            }
        )
        for org_unit_id in scope_units:
            scopes.append({"account_id": account_id, "org_unit_id": org_unit_id, "facility_id": None})
        if scope_facility is not None:
            scopes.append({"account_id": account_id, "org_unit_id": None, "facility_id": scope_facility})

    add("lanhdao", "Lãnh đạo Sở Y tế", Role.LEADERSHIP, None, CITY_ACCOUNTS_CREATED, [city_id])
    add("quantri", "Quản trị hệ thống", Role.CITY_ADMIN, None, CITY_ACCOUNTS_CREATED, [city_id])
    inspected = districts.filter(pl.col("code").is_in(INSPECTOR_DISTRICTS))["id"].to_list()
    add("thanhtra", "Đoàn thanh tra, giám sát", Role.INSPECTOR, None, CITY_ACCOUNTS_CREATED, inspected)

    centres = facilities.filter(pl.col("facility_type") == FacilityType.TTYT)
    centre_by_district = dict(centres.select("district_id", "id").iter_rows())
    issued_on = dict(facilities.select("id", "account_issued_on").iter_rows())
    for district_id, code, name in districts.select("id", "code", "name").iter_rows():
        centre = centre_by_district.get(district_id)
        add(
            f"ttyt.{code}",
            f"Quản lý TTYT {name}",
            Role.DISTRICT_MANAGER,
            centre,
            issued_on.get(centre) or CITY_ACCOUNTS_CREATED,
            [district_id],
        )
    stations = facilities.filter(pl.col("facility_type") == FacilityType.TYT).sort("code")
    for facility_id, code, name, ward_id, issued in stations.select(
        "id", "code", "name", "ward_id", "account_issued_on"
    ).iter_rows():
        add(
            f"tyt.{code.lower()}",
            f"Cán bộ {name}",
            Role.FACILITY_USER,
            facility_id,
            issued or today,
            [ward_id],
            facility_id,
        )

    frame = pl.DataFrame(accounts, schema=ACCOUNT_SCHEMA)
    return _with_sign_in_history(frame, hash_password(password), seed, today), pl.DataFrame(
        [{"id": i, **row} for i, row in enumerate(scopes, start=1)],
        schema={"id": pl.Int64, "account_id": pl.Int64, "org_unit_id": pl.Int64, "facility_id": pl.Int64},
    )


def _with_sign_in_history(frame: pl.DataFrame, password_hash: str, seed: int, today: dt.date) -> pl.DataFrame:
    """Plausible first/last sign-ins so "issued vs actually used" has something to show."""
    rng = np.random.default_rng(seed + 1_000)
    n = frame.height
    first_delay = rng.integers(0, 20, n)
    idle_days = np.where(rng.random(n) < 0.8, rng.integers(0, 30, n), rng.integers(30, 200, n))
    never_used = rng.random(n) < 0.04
    created = frame["created_on"]
    midnight = pl.lit(dt.time(8, 0))
    return frame.with_columns(
        password_hash=pl.lit(password_hash),
        is_active=pl.lit(True),
        must_change_password=pl.lit(False),
        created_at=pl.col("created_on").dt.combine(midnight).dt.replace_time_zone("UTC"),
        first_login_at=pl.when(pl.Series(never_used))
        .then(None)
        .otherwise((created + pl.duration(days=pl.Series(first_delay))).dt.combine(midnight))
        .dt.replace_time_zone("UTC"),
        last_login_at=pl.when(pl.Series(never_used))
        .then(None)
        .otherwise(
            pl.max_horizontal(
                created + pl.duration(days=pl.Series(first_delay)),
                pl.lit(today) - pl.duration(days=pl.Series(idle_days)),
            ).dt.combine(midnight)
        )
        .dt.replace_time_zone("UTC"),
    ).drop("created_on")
