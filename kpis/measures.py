"""Measures: the counts the KPIs divide, kept as daily increments per finest-level unit.

Each measure is counted from exactly one *source* (one aggregate pass per source table). The SQL that
turns source rows into dated increments lives in ``data_access.kpi_facts``; the semantics are:

A measure counts a row on day D when D lies in the row's interval [start, end) (end None = open):
(increments dated before EPOCH - 1 day are stored on that day: the facts are exact from 30/06/2023
on, which keeps forty years of residents' arrival dates from becoming a fact row per ward per day)

resident ⟕ health_record (source ``population``; merged resident rows excluded)
  residents                     [resident_since, resident_until)           = status "residents"
  residents_with_record         [max(resident_since, created_on), resident_until)
  residents_vaccination_loaded  [max(resident_since, vaccination_loaded_on), resident_until)
  residents_health_check_12m    [max(resident_since, last_health_check_on),
                                 min(resident_until, last_health_check_on + 365))
  records                       [created_on, closed_on)
  records_standardised          [max(created_on, standardised_on), closed_on)
  records_verified              [max(created_on, verified_on), closed_on) if verification_status = verified
  records_vneid_shared          [max(created_on, vneid_shared_on), closed_on)
  records_insured               [created_on, closed_on) if the resident has a BHYT card
  records_insured_linked        [max(created_on, bhyt_linked_on), closed_on) if insured
facility (source ``facility``; per facility)
  facility_registered           [EPOCH, ∞)
  facility_account_issued       [account_issued_on, ∞)
  facility_staff_trained        [staff_trained_on, ∞)
  facility_licensed             [EPOCH, ∞) if licensed
  facility_connected            [first_data_sent_on, ∞) if licensed
facility_daily_submission (source ``submission``; per facility)
  submissions_received / submissions_accepted: the day's counts (cumulative sums)
  facility_reporting_30d        union of [day, day + 30) over days with received > 0 on/after
                                first_data_sent_on, licensed facilities only
cleaning_item (source ``cleaning``): dates are Asia/Ho_Chi_Minh calendar days
  cleaning_raised               [opened_at, closed_at if dismissed else ∞)
  cleaning_resolved             [closed_at, ∞) if status = resolved
admin_change_event (source ``admin_event``)
  admin_events_received_90d     [received_on, received_on + 90)
  admin_events_applied_7d       [max(applied_on, received_on), received_on + 90)
                                if applied_on <= received_on + 7
supervision_evaluation (source ``supervision``; submitted/closed only; a ward is evaluated when an
evaluation names the ward or a facility located in it)
  wards_due                     [EPOCH, ∞) per ward in force
  wards_supervised_quarter      [first evaluation in the quarter, next quarter start)
account ⋈ facility (source ``account``; facility accounts only)
  accounts_issued               [created_at, disabled_at)
  accounts_used_30d             [max(last_login_at, created_at), min(last_login_at + 30, disabled_at))
"""

from __future__ import annotations

import datetime as dt

from data_access.kpi_facts import ADMIN_EVENT_MEASURES, POPULATION_MEASURES, SUBMISSION_MEASURES

EPOCH = dt.date(2023, 7, 1)  # history starts here ("every day since July 2023")

SOURCES: dict[str, tuple[str, ...]] = {
    "population": POPULATION_MEASURES,
    "facility": (
        "facility_registered",
        "facility_account_issued",
        "facility_staff_trained",
        "facility_licensed",
        "facility_connected",
    ),
    "submission": SUBMISSION_MEASURES,
    "cleaning": ("cleaning_raised", "cleaning_resolved"),
    "admin_event": ADMIN_EVENT_MEASURES,
    "supervision": ("wards_due", "wards_supervised_quarter"),
    "account": ("accounts_issued", "accounts_used_30d"),
}
# Big, append-mostly sources refresh incrementally (days >= the watermark minus a look-back); the small
# ones (a few thousand rows) are recomputed whole on every refresh, which also covers edits to the past.
INCREMENTAL_SOURCES = frozenset({"population", "submission", "admin_event"})
ALL_MEASURES = frozenset(m for measures in SOURCES.values() for m in measures)
FACILITY_MEASURES = frozenset(SOURCES["facility"] + SOURCES["submission"] + SOURCES["account"])
MEASURE_SOURCE = {m: source for source, measures in SOURCES.items() for m in measures}
