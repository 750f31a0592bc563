"""Part 10: the team's page: the dry run and the import of a 10,000-row spreadsheet through the page's
own code path (:mod:`solidarity.importer`: read the upload, check it row by row against the store,
flag likely duplicates; then the all-or-nothing import), the undo of that import, and saving the
edit form (AppTest on ``/beheer``, signed in, on a store of 10,000 initiatives)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from bench.fixtures import APP, Context, Part, clear_streamlit_caches, environ, patched
from bench.report import Target, fmt_s, log, section, table
from harness.apptest import v2_navigation

IMPORT_N = 10_000
TARGET_IMPORT_S = 10.0
TARGET_SAVE_S = 0.3
SAVES = 8
PASSWORD = "bench password, long enough"


def _xlsx(csv_path: Path, target: Path) -> Path:
    """The same rows as a workbook (what a team member saves from Excel)."""
    import csv

    import xlsxwriter

    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    book = xlsxwriter.Workbook(str(target), {"strings_to_formulas": False, "strings_to_urls": False,
                                             "constant_memory": True})  # fmt: skip
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return target


def bench_import(url: str, seed: Path, csv_path: Path, xlsx_path: Path) -> dict[str, Any]:
    from solidarity import importer
    from solidarity.store import Store

    store = Store(url)
    store.ensure_seeded(seed)
    out: dict[str, Any] = {}
    data = xlsx_path.read_bytes()
    start = time.perf_counter()
    check_x = importer.check_upload(store, xlsx_path.name, data, "bench@example.org")
    out["dry_xlsx"] = time.perf_counter() - start
    data = csv_path.read_bytes()
    start = time.perf_counter()
    check = importer.check_upload(store, csv_path.name, data, "bench@example.org")
    out["dry_csv"] = time.perf_counter() - start
    if not (check.can_import and check_x.can_import) or len(check.report.added) != IMPORT_N:
        raise RuntimeError(f"dry run: {check.report.summary()} / {check_x.report.summary()}")
    out["duplicates"] = len(check.duplicates)
    start = time.perf_counter()
    report = importer.import_upload(store, csv_path.name, data, "bench@example.org", check.report)
    out["commit"] = time.perf_counter() - start
    if not report.written or len(report.added) != IMPORT_N:
        raise RuntimeError(f"import: {report.summary()}")
    start = time.perf_counter()
    undo = store.undo_batch(report.batch, who="bench@example.org")
    out["undo"] = time.perf_counter() - start
    if len(undo.undone) != IMPORT_N:
        raise RuntimeError(f"undo: {len(undo.undone)} undone")
    store.close()
    return out


def bench_save(ctx: Context, n: int) -> list[float]:
    """Seconds of the run a click on Save causes (the check, the write, the page drawn again)."""
    from streamlit.testing.v1 import AppTest

    import ui.signin
    from solidarity.auth import hash_password
    from solidarity.store import Store

    secrets = ctx.fx.root / "bench-secrets.toml"
    secrets.write_text(f'[team.accounts.bench]\npassword_hash = "{hash_password(PASSWORD)}"\nrole = "editor"\n')
    env = ctx.fx.app_env(n, f"team-save-{n}")
    target = Store(env["DATABASE_URL"])
    target.ensure_seeded(Path(env["SEED_DIR"]))
    row_id = str(target.initiatives()["id"].iloc[0])
    target.close()
    clear_streamlit_caches()
    times: list[float] = []
    with environ(env), patched(ui.signin, "secrets_paths", lambda: [secrets]), v2_navigation():
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.run()
        at.switch_page("pages/team.py").run()
        at.text_input(key="tm_login_name").input("bench")
        at.text_input(key="tm_login_password").input(PASSWORD)
        next(b for b in at.button if b.proto.form_id == "tm_login").click().run()
        at.query_params["id"] = row_id
        at.run()
        for k in range(SAVES):
            at.text_input(key="tm_f_phone").input(f"03 200 00 {k:02d}")
            button = next(b for b in at.button if b.key == "tm_save")
            start = time.perf_counter()
            button.click().run()
            times.append(time.perf_counter() - start)
            if at.exception or not any("Saved" in s.value or "Bewaard" in s.value for s in at.success):
                raise RuntimeError(f"save {k}: {[e.value for e in at.exception]} {[w.value for w in at.warning]}")
    clear_streamlit_caches()
    return times


def part_team(ctx: Context) -> list[Target]:
    from solidarity.synthetic import write_csv

    fx = ctx.fx
    csv_path = fx.root / "team-import-10000.csv"
    write_csv(csv_path, IMPORT_N, seed=2)
    xlsx_path = _xlsx(csv_path, fx.root / "team-import-10000.xlsx")
    from bench.store import databases

    rows, targets = [], []
    for label, url in databases(ctx):
        log(f"team: import of {IMPORT_N:,} rows through the page's code on {label}")
        found = bench_import(url, fx.seed_dir(0), csv_path, xlsx_path)
        rows.append([f"dry run, {IMPORT_N:,} rows, CSV / Excel, {label}", f"{fmt_s(found['dry_csv'])} / {fmt_s(found['dry_xlsx'])}",
                     f"{found['duplicates']} likely duplicates flagged"])  # fmt: skip
        rows.append([f"import (all or nothing, one batch), {label}", fmt_s(found["commit"]), ""])
        rows.append([f"undo of that import, {label}", fmt_s(found["undo"]), ""])
        for what, key in (("dry run (CSV)", "dry_csv"), ("dry run (Excel)", "dry_xlsx"), ("import", "commit"), ("undo", "undo")):
            targets.append(Target(f"team page: {what} of {IMPORT_N:,} rows, {label}", fmt_s(found[key]),
                                  f"<= {TARGET_IMPORT_S:.0f} s", found[key] <= TARGET_IMPORT_S))  # fmt: skip
    sizes = (300,) if ctx.quick else (1_000, 10_000)
    for n in sizes:
        log(f"team: saving the form, store of {n:,}")
        saves = bench_save(ctx, n)
        median = statistics.median(saves)
        rows.append([f"saving the form (run after Save, AppTest), store of {n:,}", fmt_s(median), f"max {fmt_s(max(saves))}"])
        if n == sizes[-1]:
            targets.append(Target(f"team page: saving the form, store of {n:,} (median)", fmt_s(median),
                                  f"<= {TARGET_SAVE_S * 1000:.0f} ms", median <= TARGET_SAVE_S))  # fmt: skip
    section("10. The team's page: spreadsheet import, undo, saving a form")
    print(table(["what", "time", "also"], rows))
    print(f"Import: {IMPORT_N:,} synthetic new rows into a store seeded with the real data, through")
    print("solidarity.importer as the page calls it (read and decode the upload, strict check against the store,")
    print("likely duplicates by name within 50 m and by website; then the import in one transaction with one batch;")
    print("then Store.undo_batch). Saving: the whole run caused by a click on Save, on the signed-in /beheer page.")
    return targets


PART = Part("team", part_team)
