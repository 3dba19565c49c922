"""The public figures: counts, suppression, periods, releases, labels, tables, charts, open data and
the public pages. `transparency.figures()` is its face.
"""
