"""The pages: one blueprint per area. Thin views: load, ask workflow.permissions, validate, call one
operation, commit, answer."""
from . import admin, compare, documents, history, inbox, lists, notifications, oversight, revisions, search

#: registered by dutylist.app.create_app, in this order
BLUEPRINTS = (lists.bp, revisions.bp, inbox.bp, history.bp, admin.bp, documents.bp, search.bp, compare.bp,
              oversight.bp, notifications.bp)
