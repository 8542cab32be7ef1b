# peerreview: the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
# Two workers (pytest-xdist): the suite runs on both cores; each worker has its own database.
PYTEST_ARGS ?= -n 2

.PHONY: run test test-only lint bench load scale-test assets messages clean serve-prod worker mutate mutate-report

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed setup.cfg
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

## make run: install, upgrade the database, seed the demo data, start the job worker and
## serve on http://127.0.0.1:5000 (Ctrl+C stops both)
run: $(VENV)/.installed instance/secret_key
	bash scripts/ensure-system-packages.sh
	$(BIN)/python -m peerreview.catalogues compile
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	BIN=$(BIN) HOST=$(HOST) PORT=$(PORT) bash scripts/serve-dev.sh

## make test: install the test extras (and Debian's chromium for the browser tests) and run the whole suite
test: $(VENV)/.installed-test
	bash scripts/ensure-system-packages.sh --browser
	$(MAKE) test-only

test-only:
	$(BIN)/python -m peerreview.catalogues compile
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check peerreview tests benchmarks scripts config.py wsgi.py
	$(BIN)/lint-imports --config .importlinter

## make mutate: mutation testing of the modules that hold the rules (mutmut; docs/testing.md).
## A target is `module.py` (every function) or `module.py:name,name` (only those functions).
MUTATE_MODULES ?= \
	peerreview/numbers.py \
	peerreview/submissions/benchmarking.py \
	peerreview/submissions/completeness.py \
	peerreview/submissions/checks.py \
	peerreview/submissions/flags.py \
	peerreview/submissions/history.py \
	peerreview/reports/pdf.py \
	peerreview/workflow/phases.py \
	peerreview/reviews/assessments.py \
	peerreview/reviews/services.py:conflict_facts,conflict_of_interest \
	peerreview/reviews/threads.py \
	peerreview/reviews/notifications.py:_due,_once,send_scheduled_reminders,send_digests \
	peerreview/workflow/deadlines.py \
	peerreview/reports/services.py:publish_report,withdraw_version,public_register,versions_with_checksum,version_pdf,send_to_factual_check \
	peerreview/reports/release.py \
	peerreview/reports/texts.py:save_report_text,choose_naming,codes_of_cycle \
	peerreview/reports/print_data.py:printable_values,comparability_notes,_cell \
	peerreview/__init__.py:register_unit_of_work \
	peerreview/permissions.py
## The tests mutmut runs (for each mutant only those among them that call the mutated function).
MUTATE_TESTS ?= tests/test_values.py tests/test_submissions_services.py tests/test_cycles_services.py \
	tests/test_rules_values.py tests/test_rules_statistics.py tests/test_rules_rounding_ranks.py tests/test_rules_phases.py \
	tests/test_rules_pdf_fetcher.py tests/test_rules_publication.py tests/test_rules_unit_of_work.py \
	tests/test_permissions.py tests/test_tenancy.py tests/test_rules_completeness.py \
	tests/test_rules_phase_moves.py tests/test_rules_assessments.py tests/test_rules_conflicts.py \
	tests/test_rules_threads.py tests/test_rules_notifications.py tests/test_reviews_services.py \
	tests/test_profile_page.py tests/test_report_jobs.py tests/test_rules_flags.py tests/test_report_contents.py tests/test_rules_checks.py \
	tests/test_rules_clarifications.py tests/test_compare_page.py tests/test_confidential_values.py tests/test_rules_comparisons.py
## Mutants tested at once: this machine has two shared cores.
MUTATE_WORKERS ?= 1
## `make mutate` fails when fewer of the mutants not listed as equivalent in docs/testing.md are killed (%).
MUTATE_FAIL_UNDER ?= 90

$(VENV)/.installed-mutate: $(VENV)/.installed-test setup.cfg
	$(BIN)/pip install --quiet -e '.[test,mutate]'
	touch $@

mutate: $(VENV)/.installed-mutate
	rm -rf mutants
	$(BIN)/python scripts/mutate.py --workers $(MUTATE_WORKERS) --tests "$(MUTATE_TESTS)" \
		--fail-under $(MUTATE_FAIL_UNDER) $(MUTATE_MODULES)

## make mutate-report: the figures of the last `make mutate` again, without running anything
mutate-report: $(VENV)/.installed-mutate
	$(BIN)/python scripts/mutate.py --report-only --fail-under $(MUTATE_FAIL_UNDER) $(MUTATE_MODULES)

## make bench: the large synthetic cycle (150 x 100 x 6 x 3): time and SQL queries per page; then the
## XLSX upload (1,800 cells) read and checked against openpyxl alone, and the save's query count
bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.large_cycle
	$(BIN)/python -m benchmarks.report_render
	$(BIN)/python -m benchmarks.spreadsheets

## make load: Locust against gunicorn + PostgreSQL on loopback, bounded in users and seconds
load: $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[bench]'
	bash benchmarks/load_test.sh

## make scale-test: two gunicorn servers and a huey worker on one PostgreSQL and Redis (loopback; ~90 s):
## sessions, rate limits, jobs and a worker killed mid-render (benchmarks/scale_test.py)
scale-test: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.scale_test

## make assets: rebuild static/css/app.css and the vendored GOV.UK Frontend from npm
assets:
	npm ci --no-audit --no-fund
	npx sass --no-source-map --style=compressed --load-path=node_modules static/src/app.scss static/css/app.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/vendor/govuk-frontend/
	cp node_modules/axe-core/axe.min.js tests/vendor/axe.min.js

## make messages: extract every user-facing text into translations/messages.pot, bring the French and
## Spanish catalogues up to date with it, compile them, and list what is left to translate
## (the workflow is in README.md, the words to use in docs/glossary.md)
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --ignore-dirs=".venv node_modules .git mutants" -o translations/messages.pot .
	for locale in fr es; do \
	  if [ -f translations/$$locale/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update -i translations/messages.pot -d translations -l $$locale --no-wrap --ignore-obsolete; \
	  else $(BIN)/pybabel init -i translations/messages.pot -d translations -l $$locale --no-wrap; fi; \
	done
	$(BIN)/python -m peerreview.catalogues compile
	-$(BIN)/python -m peerreview.catalogues status

serve-prod: $(VENV)/.installed
	PEERREVIEW_CONFIG=production $(BIN)/gunicorn --workers 3 --bind $(HOST):$(PORT) wsgi:app

## make worker: the job worker alone (mail delivery, report rendering), e.g. beside serve-prod
worker: $(VENV)/.installed
	$(BIN)/huey_consumer peerreview.worker.huey -k thread -w 2 --flush-locks

clean:
	rm -rf $(VENV) instance/*.sqlite .pytest_cache mutants
