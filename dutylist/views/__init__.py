"""The pages: one blueprint per area. Thin views: load, ask workflow.permissions, validate, call one
operation, commit, answer. The administrators' pages (三员分立): orgs, registry, accounts, security.
The public portal (public, /public/) needs no sign-in."""
from . import (
    accounts,
    admin,
    bases,
    compare,
    deputies,
    documents,
    filings,
    history,
    inbox,
    law,
    lists,
    notifications,
    orgs,
    oversight,
    public,
    registry,
    requests,
    revisions,
    search,
    security,
)

#: registered by dutylist.app.create_app, in this order
BLUEPRINTS = (lists.bp, revisions.bp, inbox.bp, history.bp, admin.bp, documents.bp, search.bp, compare.bp,
              oversight.bp, notifications.bp)
BLUEPRINTS += (orgs.bp, registry.bp, accounts.bp, security.bp, deputies.bp, filings.bp, public.bp, requests.bp)
BLUEPRINTS += (bases.bp, law.bp)
