"""How many open townships each place has directly under it, and how many of them have a published list."""
from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class TownshipCount(db.Model):
    """Derived rows, kept by services/township_counts.py in the transaction of every change they count
    (a township added, closed, reopened or moved; a first version published), so that the home page of a
    region counts its townships from ~4,000 county rows rather than 40,000 townships. No foreign key:
    rows of a place that was removed are harmless (the home page joins the places it shows)."""

    __tablename__ = "township_count"

    parent_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  #: the county (a township's parent)
    townships: Mapped[int] = mapped_column(default=0)  #: open townships under it
    published: Mapped[int] = mapped_column(default=0)  #: of them, those with a published list (a version 1)
