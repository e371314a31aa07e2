"""WSGI entry point: gunicorn wsgi:app, or flask --app wsgi <command>."""
from dutylist.app import create_app

app = create_app()
