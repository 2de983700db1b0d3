from rest_framework import permissions

from core.roles import is_recruiter


class IsRecruiterOrReadOnly(permissions.BasePermission):
    """Any signed-in user may read; only recruiters may write."""

    message = "Only recruiters may change postings and rubrics."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or is_recruiter(request.user)


class IsRecruiter(permissions.BasePermission):
    message = "Only recruiters may do this."

    def has_permission(self, request, view) -> bool:
        return is_recruiter(request.user)
