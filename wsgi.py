"""WSGI entry point: `gunicorn wsgi:app` (PEERREVIEW_CONFIG=production)."""
from config import config_from_env
from peerreview import create_app

app = create_app(config_from_env())
