from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Conflict


class ConflictError(exceptions.APIException):
    status_code = 409
    default_detail = "The object changed; reload it."
    default_code = "conflict"


def exception_handler(exc, context):
    """Services raise Django's ValidationError; the API answers it as a 400 with its fields."""
    if isinstance(exc, Conflict):
        exc = ConflictError(" ".join(exc.messages))
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
