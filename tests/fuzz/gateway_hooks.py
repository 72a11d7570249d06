"""Schemathesis hooks for the gateway: the one rule the OpenAPI document cannot express.

`since` must not be later than `until` (the gateway answers 400 naming `since`, as the document's
parameter description says). OpenAPI has no cross-parameter constraints, so without this filter
schemathesis would call such a query "schema-valid" and flag the correct 400.
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


@schemathesis.hook
def filter_query(ctx, query):
    """Drop queries whose window ends before it starts."""
    if not query:
        return True
    since, until = _instant(query.get("since")), _instant(query.get("until"))
    if since is None or until is None or since.tzinfo is None or until.tzinfo is None:
        return True
    return since <= until
