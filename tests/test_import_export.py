"""Import and export of whole tables: what a spreadsheet writes is read correctly or refused
whole with a clear report; export neutralises formulas and export -> import round-trips; any
file either imports fully or changes nothing (hypothesis)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solidarity import exchange
from solidarity.model import INITIATIVE_COLUMNS
from solidarity.store import Store

HEADER = ",".join(INITIATIVE_COLUMNS)


def row(**values: str) -> dict[str, str]:
    base = {c: "" for c in INITIATIVE_COLUMNS} | {
        "id": "n1", "name": "Nieuw", "solidarity_type": "direct", "category": "food", "centre_id": "c-noord",
        "lat": "51.2240", "lon": "4.4290", "location_precision": "street", "source_url": "https://example.org/n1",
    }  # fmt: skip
    return base | values


def csv_bytes(rows: list[dict[str, str]], sep: str = ",", encoding: str = "utf-8", columns=INITIATIVE_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r.get(c, "") for c in columns])
    return out.getvalue().encode(encoding)


def snapshot(store: Store) -> tuple:
    return (store.data_version(), len(store.changes()), store.initiatives(include_inactive=True,
            include_archived=True, with_versions=True).to_dict("records"))  # fmt: skip


def exported(store: Store) -> pd.DataFrame:
    return store.export_table("initiatives")


def test_import_adds_changes_and_leaves_alone_with_one_batch(any_store: Store, tmp_path: Path) -> None:
    current = exported(any_store).set_index("id")
    rows = [current.loc[i].to_dict() | {"id": i} for i in ("i1", "i2")]
    rows = [{k: exchange.format_cell(v) for k, v in r.items()} for r in rows]
    rows[1]["phone"] = "03 222 22 22"
    rows.append(row())
    path = tmp_path / "update.csv"
    path.write_bytes(csv_bytes(rows))

    dry = any_store.import_file(path, dry_run=True)
    assert dry.refused is None and not dry.written
    assert dry.added == [(4, "n1")] and dry.changed == [(3, "i2", ["phone"])] and dry.unchanged == [(2, "i1")]
    assert "line 3: would change i2: phone" in dry.lines()
    report = any_store.import_file(path)
    assert report.written and report.batch
    batch = any_store.changes(batch=report.batch)
    assert sorted((c.action, c.row_id) for c in batch) == [("create", "n1"), ("update", "i2")]
    assert {c.who for c in batch} == {"import:update.csv"}
    shown = any_store.initiatives().set_index("id")
    assert shown.loc["i2", "phone"] == "03 222 22 22" and "n1" in shown.index
    again = any_store.import_file(path)  # the same file twice: nothing left to do
    assert not again.written and len(again.unchanged) == 3


def test_dry_run_writes_nothing(any_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_bytes(csv_bytes([row(), row(id="n2")]))
    before = snapshot(any_store)
    report = any_store.import_file(path, dry_run=True)
    assert [i for _line, i in report.added] == ["n1", "n2"]
    assert snapshot(any_store) == before


def test_rejected_rows_are_reported_with_line_and_field_and_the_rest_imports(any_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(csv_bytes([row(), row(id="n2", lat="50.1"), row(id="n3", solidarity_type="x"), row(id="n1")]))
    report = any_store.import_file(path)
    assert report.written and [i for _l, i in report.added] == ["n1"]
    assert [(e.line, e.field) for e in report.rejected] == [(3, "lat"), (4, "solidarity_type"), (5, "id")]
    assert "line 3: rejected: lat" in "\n".join(report.lines())


def test_missing_optional_columns_keep_the_stores_values(any_store: Store, tmp_path: Path) -> None:
    columns = ("id", "name", "solidarity_type", "lat", "lon", "location_precision", "source_url")
    old = exported(any_store).set_index("id").loc["i2"]
    path = tmp_path / "few.csv"
    values = {c: exchange.format_cell(old[c]) for c in columns if c != "id"} | {"id": "i2", "name": "OCMW Noord"}
    path.write_bytes(csv_bytes([values], columns=columns))
    report = any_store.import_file(path)
    assert report.changed == [(2, "i2", ["name"])]
    assert any_store.initiatives().set_index("id").loc["i2", "email"] == "info@example.org"  # kept


SPREADSHEETS = [
    ("cp1252-semicolon", ";", "cp1252", "windows-1252"),
    ("utf8-bom-comma", ",", "utf-8-sig", "utf-8 (with BOM)"),
    ("utf16-tab", "\t", "utf-16", "utf-16"),
    ("utf8-semicolon", ";", "utf-8", "utf-8"),
]


@pytest.mark.parametrize(("label", "sep", "encoding", "reported"), SPREADSHEETS, ids=[s[0] for s in SPREADSHEETS])
def test_spreadsheet_exports_are_read_correctly(any_store: Store, tmp_path: Path, label: str, sep: str,
                                                encoding: str, reported: str) -> None:  # fmt: skip
    path = tmp_path / f"{label}.csv"
    path.write_bytes(csv_bytes([row(name="Café Désiré – ‘t Hoekske", description="Ça va; “oui”, zeker")], sep, encoding))
    report = any_store.import_file(path)
    assert report.refused is None and report.encoding == reported and report.separator == sep
    shown = any_store.initiatives().set_index("id").loc["n1"]
    assert shown["name"] == "Café Désiré – ‘t Hoekske" and shown["description"] == "Ça va; “oui”, zeker"


BAD_FILES = [
    ("missing-column", csv_bytes([row()], columns=[c for c in INITIATIVE_COLUMNS if c != "lat"]), "required column(s) lat"),
    ("column-twice", (HEADER + ",name\n").encode(), "names a column twice: name"),
    ("broken-quoting", (HEADER + '\nn1,"Nieuw,direct\n').encode(), "broken CSV"),
    ("no-header", b"1,2,3\n4,5,6\n", "no header line"),
    ("no-rows", (HEADER + "\n").encode(), "holds no rows"),
    ("all-rows-bad", csv_bytes([row(lat="x"), row(id="n2", lat="y")]), "none of its 2 rows"),
    ("not-text", b"\x00\x01\x02" * 50, "NUL"),
    ("xlsx", b"PK\x03\x04" + b"\x00" * 40, "workbook"),
    ("undecodable", b"id,name\n\x81\x8d,x\n", "neither UTF-8 nor Windows-1252"),
    ("wrong-field-count", (HEADER + "\nn1,Nieuw,direct\n").encode(), "none of its 1 rows"),
]


@pytest.mark.parametrize(("label", "content", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_are_refused_whole_with_a_clear_line(any_store: Store, tmp_path: Path, label: str, content: bytes,
                                                       message: str) -> None:  # fmt: skip
    path = tmp_path / f"{label}.csv"
    path.write_bytes(content)
    before = snapshot(any_store)
    report = any_store.import_file(path)
    assert report.refused and message in report.refused, report.refused
    assert "refused, nothing changed" in report.summary() and "\n" not in report.summary()
    assert snapshot(any_store) == before


def test_extra_columns_are_ignored_with_a_warning(any_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "extra.csv"
    path.write_bytes(csv_bytes([row() | {"notes": "x"}], columns=(*INITIATIVE_COLUMNS, "notes")))
    report = any_store.import_file(path)
    assert report.written and report.warnings == ["ignored column(s) not in the table: notes"]


def test_100000_rows_are_refused_quickly_and_change_nothing(any_store: Store, tmp_path: Path) -> None:
    line = ",".join(row()[c] for c in INITIATIVE_COLUMNS)
    path = tmp_path / "huge.csv"
    path.write_text(HEADER + "\n" + "\n".join(line.replace("n1", f"n{k}", 1) for k in range(100_000)) + "\n")
    before = snapshot(any_store)
    report = any_store.import_file(path)
    assert report.refused and "more than 20,000 rows" in report.refused
    assert snapshot(any_store) == before


def test_hostile_strings_are_kept_as_text(any_store: Store, tmp_path: Path) -> None:
    hostile = '<script>alert(1)</script> ${x} {{7*7}} \' OR 1=1; DROP TABLE initiatives; --'
    path = tmp_path / "hostile.csv"
    path.write_bytes(csv_bytes([row(name=hostile, description="=HYPERLINK(\"http://x\")", phone="+32 3 000")]))
    any_store.import_file(path)
    shown = any_store.initiatives().set_index("id").loc["n1"]
    assert shown["name"] == hostile and shown["description"] == '=HYPERLINK("http://x")' and shown["phone"] == "+32 3 000"


# -- export ---------------------------------------------------------------------------------------

FORMULAS = ["=1+1", "+32 3 123", "-5", "@SUM(A1)", "\tx", "\rx", "'=already", "''=twice", "'t Pleintje", "plain"]


@pytest.mark.parametrize("value", FORMULAS)
def test_neutralise_round_trips_and_never_starts_a_formula(value: str) -> None:
    safe = exchange.neutralise(value)
    assert not safe.startswith(exchange.FORMULA_START)
    assert exchange.unneutralise(safe) == value
    assert (safe == value) == (value in ("'t Pleintje", "plain"))  # Dutch names keep their apostrophe


def test_export_neutralises_formulas_and_round_trips_into_an_empty_store(any_store: Store, db_url: str,
                                                                         tmp_path: Path) -> None:  # fmt: skip
    any_store.update("initiatives", "i1", {"name": "=HYPERLINK(\"http://evil\",\"klik\")", "phone": "+32 3 000 00 00",
                                           "description": "@cmd\tmet tab"}, version=1, who="t")  # fmt: skip
    any_store.archive("initiatives", "i2", version=1, who="t")
    out = tmp_path / "export"
    written = any_store.export_data(out)
    assert [p.name for p in written] == ["centres.csv", "projects.csv", "initiatives.csv", "translations.csv"]
    text = (out / "initiatives.csv").read_text(encoding="utf-8-sig")
    for cells in csv.reader(io.StringIO(text)):
        assert not any(cell.startswith(exchange.FORMULA_START) for cell in cells), cells
    assert "'=HYPERLINK" in text and "'+32 3" in text
    # Into an empty store (the other database of the pair is not needed: a new file will do).
    fresh = Store(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    report = fresh.ensure_seeded(out)
    assert report is not None and report.refused is None
    for name in ("centres", "projects", "translations"):
        assert fresh.export_table(name).to_dict("records") == any_store.export_table(name).to_dict("records")
    assert exported(fresh).to_dict("records") == exported(any_store).to_dict("records")
    assert fresh.initiatives().set_index("id").loc["i1", "name"] == "=HYPERLINK(\"http://evil\",\"klik\")"
    # And as an import into a store holding only the centres and projects.
    other = Store(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    (tmp_path / "base").mkdir()
    for name in ("centres.csv", "projects.csv"):
        (tmp_path / "base" / name).write_bytes((out / name).read_bytes())
    (tmp_path / "base" / "initiatives.csv").write_text(HEADER + "\n")
    other.ensure_seeded(tmp_path / "base")
    assert other.import_file(out / "initiatives.csv").written
    assert exported(other).to_dict("records") == exported(any_store).to_dict("records")


# -- property: any file imports fully or changes nothing ----------------------------------------

CELL = st.one_of(
    st.sampled_from(["", "direct", "indirect", "both", "street", "exact", "51.22", "4.42", "c-noord", "p-tuin",
                     "https://example.org/x", "=1+1", "'=x", "active", "inactive", "2024-01-31", "yes"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)  # fmt: skip
PROPERTY_COLUMNS = ("id", "name", "solidarity_type", "lat", "lon", "location_precision", "source_url", "centre_id",
                    "projects", "status", "phone")  # fmt: skip
#: Rows that start valid (new ids and ids the store has) with up to three cells replaced.
ROWS = st.lists(
    st.tuples(st.sampled_from(["n1", "n2", "i1", "i2", "", " n3 "]),
              st.dictionaries(st.sampled_from(PROPERTY_COLUMNS[1:]), CELL, max_size=3)).map(
        lambda t: row(id=t[0]) | t[1]),
    min_size=0, max_size=6,
)  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, sep=st.sampled_from([",", ";", "\t"]), mangle=st.sampled_from(["none", "truncate", "quote"]))
def test_any_file_imports_fully_or_changes_nothing(store: Store, tmp_path: Path, rows, sep, mangle) -> None:
    data = csv_bytes(rows, sep=sep, columns=PROPERTY_COLUMNS)
    if mangle == "truncate":
        data = data[: len(data) * 2 // 3]
    elif mangle == "quote":
        data = data.replace(b"\r\n", b'\r\n"', 1)
    path = tmp_path / "any.csv"
    path.write_bytes(data)
    before = snapshot(store)
    report = store.import_file(path)
    after = snapshot(store)
    if not report.written:
        assert after == before, report.summary()
        return
    # Written: every accepted row is in the store exactly as the file has it, in one batch.
    assert after[0] == before[0] + 1
    shown = store.initiatives(include_inactive=True).set_index("id")
    parsed = exchange.read_file(path, INITIATIVE_COLUMNS, ("id",))
    by_line = dict(zip(parsed.lines, parsed.records, strict=True))
    for line, row_id in [*report.added, *[(line, i) for line, i, _f in report.changed]]:
        record = by_line[line]
        assert shown.loc[row_id, "name"] == record["name"].strip()
        assert shown.loc[row_id, "phone"] == record["phone"].strip()
    assert {c.batch for c in store.changes(limit=len(report.added) + len(report.changed))} == {report.batch}
    # Put the store back for the next example (same fixture).
    for change in store.changes(batch=report.batch):
        if change.action == "create":
            with store.engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM initiative_projects WHERE initiative_id = ?", (change.row_id,))
                conn.exec_driver_sql("DELETE FROM initiatives WHERE id = ?", (change.row_id,))
        else:
            record = store.record("initiatives", change.row_id)
            store.restore(change.row_id, store.history(change.row_id)[-2], who="test", version=record.version)


@pytest.mark.parametrize("outcome", ["written", "refused"])
def test_the_property_sees_both_outcomes(store: Store, tmp_path: Path, outcome: str) -> None:
    """The files of the property test above include some that import and some that are refused
    (else it would prove little)."""
    from hypothesis import find

    path = tmp_path / "probe.csv"

    def imports(rows: list[dict[str, str]]) -> bool:
        path.write_bytes(csv_bytes(rows, columns=PROPERTY_COLUMNS))
        report = store.import_file(path, dry_run=True)
        return (report.refused is None and bool(report.added or report.changed)) == (outcome == "written")

    example = find(ROWS, imports, settings=settings(max_examples=200, database=None))  # NoSuchExample if none
    assert imports(example)
