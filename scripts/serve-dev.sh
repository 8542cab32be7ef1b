#!/usr/bin/env bash
# `make run`, last step: the job worker in the background, the web server in the foreground.
# Mail delivery and report rendering are jobs (peerreview/jobs.py): without a worker they would
# wait in the queue (instance/jobs.sqlite). The worker stops with the server (exit, Ctrl+C);
# a worker left over from a run that was killed is stopped first, by its PID file.
set -euo pipefail
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
mkdir -p instance
pidfile=instance/worker.pid

if [ -f "$pidfile" ]; then
  old=$(cat "$pidfile")
  if [ -n "$old" ] && grep -qs huey_consumer "/proc/$old/cmdline"; then
    echo "Stopping the job worker left over from an earlier run (PID $old)"
    kill "$old" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
fi

# Thread workers; --flush-locks frees the render lock of a worker that was killed mid-render.
"$BIN/huey_consumer" peerreview.worker.huey -k thread -w 2 --flush-locks >>instance/worker.log 2>&1 &
worker=$!
echo "$worker" >"$pidfile"

stop_worker() {
  if kill -0 "$worker" 2>/dev/null; then
    kill "$worker" 2>/dev/null || true
    wait "$worker" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "Job worker running (PID $worker, log instance/worker.log)"
echo "Serving on http://$HOST:$PORT  (Ctrl+C to stop both)"
"$BIN/flask" --app wsgi run --host "$HOST" --port "$PORT"
