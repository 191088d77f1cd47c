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


# --- Many rows, written as their serializer writes them -----------------------------------

# Fields whose `get_attribute` and `to_representation` read nothing but the row (no
# request, no context): the ones a row's plan may use its field for, outside a request.
_CONTEXT_FREE = (
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ChoiceField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "DurationField",
    "EmailField",
    "FloatField",
    "IntegerField",
    "ReadOnlyField",
    "SlugField",
    "SlugRelatedField",
    "TimeField",
    "URLField",
    "UUIDField",
)


class Rows:
    """A serializer's representation of many rows: what
    `serializer_class(rows, many=True, context=context).data` gives, written from a plan
    worked out once a process.

    An API list of twenty pledges built the serializer's fields for each request
    (each field's labels and messages through the catalogues) and then, for each row
    and field, went through DRF's generic look-up: about 1.8 ms a page, more than its
    query. The plan keeps one copy of the fields (made outside any request) and, row by
    row, reads each field's attribute and converts it with that field's own
    `to_representation`, as DRF does. Method fields and nested serializers need the
    request, so they are served by one serializer made with the context for each call.
    A field of a type not known to read nothing but its row is refused when the plan is
    made, not written wrongly. `tests/kernel/test_api_rows.py` and each list's own test
    hold the output to the serializer's."""

    def __init__(self, serializer_class):
        self.serializer_class = serializer_class
        self._plan = None

    def _make_plan(self) -> list[tuple]:
        from rest_framework import serializers

        steps = []
        for field in self.serializer_class()._readable_fields:
            name = field.field_name
            if isinstance(field, serializers.SerializerMethodField):
                steps.append((name, "method", field.method_name))
            elif isinstance(field, serializers.BaseSerializer):
                if isinstance(field, serializers.ListSerializer):
                    raise TypeError(
                        f"{self.serializer_class.__name__}.{name} is a list of rows, "
                        "which Rows does not write."
                    )
                steps.append((name, "nested", field))
            elif type(field).__name__ not in _CONTEXT_FREE:
                raise TypeError(
                    f"{self.serializer_class.__name__}.{name} is a {type(field).__name__}, "
                    "which Rows does not know to read nothing but its row."
                )
            elif len(field.source_attrs) == 1:
                steps.append((name, "attribute", (field.source_attrs[0], field)))
            else:
                steps.append((name, "field", field))
        return steps

    def write(self, rows, *, context: dict) -> list[dict]:
        from django.core.exceptions import ObjectDoesNotExist

        if self._plan is None:
            self._plan = self._make_plan()
        serializer = self.serializer_class(context=context)
        bound = {}
        for name, kind, detail in self._plan:
            if kind == "method":
                bound[name] = getattr(serializer, detail)
            elif kind == "nested":
                # The nested serializer as it would be bound, with this call's context.
                bound[name] = type(detail)(*detail._args, **detail._kwargs, context=context)
        written = []
        for row in rows:
            item = {}
            for name, kind, detail in self._plan:
                if kind == "method":
                    item[name] = bound[name](row)
                    continue
                if kind != "attribute":
                    _by_field(item, row, name, detail, bound.get(name, detail))
                    continue
                attribute, field = detail
                try:
                    value = getattr(row, attribute)
                except ObjectDoesNotExist:
                    value = None
                except (KeyError, AttributeError):
                    _by_field(item, row, name, field, field)
                    continue
                if callable(value):
                    _by_field(item, row, name, field, field)
                    continue
                item[name] = None if value is None else field.to_representation(value)
            written.append(item)
        return written


def _by_field(item: dict, row, name: str, field, writer) -> None:
    """`item[name]` as DRF's `Serializer.to_representation` writes it: the attribute
    `field` reads, through `writer`'s `to_representation` (left out when the field
    skips it)."""
    from rest_framework.fields import SkipField
    from rest_framework.relations import PKOnlyObject

    try:
        attribute = field.get_attribute(row)
    except SkipField:
        return
    check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    item[name] = None if check_for_none is None else writer.to_representation(attribute)
