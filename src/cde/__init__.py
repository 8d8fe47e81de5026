"""cde — a Credit Decision Engine for Indonesian savings-and-loan cooperatives.

The public surface is deliberately small: parse an application, evaluate it under a
policy on a given day, and read the result object described in ``API.md``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
