"""The API's filter backends: ordering that answers 400 for what it cannot sort
by, and filters on ids that never reveal which ids exist.

DRF's ``OrderingFilter`` with no ``ordering_fields`` accepts every serializer
field's source, methods included (``get_full_name``), which the database then
refuses with a 500; and it silently drops names it does not know. Here a view
sorts only by the model fields it lists in ``ordering_fields`` (none when it
lists none), and an unknown name is a field error naming the choices.
"""

from django_filters import rest_framework as django_filters
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError

MODEL_FILTERS = (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)


class OrderingFilter(filters.OrderingFilter):
    def get_valid_fields(self, queryset, view, context=None):
        fields = getattr(view, "ordering_fields", None) or []
        if fields == "__all__":  # would reopen the hole: every field, joins included
            raise ValueError(f"{view.__class__.__name__}: list its ordering_fields explicitly")
        return [(field, field) for field in fields]

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = {name for name, _label in self.get_valid_fields(queryset, view)}
        wanted = [term.strip() for term in fields if term.strip()]
        unknown = [term for term in wanted if term.lstrip("-") not in valid]
        if unknown:
            named = ", ".join(repr(term) for term in unknown)
            if valid:
                hint = f"Sort by {', '.join(sorted(valid))} (prefix '-' to reverse)."
            else:
                hint = "This list has a fixed order."
            raise ValidationError({self.ordering_param: [f"Cannot sort by {named}. {hint}"]})
        return wanted


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, except that an id the caller cannot see (or that
    does not exist) matches nothing instead of answering 400: the 400 would tell a
    reviewer which ids exist. Other bad values (a status that is not one) stay 400s."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            errors = filterset.errors.as_data()
            unknown_ids = all(
                isinstance(filterset.filters.get(name), MODEL_FILTERS)
                and all(error.code == "invalid_choice" for error in field_errors)
                for name, field_errors in errors.items()
            )
            if unknown_ids:
                return queryset.none()
            raise utils.translate_validation(filterset.errors)
        return filterset.qs
