"""What both benchmarks build first: a recruiter, a pool of reviewers, and a
posting whose published rubric has `n_criteria` criteria (a quarter of them
bonuses) with the default weights. Imported after django.setup()."""


def people(pool: int):
    """A recruiter and `pool` reviewers, in their groups."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from core import roles

    User = get_user_model()
    recruiter = User.objects.create(username="bench-recruiter", is_staff=True)
    recruiter.groups.add(Group.objects.get(name=roles.RECRUITER))
    reviewers = User.objects.bulk_create(
        User(username=f"bench-reviewer-{i:03d}", first_name="Reviewer", last_name=str(i))
        for i in range(pool)
    )
    reviewer_group = Group.objects.get(name=roles.REVIEWER)
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=u.pk, group_id=reviewer_group.pk) for u in reviewers
    )
    return recruiter, reviewers


def published_rubric(*, recruiter, n_criteria: int, scale_max: int, published_at):
    """A posting and its published rubric; returns (posting, rubric, criteria)."""
    from rubrics.anchors import default_anchors, default_knockout_level
    from rubrics.models import Criterion, JobPosting, Rubric
    from rubrics.weighting import default_weights

    posting = JobPosting.objects.create(
        title="Benchmark posting",
        raw_text="Requirements\n- Skills: Python.\n",
        status=JobPosting.Status.OPEN,
        created_by=recruiter,
    )
    # Criteria go in while the rubric is a draft; then it is published.
    rubric = Rubric.objects.create(posting=posting, version=1, scale_max=scale_max)
    n_bonus = n_criteria // 4
    must_weights, bonus_weights = default_weights(n_criteria - n_bonus, n_bonus)
    weights = [*must_weights, *bonus_weights]
    assert sum(weights) == 100, sum(weights)
    kinds = [Criterion.Kind.MUST_HAVE] * len(must_weights) + [Criterion.Kind.BONUS] * n_bonus
    criteria = Criterion.objects.bulk_create(
        Criterion(
            rubric=rubric,
            kind=kind,
            title=f"Criterion {i + 1}",
            description=f"Shows skill number {i + 1} that the posting asks for.",
            weight=weight,
            order=i,
            knockout_level=(
                default_knockout_level(scale_max) if kind == Criterion.Kind.MUST_HAVE else None
            ),
            keywords=["Python", "SQL"],
            anchors=default_anchors(
                title=f"Criterion {i + 1}",
                text=f"skill number {i + 1}",
                keywords=["Python", "SQL"],
                scale_max=scale_max,
            ),
        )
        for i, (kind, weight) in enumerate(zip(kinds, weights, strict=True))
    )
    Rubric.objects.filter(pk=rubric.pk).update(
        state=Rubric.State.PUBLISHED, published_at=published_at
    )
    return posting, rubric, criteria
