"""The workspace's routes, one module a part: signing in and out, the recommendations, a
new application, batches, the dashboard."""

from cde.entrypoints.web.routes import (
    account,
    applications,
    batches,
    dashboard,
    fallback,
    recommendations,
)

__all__ = ["ROUTERS"]

ROUTERS = (
    account.router,
    recommendations.router,
    applications.router,
    batches.router,
    dashboard.router,
    fallback.router,  # last: what no other route answers
)
