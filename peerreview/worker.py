"""The job worker: `huey_consumer peerreview.worker.huey -k thread -w 2 --flush-locks`.

Builds the app from the environment (PEERREVIEW_CONFIG, DATABASE_URL, MAIL_SERVER, ...)
so that every job runs inside its application context, and imports the features' jobs
so that the consumer knows them.
"""
from config import config_from_env
from peerreview import create_app
from peerreview.jobs import huey

app = create_app(config_from_env())

__all__ = ["app", "huey"]
