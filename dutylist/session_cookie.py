"""Flask's signed session cookie, with its serializer built once per key set instead of on every request.

Flask's SecureCookieSessionInterface builds a URLSafeTimedSerializer (and tests its serializer by dumping
an empty value) for every request that opens or saves a session: a visible share of what a reused page
costs (bench/RESULTS.md). The same serializer, kept while the secret key and its fallbacks stay the same,
signs and checks exactly as before.
"""
from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._serializers: dict = {}

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            self._serializers = {key: serializer}  # one key set at a time (a test may change the key)
        return serializer


def init_app(app) -> None:
    app.session_interface = SessionInterface()
