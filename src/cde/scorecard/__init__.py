"""Training a scorecard on the cooperative's own outcomes (issue 12).

:mod:`.training` needs the optional extra ``cde[train]`` (optbinning, scikit-learn) and
imports it only when called. What the engine scores with (the features, the file, the
scoring) is pure and lives in the domain: :mod:`cde.domain.scorecard`.

Like the domain, this package imports no service, adapter or entry point.
"""
