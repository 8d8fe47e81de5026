"""A scorecard trained on the cooperative's own outcomes (issue 12).

Pure parts (no third-party library beyond pydantic): :mod:`.features` (what a scorecard
sees of an application, computed through the engine), :mod:`.model` (the scorecard file,
validated) and :mod:`.scoring` (points, PD, band and adverse attributes). Training
(:mod:`.training`) needs the optional extra ``cde[train]`` (optbinning, scikit-learn) and
imports it only when called.

Like the domain, this package does no I/O beyond reading a scorecard file on request and
imports no service, adapter or entry point. Wiring the PD into decisions is not done yet.
"""
