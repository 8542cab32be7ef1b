#!/usr/bin/env bash
# Bounded load test on loopback only: gunicorn (4 workers) + PostgreSQL + Redis
# rate-limit storage, with the demo data, then a check that no value was lost.
#   make load            (LOAD_USERS=40 LOAD_SECONDS=60 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${LOAD_USERS:-40}
SECONDS_RUN=${LOAD_SECONDS:-60}
PORT=${LOAD_PORT:-5099}
SCHEMA="load_$(date +%s)_$$"
PG="postgresql+psycopg://postgres@127.0.0.1:5432/test"
OUT=$(mktemp -d)

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
psql -h 127.0.0.1 -U postgres -d test -qc "CREATE SCHEMA \"$SCHEMA\""
cleanup() {
  [ -n "${GUNICORN_PID:-}" ] && kill "$GUNICORN_PID" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -d test -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS \"$SCHEMA\" CASCADE" || true
  rm -rf "$OUT"
}
trap cleanup EXIT

export DATABASE_URL="$PG?options=-csearch_path%3D$SCHEMA"
export SECRET_KEY="load-test-$(date +%s)-$$-not-a-production-secret"
export RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379"
export LOGIN_RATE_LIMIT="100000 per minute"
export PEERREVIEW_CONFIG=development
.venv/bin/flask --app wsgi db upgrade >/dev/null 2>&1
.venv/bin/flask --app wsgi seed-demo > "$OUT/seed.log"
head -1 "$OUT/seed.log"
.venv/bin/gunicorn --workers 4 --bind "127.0.0.1:$PORT" --access-logfile /dev/null \
  --error-logfile "$OUT/gunicorn.log" wsgi:app &
GUNICORN_PID=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/reports" >/dev/null && break; sleep 0.2; done

echo "== Locust: $USERS users, ${SECONDS_RUN}s, gunicorn 4 workers, PostgreSQL, loopback only"
LOAD_EXPECTED="$OUT/expected.json" .venv/bin/locust -f benchmarks/locustfile.py --headless \
  -u "$USERS" -r 10 -t "${SECONDS_RUN}s" --host "http://127.0.0.1:$PORT" --only-summary \
  --csv "$OUT/load" --exit-code-on-error 0 2>&1 | grep -v "^\[" || true

.venv/bin/python - "$OUT/load_stats.csv" <<'PY'
import csv, sys
rows = {r["Name"]: r for r in csv.DictReader(open(sys.argv[1]))}
total = rows["Aggregated"]
print(f"requests: {total['Request Count']}, failures: {total['Failure Count']}, "
      f"requests/s: {float(total['Requests/s']):.1f}, p50: {total['50%']} ms, p95: {total['95%']} ms")
PY
ERRORS=$(grep -c " 500 \|Traceback" "$OUT/gunicorn.log" || true)
FAILS=$(.venv/bin/python -c "import csv,sys; print(sum(int(r['Failure Count']) for r in csv.DictReader(open('$OUT/load_stats.csv')) if r['Name']=='Aggregated'))")
echo "server errors in the gunicorn log: $ERRORS; failed requests: $FAILS"
.venv/bin/python -m benchmarks.check_load "$OUT/expected.json"
[ "$ERRORS" = "0" ] && [ "$FAILS" = "0" ]
