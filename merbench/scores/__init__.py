"""How an emotion run's predictions become its scores: the selection policies that choose
each fold's epoch, UF1 and UAR pooled over folds, a run scored, and the intervals a result
records. The confusion-count arithmetic every classification score is made of is
:mod:`merbench.stats.confusion`; stored runs compared are :mod:`merbench.compare.emotion`."""
