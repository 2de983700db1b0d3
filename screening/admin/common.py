"""What the screening admin modules share: a service's refusal shown as a message."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from config.errors import ServiceError


def errors_of(exc) -> list[str]:
    if isinstance(exc, ServiceError):
        return [exc.message]
    if hasattr(exc, "error_dict"):
        return [m for messages_ in exc.message_dict.values() for m in messages_]
    return exc.messages


class ServiceErrorsAsMessages:
    """A service refusing a save from the add/change form (a rule the form
    could not check, or a race lost) shows its message instead of a 500. The
    refusal is caught outside the view's transaction, so nothing of the
    attempt is kept."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ServiceError, ValidationError) as exc:
            for message in errors_of(exc):
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
