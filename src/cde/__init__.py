"""cde — a Credit Decision Engine for Indonesian savings-and-loan cooperatives.

The engine as a library: read an application (the Kocek CDE request body, as decoded
JSON), evaluate it under a credit policy on a given day, and read the result object that
``API.md`` describes — the 5C analysis, the recommended plafon and tenor, the reasons and
the memo. Pure: no clock, no I/O, the same input always gives the same output.

>>> from datetime import date
>>> import cde
>>> application = {
...     "customer_id": "c-1",
...     "loan_id": "l-1",
...     "character": {"age": 40, "kyc_status": True, "member_date": "2019-01-01"},
...     "income": [{"key": "gaji", "value": "8000000"}],
...     "expenses": [{"key": "rumah tangga", "value": "2000000"}],
...     "application": {"plafon": 10000000, "tenure": 12, "interest": 12},
...     "internal_data": {"collectability": "Lancar"},
... }
>>> result = cde.evaluate(
...     application, policy=cde.default_policy(), today=date(2026, 11, 23), lang="en"
... )
>>> result["decision"]["outcome"], result["recommendation"]
('approve_with_conditions', {'plafon': '5000000', 'tenure': '12'})
>>> result["decision"]["reasons"][1]["code"]
'PLAFON_REDUCED'

An application that cannot be read names every field that is wrong:

>>> try:
...     cde.evaluate({"loan_id": "l-2"}, policy=cde.default_policy(), today=date(2026, 11, 23))
... except cde.InvalidApplicationError as error:
...     [problem.field for problem in error.errors]
['customer_id', 'character', 'application']

A scorecard trained with ``cde scorecard train`` scores with a policy: name it in the
policy's ``[scorecard]`` section, or give it with :meth:`Policy.with_scorecard`
(``policy.with_scorecard(cde.load_scorecard("scorecard.json"))``); the result then carries
``assessment.scorecard`` (points, PD, band, adverse attributes).

Every error cde raises on purpose is a :class:`CdeError` (:mod:`cde.errors` draws the
tree). The HTTP service, the CLI and the workers are in ``cde.entrypoints``; they are not
part of this surface.
"""

__version__ = "0.1.0"

# After __version__: the modules below read it.
from cde.domain.application import Application, InvalidApplicationError, parse_application
from cde.domain.decision import Outcome
from cde.domain.engine import evaluate
from cde.domain.evaluation import Evaluation, assess
from cde.domain.result import result_object
from cde.domain.scorecard.model import Scorecard, ScorecardError, load_scorecard
from cde.domain.text import Lang
from cde.errors import CdeError, InvalidInputError
from cde.policies import Policy, PolicyError, default_policy, load_policy, parse_policy

__all__ = [
    "Application",
    "CdeError",
    "Evaluation",
    "InvalidApplicationError",
    "InvalidInputError",
    "Lang",
    "Outcome",
    "Policy",
    "PolicyError",
    "Scorecard",
    "ScorecardError",
    "__version__",
    "assess",
    "default_policy",
    "evaluate",
    "load_policy",
    "load_scorecard",
    "parse_application",
    "parse_policy",
    "result_object",
]
