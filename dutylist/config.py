"""Configuration from the environment, with safe defaults for a first run."""
import os
import secrets
from pathlib import Path

from . import timefmt

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("DUTYLIST_INSTANCE", ROOT / "instance"))


def database_url(url: str | None = None) -> str:
    """DATABASE_URL, defaulting to a SQLite file under instance/; psycopg 3 for PostgreSQL."""
    url = url or os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'dutylist.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into instance/ (never committed)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _levels(name: str, default: str) -> tuple[str, ...]:
    """A comma-separated setting of higher levels (prefecture, region), in that order; ValueError if unknown."""
    raw = os.environ.get(name, default)
    levels = tuple(x.strip() for x in raw.split(",") if x.strip())
    unknown = set(levels) - {"prefecture", "region"}
    if unknown:
        raise ValueError(f"{name}: unknown level(s) {sorted(unknown)}")
    return tuple(x for x in ("prefecture", "region") if x in levels)


def review_levels() -> tuple[str, ...]:
    """Which higher levels review after the county (REVIEW_LEVELS=prefecture,region)."""
    return _levels("REVIEW_LEVELS", "prefecture,region")


def legality_review() -> bool:
    """LEGALITY_REVIEW=1: the county 司法局 reviews a draft's legality (合法性审查) after the county office
    approves it and before it goes up; off by default."""
    raw = os.environ.get("LEGALITY_REVIEW", "0").strip().lower()
    if raw not in ("0", "1", "true", "false", "on", "off", "yes", "no", ""):
        raise ValueError(f"LEGALITY_REVIEW: 1 or 0, not {raw!r}")
    return raw in ("1", "true", "on", "yes")


def review_route(config) -> tuple[str, ...]:
    """The steps after the county office's review, as the machine's guards read them (ReviewFacts.levels):
    "legality" when LEGALITY_REVIEW is on, then REVIEW_LEVELS (prefecture, region)."""
    legality = ("legality",) if config.get("LEGALITY_REVIEW") else ()
    return legality + tuple(config["REVIEW_LEVELS"])


def consultation_days() -> int:
    """CONSULTATION_DAYS: the working days departments have to comment, from 受理 (1–60, default 10)."""
    raw = os.environ.get("CONSULTATION_DAYS", "10").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 60:
        raise ValueError(f"CONSULTATION_DAYS: a number of working days from 1 to 60, not {raw!r}")
    return int(raw)


def filing_levels() -> tuple[str, ...]:
    """Which offices a published version is filed with (FILING_LEVELS=prefecture[,region]; empty: none)."""
    return _levels("FILING_LEVELS", "prefecture")


def request_days() -> dict[str, int]:
    """REQUEST_DAYS: the working days the county office has to decide a request, per type
    (dynamic:20,admission:15 by default; each 1–60)."""
    raw = os.environ.get("REQUEST_DAYS", "dynamic:20,admission:15")
    out = {"dynamic": 20, "admission": 15}
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        key, _, value = part.partition(":")
        key, value = key.strip(), value.strip()
        if key not in out or not value.isdigit() or not 1 <= int(value) <= 60:
            raise ValueError(f"REQUEST_DAYS: type:days pairs (dynamic, admission; 1–60 days), not {part!r}")
        out[key] = int(value)
    return out


def prepare_threshold() -> int | None:
    """PG_PREPARE_THRESHOLD: after how many runs on one connection psycopg prepares a statement on the server
    (psycopg's own default, 5); "off": never, as a connection pooler in transaction mode older than PgBouncer
    1.21 requires (it hands each transaction another server connection, which has not prepared them)."""
    raw = os.environ.get("PG_PREPARE_THRESHOLD", "5").strip().lower()
    if raw in ("off", "none"):
        return None
    if not raw.isdigit():
        raise ValueError(f"PG_PREPARE_THRESHOLD: a number of runs, or off, not {raw!r}")
    return int(raw)


def search_time_limit() -> float | None:
    """SEARCH_TIME_LIMIT: seconds a search's statement may run before it is stopped and the user asked to narrow
    it (default 15, half of gunicorn's own timeout; 0: no limit). Terms of 1-2 characters only read every row
    of the index: at 40,000 townships on PostgreSQL a rare Chinese pair took ~12 s, a rare pair of letters 40 s."""
    raw = os.environ.get("SEARCH_TIME_LIMIT", "15").strip()
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= 3600:
        raise ValueError(f"SEARCH_TIME_LIMIT: seconds (0: no limit), not {raw!r}")
    return value or None


#: the item tables (dutylist.items.KINDS; config imports nothing of the item package)
ITEM_KINDS = ("basic", "cooperative", "withdrawn")


def require_basis_for() -> tuple[str, ...]:
    """REQUIRE_BASIS_FOR=cooperative,withdrawn: the tables whose new items must cite a basis (依据) before
    the draft is submitted; empty (the default): no such check. ValueError naming an unknown table."""
    raw = os.environ.get("REQUIRE_BASIS_FOR", "")
    kinds = tuple(x.strip() for x in raw.split(",") if x.strip())
    unknown = set(kinds) - set(ITEM_KINDS)
    if unknown:
        raise ValueError(f"REQUIRE_BASIS_FOR: unknown table(s) {sorted(unknown)}; use {', '.join(ITEM_KINDS)}")
    return tuple(k for k in ITEM_KINDS if k in kinds)


class Config:
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    # WTForms' own catalogues (a form's Meta.locales = ("zh",)) rather than Flask-Babel, which is not used
    WTF_I18N_ENABLED = False
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    MAX_ROUNDS = 3

    def __init__(self):
        self.SQLALCHEMY_DATABASE_URI = database_url()
        self.SECRET_KEY = secret_key()
        self.REVIEW_LEVELS = review_levels()
        #: the county 司法局's legality review (合法性审查) between the county's approval and the levels above
        self.LEGALITY_REVIEW = legality_review()
        #: the default time the departments have to comment, in working days from 受理 (shown, editable)
        self.CONSULTATION_DAYS = consultation_days()
        self.FILING_LEVELS = filing_levels()
        #: the time the county office has to decide an adjustment request, in working days, per type
        self.REQUEST_DAYS = request_days()
        # the tables whose new items (added, or moved into them, in a draft) must cite a basis before submitting
        self.REQUIRE_BASIS_FOR = require_basis_for()
        # per-worker caches of query results keyed by the state they derive from (dutylist.caching:
        # the dashboard, search, the home page's places); QUERY_CACHE=0 turns them off
        self.QUERY_CACHE = os.environ.get("QUERY_CACHE", "1") != "0"
        # SQLite only: the page cache of each connection, in MiB (SQLite's default is 2): a search or a
        # list page reads index pages all over a large file, and reading them again from the OS costs more
        # CPU than the query itself; 0 leaves SQLite's default
        self.SQLITE_CACHE_MIB = int(os.environ.get("SQLITE_CACHE_MIB") or 32)
        # PostgreSQL only: psycopg's prepared statements, kept across requests (dutylist.transactions)
        self.PG_PREPARE_THRESHOLD = prepare_threshold()
        # a search's statement still running after this many seconds is stopped (search.backend.planned_for)
        self.SEARCH_TIME_LIMIT = search_time_limit()
        # uploaded Word/Excel files are parsed in a child process with memory and CPU limits
        # (documents.sandbox); IMPORT_SANDBOX=0 parses in the worker (the size limits still apply)
        self.IMPORT_SANDBOX = os.environ.get("IMPORT_SANDBOX", "1") != "0"
        # Secure cookies are chosen explicitly (SESSION_COOKIE_SECURE=1 when served over HTTPS), not
        # guessed from the request: behind a TLS-terminating proxy the app itself sees plain HTTP.
        self.SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "") == "1"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        # TRUST_PROXY=1: one reverse proxy in front sets X-Forwarded-For/-Proto/-Host (werkzeug ProxyFix),
        # so client addresses (audit, sign-in limits) and https URLs are right; never without such a proxy
        self.TRUST_PROXY = os.environ.get("TRUST_PROXY", "") == "1"
        # the zone every time shown to a person is converted to (dutylist.timefmt); the database keeps UTC
        self.TIMEZONE = timefmt.check_zone(os.environ.get("TIMEZONE") or timefmt.DEFAULT_TIMEZONE)
        # how long a mail worker's claim on a mail lasts: one killed while sending frees it after this
        self.MAIL_CLAIM_SECONDS = int(os.environ.get("MAIL_CLAIM_SECONDS") or 300)
