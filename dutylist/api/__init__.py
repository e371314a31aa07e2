"""The JSON API under /api/v1, with bearer tokens; the same operations as the pages.

Every route is thin: load (loading: 404 if missing, 403 without business), validate the JSON body
(validation: 400 with a Chinese message on bad shapes), call ONE operation of workflow.operations,
commit, answer JSON (serialisers). Refusals are workflow.errors raised here or in the operations;
dutylist.errors turns them into `{"error", "details", "status"}` (and StaleDataError into 409) for
/api/ paths. The OpenAPI document (openapi.py) must list every route registered here.
"""
from . import admin, bases, filings, law, lists, opinions, requests, revisions  # noqa: F401  (each registers its routes on bp)
from .blueprint import bp

__all__ = ["bp"]
