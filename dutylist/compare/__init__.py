"""Comparison between townships: shared items, items only one has, the same duty in other tables.

matching.py holds the normalisation, the rapidfuzz matching and its caches; the pages are in
dutylist.views.compare.
"""
