"""Every seed, published and read back: exactly what was imported, with a database-independent digest."""
from pathlib import Path

import pytest

from dutylist.extensions import db
from dutylist.importers import text_list
from dutylist.items import CONTENT_KEYS
from dutylist.services.import_list import entries_from, import_list
from dutylist.services.snapshot import ordered, read_entries, version_digest

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
PLACES = {"003_6a82fb40a4ecf6eb.txt": "昌吉回族自治州木垒哈萨克自治县大南沟乌孜别克族乡"}


@pytest.mark.parametrize("filename", sorted(p.name for p in SAMPLES.glob("*.txt")))
def test_published_seed_reads_back_exactly(app, filename):
    parsed = text_list.parse_file(SAMPLES / filename, township=PLACES.get(filename))
    expected = ordered(entries_from(parsed))
    version = import_list(parsed)
    db.session.commit()
    db.session.expire_all()
    back = read_entries(version)
    assert len(back) == len(expected)
    for got, sent in zip(back, expected):
        assert (got["kind"], got["number"]) == (sent.kind, sent.number)
        assert {f: got[f] for f in CONTENT_KEYS} == sent.fields
        # byte for byte: the same UTF-8 text in every field
        for f in ("category", "name", "departments_text"):
            assert got[f].encode("utf-8") == (sent.fields[f] or "").encode("utf-8")
    # the digest depends on content only: computed without any database, it is the same
    assert version.digest == version_digest((e.kind, e.number, e.hash) for e in expected)
    assert version.digest == version_digest((e["kind"], e["number"], e["hash"]) for e in back)
