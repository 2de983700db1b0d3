"""The two roles of the service, as Django groups (created by a data
migration in the rubrics app)."""

RECRUITER = "Recruiter"
REVIEWER = "Reviewer"


def is_recruiter(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    # Cached on the user object for the request, so permission checks on a
    # list page cost one query, not one per row.
    if not hasattr(user, "_is_recruiter"):
        user._is_recruiter = user.groups.filter(name=RECRUITER).exists()
    return user._is_recruiter
