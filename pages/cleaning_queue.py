"""Data-cleaning worklist: filter, assign, open an item, act on it. Thin: everything goes through
``services.cleaning`` (scope, masking, validation and history live below)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboard.components.confirmation import confirm_and_rerun, show_confirmation
from dashboard.components.data_table import data_table
from dashboard.components.export import XLSX_MIME, excel_bytes
from dashboard.context import current_principal, get_engine
from dashboard.i18n import current_language, format_number, t
from data_access.cleaning import UNASSIGNED, QueueFilter
from services import cleaning as svc

STATUSES = ("open", "resolved", "dismissed")
FIX_FIELDS = ("full_name", "sex", "date_of_birth", "cccd", "bhxh_code", "bhyt_card", "address_text")


def render() -> None:
    principal = current_principal()
    engine = get_engine()
    lang = current_language()
    st.title(t("cleaning.queue.title"))
    show_confirmation()
    options = svc.filter_options(engine, principal)
    flt = _filters(options, lang)
    frame, total = svc.queue_page(engine, principal, flt, lang)
    st.caption(t("cleaning.count", shown=format_number(frame.height), total=format_number(total)))
    if frame.height == 0:
        st.info(t("cleaning.empty"))
        return
    statuses = {s: t(f"cleaning.status.{s}") for s in STATUSES}
    frame = frame.with_columns(frame["status"].replace_strict(statuses, default=frame["status"]))
    shown = frame.drop("version", "rule_id").rename(
        {c: t(f"cleaning.col.{c}") for c in frame.columns if c not in ("version", "rule_id")}
    )
    data_table(shown, identifiers=[t("cleaning.col.id")], hide_index=True, width="stretch")
    st.download_button(
        t("cleaning.export"),
        data=lambda: excel_bytes(svc.export_queue(engine, principal, flt, lang), t("cleaning.queue.title")),
        file_name=f"lam-sach-{dt.date.today():%Y%m%d}.xlsx",
        mime=XLSX_MIME,
        key="cleaning_export",
    )
    versions = dict(zip(frame["id"].to_list(), frame["version"].to_list(), strict=True))
    if options.can_assign and options.facilities:
        _assign(engine, principal, options, versions)
    item_id = st.selectbox(t("cleaning.item.pick"), list(versions), key="cleaning_item_pick")
    if item_id is not None:
        _item(engine, principal, int(item_id), lang)


def _filters(options: svc.FilterOptions, lang: str) -> QueueFilter:
    index = 0 if lang == "vi" else 1
    cols = st.columns(3)
    rules = cols[0].multiselect(
        t("cleaning.filter.rule"),
        list(options.rules),
        format_func=lambda r: options.rules[r][index],
        placeholder=t("common.all"),
        key="cleaning_f_rule",
    )
    wards = cols[1].multiselect(
        t("cleaning.filter.ward"),
        list(options.wards),
        format_func=options.wards.get,
        placeholder=t("common.all"),
        key="cleaning_f_ward",
    )
    statuses = cols[2].multiselect(
        t("cleaning.filter.status"),
        STATUSES,
        default=["open"],
        format_func=lambda s: t(f"cleaning.status.{s}"),
        placeholder=t("common.all"),
        key="cleaning_f_status",
    )
    cols = st.columns(3)
    stations = {None: t("cleaning.any"), UNASSIGNED: t("cleaning.unassigned"), **options.facilities}
    station = cols[0].selectbox(
        t("cleaning.filter.station"), list(stations), format_func=stations.get, key="cleaning_f_station"
    )
    min_age = cols[1].number_input(
        t("cleaning.filter.min_age"), min_value=0, value=0, step=1, key="cleaning_f_age"
    )
    sort = cols[2].radio(
        t("cleaning.filter.sort"),
        ("priority", "age"),
        format_func=lambda s: t(f"cleaning.sort.{s}"),
        horizontal=True,
        key="cleaning_f_sort",
    )
    return QueueFilter(
        rule_ids=tuple(rules),
        ward_ids=tuple(wards),
        statuses=tuple(statuses),
        assigned_facility_id=station,
        min_age_days=int(min_age) or None,
        sort=sort,
        limit=500,
    )


def _assign(engine, principal, options, versions) -> None:
    with st.expander(t("cleaning.assign.title")):
        chosen = st.multiselect(
            t("cleaning.assign.items"),
            list(versions),
            placeholder=t("common.choose"),
            key="cleaning_assign_items",
        )
        station = st.selectbox(
            t("cleaning.assign.station"),
            list(options.facilities),
            format_func=options.facilities.get,
            key="cleaning_assign_station",
        )
        if st.button(t("cleaning.assign.button"), key="cleaning_assign_go", disabled=not chosen):
            error = svc.run_action("assign", engine, principal, [(i, versions[i]) for i in chosen], station)
            _report(error, t("cleaning.assign.done", n=len(chosen)))


def _report(error: str | None, ok: str | None = None, **params) -> None:
    """An error shows at once; a success reruns the page, so the queue, the item and its history
    show the change, and the message comes back at the top of that run."""
    if error:
        st.error(t(error, **params) if params else t(error))
        return
    confirm_and_rerun(ok or t("cleaning.action.done"))


def _item(engine, principal, item_id: int, lang: str) -> None:
    reveal = st.toggle(t("cleaning.item.reveal"), key=f"cleaning_reveal_{item_id}")
    view = svc.item_view(engine, principal, item_id, reveal=reveal)
    if view is None:
        st.error(t("cleaning.error.not_allowed"))
        return
    item, rule = view.item, view.rule
    suffix = "vi" if lang == "vi" else "en"
    st.subheader(t("cleaning.item.title", id=item["id"], rule=rule[f"name_{suffix}"]))
    st.markdown(
        f"**{t('cleaning.item.explanation')}:** {rule[f'explanation_{suffix}'] or rule['explanation_vi']}"
    )
    fix_text = rule[f"suggested_fix_{suffix}"] or rule["suggested_fix_vi"]
    st.markdown(f"**{t('cleaning.item.suggested_fix')}:** {fix_text}")
    if not view.revealed:
        st.caption(t("cleaning.item.masked"))
    if view.comparison:
        st.markdown(f"**{t('cleaning.item.compare')}**")
        data_table(
            [
                {
                    t("cleaning.item.field"): t(f"cleaning.field.{row['field']}"),
                    t("cleaning.item.left"): row["left"],
                    t("cleaning.item.right"): row["right"],
                    t("cleaning.item.agreement"): t(f"cleaning.agree.{row['agreement']}"),
                }
                for row in view.comparison
            ],
            hide_index=True,
        )
    else:
        data_table(
            [{t(f"cleaning.field.{k}") if k != "id" else "ID": v for k, v in p.items()} for p in view.people],
            hide_index=True,
        )
    version = item["version"]
    if item["status"] == "open":
        _open_actions(engine, principal, item, version)
    elif item["resolution"] == "merged" and st.button(
        t("cleaning.action.undo_merge"), key=f"cleaning_undo_{item_id}"
    ):
        _report(svc.run_action("undo_merge", engine, principal, item_id, version))
    with st.form(f"cleaning_comment_{item_id}", clear_on_submit=True):
        text = st.text_area(t("cleaning.action.comment"))
        if st.form_submit_button(t("cleaning.action.add_comment")):
            _report(svc.run_action("add_comment", engine, principal, item_id, text))
    st.markdown(f"**{t('cleaning.item.history')}**")
    if view.events:
        data_table(_history_rows(view.events), hide_index=True)
    else:
        st.caption(t("cleaning.history.none"))


def _history_rows(events: list[dict]) -> pl.DataFrame:
    """The item's events with translated headers and actions (an unknown action shows its code)."""
    rows = pl.DataFrame(
        events,
        schema={
            "at": pl.Datetime,
            "action": pl.String,
            "actor": pl.String,
            "comment": pl.String,
            "before": pl.String,
            "after": pl.String,
        },
    )
    labels = {a: t(f"cleaning.event.{a}") for a in rows["action"].unique().to_list()}
    rows = rows.with_columns(pl.col("action").replace(labels))
    return rows.rename({c: t(f"cleaning.history.{c}") for c in rows.columns})


def _open_actions(engine, principal, item, version) -> None:
    item_id = item["id"]
    if item["rule_id"] == "duplicate":
        with st.form(f"cleaning_merge_{item_id}"):
            keep = st.radio(
                t("cleaning.action.keep"), [item["resident_id"], item["other_resident_id"]], horizontal=True
            )
            take = st.multiselect(
                t("cleaning.action.take_from_other"),
                FIX_FIELDS,
                format_func=lambda f: t(f"cleaning.field.{f}"),
                placeholder=t("common.choose"),
            )
            if st.form_submit_button(t("cleaning.action.merge")):
                _report(
                    svc.run_action(
                        "merge",
                        engine,
                        principal,
                        item_id,
                        version,
                        keep_id=keep,
                        take_from_other=tuple(take),
                    )
                )
        if st.button(t("cleaning.action.not_duplicate"), key=f"cleaning_notdup_{item_id}"):
            _report(svc.run_action("not_duplicate", engine, principal, item_id, version))
    else:
        with st.form(f"cleaning_fix_{item_id}"):
            changes = {}
            for name in FIX_FIELDS:
                value = st.text_input(
                    t(f"cleaning.field.{name}"),
                    key=f"cleaning_fix_{item_id}_{name}",
                    placeholder="dd/mm/yyyy" if name == "date_of_birth" else None,
                )
                if value.strip():
                    changes[name] = _parse(name, value)
            close = st.checkbox(t("cleaning.action.close_record"))
            if close:
                changes["record_status"] = "closed"
            if st.form_submit_button(t("cleaning.action.save_fix")):
                error = svc.run_action("fix", engine, principal, item_id, version, changes)
                _report(error)
    with st.form(f"cleaning_dismiss_{item_id}"):
        reason = st.text_input(t("cleaning.action.reason"))
        if st.form_submit_button(t("cleaning.action.dismiss")):
            _report(svc.run_action("dismiss", engine, principal, item_id, version, reason))


def _parse(name: str, value: str):
    if name == "date_of_birth":
        try:
            return dt.datetime.strptime(value.strip(), "%d/%m/%Y").date()
        except ValueError:
            return None
    return value
