"""The API's JSON parser: what PostgreSQL cannot store is refused as a 400 at the door, not
a 500 deep in a query (NUL characters; unpaired surrogates, which are not UTF-8)."""

import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(value) -> bool:
    """True if any string in `value` (nested lists and dicts included) cannot be stored."""
    if isinstance(value, str):
        return bool(UNSTORABLE.search(value))
    if isinstance(value, dict):
        return any(unstorable(k) or unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unstorable(v) for v in value)
    return False


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if unstorable(data):
            raise ParseError("Text may not contain NUL characters or unpaired surrogates.")
        return data
