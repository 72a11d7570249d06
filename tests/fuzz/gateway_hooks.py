"""Schemathesis hooks for the gateway: the rules the OpenAPI document cannot express.

`since` must not be later than `until` (the gateway answers 400 naming `since`, as the document's
parameter description says), and a `/v1/series` window holds at most 100,000 buckets (400 naming `bucket`,
as its description says). OpenAPI has no cross-parameter constraints, so without this filter schemathesis
would call such a query "schema-valid" and flag the correct 400.
"""

from datetime import datetime

import schemathesis


def _instant(value):
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None


# The usual length of each `/v1/series` bucket, in seconds.
_BUCKET_SECONDS = {"5m": 300, "15m": 900, "1h": 3600, "1d": 86400, "1w": 604800}
_MAX_BUCKETS = 100_000


def _path(ctx):
    return getattr(getattr(ctx, "operation", None), "path", "") or ""


@schemathesis.hook
def filter_query(ctx, query):
    """Drop queries whose window ends before it starts, and series windows of too many buckets."""
    if not query:
        return True
    since, until = _instant(query.get("since")), _instant(query.get("until"))
    if since is None or until is None or since.tzinfo is None or until.tzinfo is None:
        return True
    if since > until:
        return False
    if _path(ctx).endswith("/v1/series"):
        bucket = _BUCKET_SECONDS.get(query.get("bucket", "1h"), 3600)
        # A margin for daylight-saving days, whose hourly buckets number 23 or 25.
        return (until - since).total_seconds() / bucket < _MAX_BUCKETS * 0.99
    return True
