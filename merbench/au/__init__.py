"""Action units (AUs), the ``--task au`` task's own computation and records: their detection
scores, an AU run scored and its record (``au-results.json``, :mod:`.record`, with what
``status`` checks of it on its own, :mod:`.record_checks`), and one configuration's seed runs
pooled into ``au-seeds.json``. The records are here, below the runner that writes them, as
spotting's are in :mod:`merbench.spotting`. A sample's AU labels are data
(:mod:`merbench.data.au_labels`); AU runs compared are :mod:`merbench.au_kind.comparison`."""
