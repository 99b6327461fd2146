from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """The object changed under you (already decided, already ended): HTTP 409 in the API."""
