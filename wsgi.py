"""The one place an app object is made at import: for gunicorn and `flask --app wsgi`."""

from portal import create_app

app = create_app()
