"""Operations: structured logs (:mod:`.logs`) and Prometheus metrics (:mod:`.metrics`,
:mod:`.routes`). See ``docs/operations.md``."""
