"""API plumbing shared by every app: pagination and the one place domain errors map to HTTP."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, pagination
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def validation_detail(exc: DjangoValidationError) -> dict | list:
    """A service's ValidationError as DRF field errors ({"field": ["message"]})."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [
                str(message) for error in errors for message in error.messages
            ]
            for field, errors in exc.error_dict.items()
        }
    return {"non_field_errors": [str(message) for message in exc.messages]}


def exception_handler(exc, context):
    """Services raise Django's ValidationError / PermissionDenied; the API answers 400 / 403."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    elif isinstance(exc, exceptions.Throttled):
        # kernel.ratelimit's limits: a sentence a person can act on (DRF adds Retry-After).
        wait = max(1, int(exc.wait or 1))
        exc = exceptions.Throttled(
            detail=ngettext(
                "You have done this too many times. Try again in %(num)s second.",
                "You have done this too many times. Try again in %(num)s seconds.",
                wait,
            )
            % {"num": wait},
        )
        exc.wait = wait  # set after, so DRF does not append its own English sentence
    scheme = getattr(exc, "www_authenticate", None)
    if scheme:
        exc.status_code = 401
        exc.auth_header = scheme
    return drf_exception_handler(exc, context)


class StrictFieldsMixin:
    """Refuse fields the serializer does not know, so a typo or a privilege field
    (`is_staff`, `author`…) is a 400 rather than silently ignored."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            unknown = sorted(set(data.keys()) - writable)
            if unknown:
                from rest_framework.exceptions import ValidationError as DRFValidationError

                raise DRFValidationError(
                    {name: [_("This field is unknown or cannot be changed.")] for name in unknown}
                )
        return super().to_internal_value(data)
