"""Filing (备案): a version published through the review is filed with the prefecture's (and/or the region's)
establishment office (FILING_LEVELS), which acknowledges receipt; a register per office.

service.py holds the rules (filing, acknowledging, the register); export.py the register as Excel. The
pages are dutylist.views.filings, the API dutylist.api.filings. Filing follows publication through
signals.version_published, so the workflow imports nothing of it.
"""
from .. import signals
from . import service


def on_version_published(version, revision=None, actor=None, **_):
    """File the version just published, in the publishing transaction."""
    service.file_version(version, actor=actor)


def init_app(app):
    signals.version_published.connect(on_version_published)
