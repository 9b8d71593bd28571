"""The WSGI entry point for servers such as gunicorn: ``gunicorn formbuilder.wsgi:app``."""

from formbuilder.app import create_app

app = create_app()
