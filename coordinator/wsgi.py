"""The WSGI entry point for gunicorn: `gunicorn coordinator.wsgi:app`."""
from coordinator import create_app
from coordinator.config import base_url_warning

app = create_app()
# links in mail need the public address: refused without it when mail leaves by SMTP, said otherwise
if (_warning := base_url_warning(app.extensions["coordinator.settings"])) is not None:
    app.logger.warning(_warning)
