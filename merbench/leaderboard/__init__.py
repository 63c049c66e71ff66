"""Leaderboard pages: a static HTML site built from validated result files.

``merbench leaderboard build`` validates every result under the given folders, groups the
runs of one configuration over seeds, matches them to the benchmark definitions and renders
jinja2 templates (shipped in ``templates/``, autoescaped) into plain files that work from
``file://`` or any static host. jinja2 is imported only when a site is built.
"""
