"""Benchmark: the synthesis PDF at 30 and 150 organisations (12 indicators, 3 years), each figure
beside the bare WeasyPrint time for the same HTML.

    make bench      (runs this after benchmarks.large_cycle)

Targets (issue 9): synthesis for 30 organisations <= 5 s and for 150 <= 26 s, tagged PDF/A, under
1 GB; the application's own time (queries, statistics, charts, template) <= 10 % of the total.
Each size renders in a fresh child process, so that its peak memory is its own.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

from config import TestingConfig
from peerreview import create_app
from peerreview.extensions import db
from tests.scratch_db import scratch_database

SIZES = [(30, 12), (150, 12)]  # organisations, indicators
OUT = Path(os.environ.get("BENCH_PDF_DIR", "/tmp"))


def _full_content(cycle_id: int) -> None:
    """What a real synthesis carries beyond the values (issue 9): the secretariat's summary and
    conclusions, a third of the organisations under an anonymous code, an explanation on every 20th
    value and a comparability note for every 5th organisation on the first indicator."""
    from sqlalchemy import select, update

    from peerreview.auth.models import User
    from peerreview.reports.models import ParticipantNaming, ReportText
    from peerreview.submissions.models import ComparabilityNote, IndicatorValue, Submission

    author = db.session.scalar(select(User.id))
    paragraph = "The network's services improved their activation of people over 50. " * 8
    db.session.add(ReportText(cycle_id=cycle_id, subject_key=0, updated_by_id=author,
                              summary=f"## Key messages\n\n{paragraph}\n\n| Area | Finding |\n|---|---|\n| A | B |",
                              conclusions=paragraph))
    submissions = list(db.session.execute(select(Submission.id, Submission.organisation_id)
                                          .where(Submission.cycle_id == cycle_id).order_by(Submission.id)))
    first_indicator = db.session.scalar(select(IndicatorValue.indicator_id).where(
        IndicatorValue.submission_id == submissions[0][0]).order_by(IndicatorValue.indicator_id))
    for n, (submission_id, organisation_id) in enumerate(submissions):
        if n % 3 == 0:
            db.session.add(ParticipantNaming(cycle_id=cycle_id, organisation_id=organisation_id, code_number=n + 1,
                                             anonymous=True, chosen_by_id=author or 1))
        if n % 5 == 0:
            db.session.add(ComparabilityNote(submission_id=submission_id, indicator_id=first_indicator,
                                             body="Registered jobseekers only; the common definition counts all."))
    db.session.execute(update(IndicatorValue).where(IndicatorValue.id % 20 == 0, IndicatorValue.submission_id.in_(
        [s for s, _o in submissions])).values(explanation="A reorganisation of the regional offices.",
                                               flag="estimated"))
    db.session.commit()


def _measure(url: str, options: dict, n_orgs: int, n_ind: int, queue) -> None:
    from flask import render_template
    from weasyprint import HTML

    from benchmarks.large_cycle import build
    from peerreview.cycles.models import Cycle
    from peerreview.reports.pdf import BASE_URL, DataFile, RenderLimits, StaticOnlyFetcher, render_pdf
    from peerreview.reports.print_data import synthesis_context, synthesis_csv

    config = type("BenchConfig", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    app = create_app(config)
    name = f"r{n_orgs}"
    with app.app_context():
        db.create_all()
        cycle_id, *_rest = build(name, n_orgs, n_ind)
        _full_content(cycle_id)
    with app.test_request_context():
        cycle = db.session.get(Cycle, cycle_id)
        start = time.perf_counter()
        context = synthesis_context(cycle, report_id=1)
        data = synthesis_csv(cycle)
        html = render_template("reports/pdf/synthesis.html", **context)
        app_seconds = time.perf_counter() - start
        static_root = Path(app.static_folder) / "pdf"
        # The floor: WeasyPrint alone on the same HTML, with the same options and tuning (GC paused).
        start, cpu_start = time.perf_counter(), time.process_time()
        gc.disable()
        HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher(static_root)).write_pdf(
            pdf_variant="pdf/a-3u", pdf_tags=True)
        gc.enable()
        bare_seconds, bare_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        start, cpu_start, children = time.perf_counter(), time.process_time(), _children_cpu()
        # As the render job does it: WeasyPrint in its own process, under the hard limits.
        pdf = render_pdf("reports/pdf/synthesis.html", synthesis_context(cycle, report_id=1),
                         data=DataFile("synthesis-data.csv", data), limits=RenderLimits(600, 3072))
        total_seconds = time.perf_counter() - start
        total_cpu = time.process_time() - cpu_start + _children_cpu() - children
    path = OUT / f"bench-synthesis-{n_orgs}.pdf"
    path.write_bytes(pdf)
    # The larger of this process (context, template, the bare render) and the render's child.
    peak_mb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    queue.put((n_orgs, n_ind, app_seconds, bare_seconds, total_seconds, peak_mb, len(pdf), str(path), bare_cpu,
               total_cpu))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run() -> int:
    rows = []
    ctx = multiprocessing.get_context("spawn")
    for n_orgs, n_ind in SIZES:
        with scratch_database(f"benchpdf{n_orgs}", os.environ.get("BENCH_DATABASE_URL", "")) as (url, options):
            queue = ctx.Queue()
            child = ctx.Process(target=_measure, args=(url, options, n_orgs, n_ind, queue))
            child.start()
            try:
                rows.append(queue.get(timeout=1800))
            except Exception:  # noqa: BLE001 (queue.Empty: the child died; its traceback is above)
                print(f"the {n_orgs}-organisation render failed (exit code {child.exitcode})")
                return 1
            finally:
                child.join(60)
    # Wall-clock seconds are what a user waits; the CPU seconds (in brackets) hardly move when other
    # work shares the machine, so they compare two runs (or two versions) on a busy machine.
    print(f"\n{'organisations':>13} {'app s':>7} {'bare WeasyPrint s (CPU)':>24} {'total s (CPU)':>14} "
          f"{'app share':>9} {'peak MB':>8} {'pages PDF':>10}")
    ok = True
    targets = {30: 5.0, 150: 26.0}
    for n_orgs, _n_ind, app_s, bare_s, total_s, peak_mb, size, path, bare_cpu, total_cpu in rows:
        share = app_s / total_s if total_s else 0
        from pypdf import PdfReader

        pages = len(PdfReader(path).pages)
        print(f"{n_orgs:>13} {app_s:>7.2f} {f'{bare_s:.2f} ({bare_cpu:.2f})':>24} "
              f"{f'{total_s:.2f} ({total_cpu:.2f})':>14} {share:>8.0%} {peak_mb:>8.0f} {pages:>10}  {path} "
              f"({size:,} bytes)")
        ok &= total_s <= targets.get(n_orgs, 1e9) and peak_mb < 1024 and share <= 0.10
    print("targets (30: <= 5 s, 150: <= 26 s, < 1 GB, app <= 10 %):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(run())
