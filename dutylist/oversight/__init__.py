"""Dashboards and statistics for county, prefecture and region reviewers (pages: dutylist.views.oversight)."""
