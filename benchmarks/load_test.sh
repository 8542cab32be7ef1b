#!/usr/bin/env bash
# Bounded load test at a deadline, on loopback only: two gunicorn app servers (2 workers each) and a
# huey worker on one PostgreSQL and Redis (queue and rate limits), with the demo data and a deadline
# cycle of LOAD_DEADLINE organisations (benchmarks/deadline_world.py). Warm-up, not measured: every
# simulated user signs in (benchmarks/sign_in_all.py; scrypt, as in production). Measured: Locust runs
# every deadline delegate saving at once (when the time is up each user finishes the request it is in,
# --stop-timeout, so that no committed save goes unacknowledged), plus LOAD_USERS others (delegates saving, reviewers reading
# and commenting, secretariats reading and asking for renders, visitors), all continuing with the
# warm-up's sessions; then the pages read by many are measured beside a bare one-query Flask page
# (benchmarks/throughput.py); then the database is read: every acknowledged save must be there
# (benchmarks/check_load.py). Prints errors and lost values (both must be 0) and fails otherwise.
#   make load            (LOAD_DEADLINE=150 LOAD_USERS=30 LOAD_SECONDS=60 by default; LOAD_PORT=5201 and the
#                         two ports after it; LOAD_REDIS_DB=15, emptied of peerreview keys afterwards)
set -euo pipefail
cd "$(dirname "$0")/.."
DEADLINE=${LOAD_DEADLINE:-150}
OTHERS=${LOAD_USERS:-30}
SECONDS_RUN=${LOAD_SECONDS:-60}
PORT_A=${LOAD_PORT:-5201}
PORT_B=$((PORT_A + 1))
PORT_BARE=$((PORT_A + 2))
REDIS_DB=${LOAD_REDIS_DB:-15}
SCHEMA="load_$(date +%s)_$$"
PG="postgresql+psycopg://postgres@127.0.0.1:5432/test"
OUT=$(mktemp -d)
PIDS=()

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
psql -h 127.0.0.1 -U postgres -d test -qc "CREATE SCHEMA \"$SCHEMA\""
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  psql -h 127.0.0.1 -U postgres -d test -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS \"$SCHEMA\" CASCADE" || true
  redis-cli -n "$REDIS_DB" --scan --pattern '*peerreview*' | xargs -r redis-cli -n "$REDIS_DB" del >/dev/null || true
  rm -rf "$OUT"
}
trap cleanup EXIT

export DATABASE_URL="$PG?options=-csearch_path%3D$SCHEMA"
export SECRET_KEY="load-test-$(date +%s)-$$-not-a-production-secret"
export REDIS_URL="redis://127.0.0.1:6379/$REDIS_DB"
export RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/$REDIS_DB"
export LOGIN_RATE_LIMIT="100000 per minute"
export PEERREVIEW_CONFIG=development
export LOG_FORMAT=json LOG_LEVEL=WARNING
.venv/bin/flask --app wsgi db upgrade >/dev/null 2>&1
.venv/bin/flask --app wsgi seed-demo > "$OUT/seed.log" 2>&1
head -1 "$OUT/seed.log"
LOAD_ORGANISATIONS=$DEADLINE .venv/bin/python -m benchmarks.deadline_world

start() {  # name, command...: in its own process group, stopped by cleanup
  local name=$1; shift
  setsid "$@" > "$OUT/$name.log" 2>&1 &
  PIDS+=($!)
}
start a .venv/bin/gunicorn --workers 2 --bind "127.0.0.1:$PORT_A" --access-logfile /dev/null wsgi:app
start b .venv/bin/gunicorn --workers 2 --bind "127.0.0.1:$PORT_B" --access-logfile /dev/null wsgi:app
start bare .venv/bin/gunicorn --workers 4 --bind "127.0.0.1:$PORT_BARE" --access-logfile /dev/null benchmarks.bare_app:app
start worker .venv/bin/huey_consumer peerreview.worker.huey -k thread -w 1 --flush-locks
for port in "$PORT_A" "$PORT_B"; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
done
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT_BARE/" >/dev/null && break; sleep 0.2; done

USERS=$((DEADLINE + OTHERS))
echo "== warm-up: every simulated user signs in (not measured)"
LOAD_DEADLINE=$DEADLINE .venv/bin/python -m benchmarks.sign_in_all "$OUT/sessions.json" \
  "http://127.0.0.1:$PORT_A" "http://127.0.0.1:$PORT_B"
echo "== Locust: $DEADLINE deadline delegates + $OTHERS others, ${SECONDS_RUN}s, two app servers (2 workers each) + a worker, PostgreSQL, Redis, loopback only"
LOAD_SESSIONS="$OUT/sessions.json" LOAD_EXPECTED="$OUT/expected.json" LOAD_DEADLINE=$DEADLINE LOAD_HOSTS="http://127.0.0.1:$PORT_A,http://127.0.0.1:$PORT_B" \
  .venv/bin/locust -f benchmarks/locustfile.py --headless -u "$USERS" -r 25 -t "${SECONDS_RUN}s" \
  --host "http://127.0.0.1:$PORT_A" --stop-timeout 60 --only-summary --csv "$OUT/load" --exit-code-on-error 0 > "$OUT/locust.log" 2>&1 || true

.venv/bin/python - "$OUT/load_stats.csv" <<'PY'
import csv, sys
rows = {r["Name"]: r for r in csv.DictReader(open(sys.argv[1]))}
total = rows["Aggregated"]
print(f"requests: {total['Request Count']}, failures: {total['Failure Count']}, "
      f"requests/s: {float(total['Requests/s']):.1f}, p50: {total['50%']} ms, p95: {total['95%']} ms")
for name, r in rows.items():
    if name != "Aggregated":
        print(f"  {r['Type']:4} {name}: {r['Request Count']} requests, {float(r['Requests/s']):.1f}/s, "
              f"p50 {r['50%']} ms, p95 {r['95%']} ms, {r['Failure Count']} failed")
PY
grep -A12 "^Error report" "$OUT/locust.log" | grep -v "^\[" | head -20 || true
ERRORS=$(cat "$OUT/a.log" "$OUT/b.log" | grep -c '"status": 5\|Traceback' || true)
# Failed requests, and exceptions raised in the simulated users (a session refused, a page without its link).
FAILS=$(.venv/bin/python -c "import csv; print(sum(int(r['Failure Count']) for r in csv.DictReader(open('$OUT/load_stats.csv')) if r['Name']=='Aggregated') + sum(int(r['Count']) for r in csv.DictReader(open('$OUT/load_exceptions.csv'))))")
echo "server errors in the app servers' logs: $ERRORS; failed requests: $FAILS; errors: $((ERRORS + FAILS))"
echo "== throughput of pages read by many, beside a bare one-query Flask page (same servers, same run)"
THROUGHPUT_OK=0
.venv/bin/python -m benchmarks.throughput "http://127.0.0.1:$PORT_BARE/" "http://127.0.0.1:$PORT_A" "http://127.0.0.1:$PORT_B" || THROUGHPUT_OK=1
# The rendered pages and parts both servers share (one per page, reader and data version): far fewer
# than the requests served, because every server reads the others' renders from Redis.
echo "  page cache: $(redis-cli -n "$REDIS_DB" --scan --pattern 'peerreview-page:*' | wc -l) rendered pages and parts in Redis db $REDIS_DB"
echo "== the database after the load: every acknowledged save, with its values"
CHECK_OK=0
LOAD_DEADLINE=$DEADLINE .venv/bin/python -m benchmarks.check_load "$OUT/expected.json" || CHECK_OK=1
[ "$ERRORS" = "0" ] && [ "$FAILS" = "0" ] && [ "$THROUGHPUT_OK" = "0" ] && [ "$CHECK_OK" = "0" ]
