"""The benchmark's own pieces (the benchmark itself is run by hand: see the README)."""

import csv

from benchmarks import bench
from cjcase.services import demo
from cjcase.services.caseload_file import open_caseload
from cjcase.services.importing.importer import import_path


def test_the_demo_written_out_in_the_import_format_imports_row_for_row(db, db_path, tmp_path):
    demo.generate(db, bench.TODAY, clients=30, seed=2)
    rows = bench.dump_import_format(db_path, tmp_path / "import")
    with open(tmp_path / "import" / "clients.csv", encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 30
    target = open_caseload(tmp_path / "imported.db")
    import_path(target, tmp_path / "import", bench.TODAY)
    tables = ("clients", "episodes", "releases", "sessions", "goals", "court_dates", "tops")
    for table in tables:
        assert target.table(table).count == db.table(table).count, table
    assert rows == sum(db.table(t).count for t in tables)
    target.close()


def test_the_report_puts_each_figure_beside_its_floor_or_target_at_each_size():
    def figures(clients, scale):
        return {
            "clients": clients,
            "sessions": 30 * clients,
            "demo_s": 0.001 * clients,
            "import_rows_per_s": 25_000,
            "bare_first_paint": 0.2,
            "first_paint": 0.24,
            "cpu_ratio": 1.1,
            "agenda_shown": 0.4,
            "agenda_filled": 0.5,
            "open_caseload": 0.1,
            "search_keystroke": 0.03 * scale,
            "search_keystroke_settled": 0.03,
            "open_client_first": 0.13,
            "open_client": 0.025 * scale,
            "save_session": 0.002,
            "return_s": 0.4 * scale,
            "return_floor_s": 0.3 * scale,
            "extract_s": 0.2,
            "extract_floor_s": 0.03,
            "peak_rss_mb": 67,
            "import_peak_rss_mb": 58,
        }

    text = bench.report([figures(5000, 1), figures(50000, 2)], 0.08, (0.24, 0.25))
    lines = {line.split("  ")[0]: line for line in text.splitlines()}
    assert "5,000 clients" in text and "50,000 clients" in text
    assert (
        "240 ms (1.20×)" in lines["cjcase first paint"] and "target ≤ 1.3× the bare app" in lines["cjcase first paint"]
    )
    assert "30 ms" in lines["search keystroke (worst of 3)"] and "60 ms" in lines["search keystroke (worst of 3)"]
    assert "400 ms (SQL 300 ms)" in lines["quarterly return"] and "800 ms (SQL 600 ms)" in lines["quarterly return"]
    assert "cjcase --help: 80 ms" in text and "took 240 ms before and 250 ms after" in text


def test_the_unsorted_import_is_in_date_order_over_every_client_and_imports_row_for_row(db, tmp_path):
    rows = bench.write_unsorted_import(tmp_path / "unsorted", 500, 40)
    with open(tmp_path / "unsorted" / "sessions.csv", encoding="utf-8") as handle:
        sessions = list(csv.DictReader(handle))
    assert rows == 540 and len(sessions) == 500
    assert [s["when"] for s in sessions] == sorted(s["when"] for s in sessions)
    assert len({s["client_ref"] for s in sessions[:50]}) == 40  # the first 50 rows touch every client
    report = import_path(db, tmp_path / "unsorted", bench.TODAY)
    assert report.counts["sessions"].created == 500 and report.counts["clients"].created == 40


def test_the_report_gives_the_unsorted_import_against_its_target():
    unsorted = {
        "rows": 2_003_000,
        "clients": 3000,
        "rows_per_s": 24_500,
        "seconds": 81.8,
        "cpu_seconds": 70.0,
        "peak_rss_mb": 71,
    }
    text = bench.report([], 0.08, (0.24, 0.25), unsorted)
    assert "2,003,000 rows over 3,000 clients in 82 s: 24,500 rows/s, 71 MB peak" in text
    assert "target ≥ 20,000 rows/s, < 200 MB" in text
    assert "on its own CPU time (70 s, steadier on a busy machine): 28,614 rows/s" in text
