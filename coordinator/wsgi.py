"""The WSGI entry point for gunicorn: `gunicorn coordinator.wsgi:app`."""
from coordinator import create_app

app = create_app()
