"""A scorecard trained on the cooperative's own outcomes, as the engine scores with it.

Pure parts, with no library beyond pydantic: :mod:`.features` (what a scorecard sees of an
application: the engine's own facts and metrics), :mod:`.model` (the scorecard file,
validated) and :mod:`.scoring` (points, PD, band and adverse attributes). Training lives
outside the domain, in :mod:`cde.scorecard.training` (the optional extra ``cde[train]``).
"""
