"""The API's blueprint, under /api/v1."""
from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # token-authenticated, no cookies: CSRF does not apply
