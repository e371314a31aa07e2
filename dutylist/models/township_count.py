"""How many open townships each place has one or two levels under it, and how many of them have a published list."""
from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class TownshipCount(db.Model):
    """Derived rows, kept by services/township_counts.py in the transaction of every change they count
    (a township added, closed, reopened or moved; a first version published; a county moved), so that the
    home page of a region reads one row per prefecture (and a prefecture's, one per county) rather than
    counting 40,000 townships. No foreign key: rows of a place that was removed are harmless (the home page
    joins the places it shows)."""

    __tablename__ = "township_count"

    #: the place: a township's county, or the prefecture above it
    parent_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    townships: Mapped[int] = mapped_column(default=0)  #: open townships one or two levels under it
    published: Mapped[int] = mapped_column(default=0)  #: of them, those with a published list (a version 1)
