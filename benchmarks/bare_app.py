"""The yardstick of `make load`: a bare Flask page that runs one query, served like the app
(gunicorn, same workers, same database), so that the app's pages are measured against what this
machine can do at all: `gunicorn benchmarks.bare_app:app`."""
from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)


@app.get("/")
def one_query():
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM organisation")).scalar()
    return f"bare page: {count} organisations"
