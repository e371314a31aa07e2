"""WSGI entry point: gunicorn wsgi:app, or flask --app wsgi <command>."""
import gc

from dutylist.app import create_app

app = create_app()

# What is built by now — the app, the models, SQLAlchemy's and Jinja's machinery, ~200,000 objects — lives
# as long as the worker: kept out of the cyclic garbage collector's way, a full collection no longer walks
# it. Without this, every few dozen requests one request paid ~100 ms for that walk (a list page rendered
# anew, in process: p99 115 -> 16 ms; bench/RESULTS.md, issue 17).
gc.collect()
gc.freeze()
