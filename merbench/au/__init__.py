"""Action units (AUs), the ``--task au`` task's own computation: their detection scores, an
AU run scored, and one configuration's seed runs pooled. A sample's AU labels are data
(:mod:`merbench.data.au_labels`); AU runs compared are :mod:`merbench.au_kind.comparison`."""
