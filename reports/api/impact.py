"""GET /api/v1/postings/{id}/adverse-impact/: a posting's adverse-impact report, for users
with the `view_demographics` permission only (403 for anyone else, reviewers always)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.impact import selectors
from rubrics.models import JobPosting


class CanViewDemographics(permissions.BasePermission):
    message = "Only users with the permission to view demographics may read this report."

    def has_permission(self, request, view) -> bool:
        return selectors.can_view_demographics(request.user)


class GroupSizeSerializer(serializers.Serializer):
    group = serializers.CharField()
    size = serializers.IntegerField()


class SelectionRateSerializer(serializers.Serializer):
    group = serializers.CharField()
    selected = serializers.IntegerField()
    total = serializers.IntegerField()
    rate = serializers.FloatField()
    impact_ratio = serializers.FloatField(
        allow_null=True, help_text="The rate over the highest group's; null when nobody reached it."
    )
    p_value = serializers.FloatField(
        allow_null=True, help_text="Fisher's exact test against the other groups (two-sided)."
    )
    below_four_fifths = serializers.BooleanField()


class StageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    rows = SelectionRateSerializer(many=True)


class ScoreDifferenceSerializer(serializers.Serializer):
    subject = serializers.CharField(help_text="The criterion's title or the reviewer's name.")
    group = serializers.CharField()
    n_group = serializers.IntegerField()
    n_rest = serializers.IntegerField()
    mean_group = serializers.FloatField()
    mean_rest = serializers.FloatField()
    hedges_g = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True, help_text="95 % confidence interval of g.")
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True, help_text="Permutation test, two-sided.")
    q_value = serializers.FloatField(
        allow_null=True, help_text="Benjamini–Hochberg adjusted over the report's comparisons."
    )
    flagged = serializers.BooleanField()


class CategorySerializer(serializers.Serializer):
    category = serializers.CharField()
    groups = GroupSizeSerializer(many=True)
    not_compared = serializers.IntegerField(help_text="No answer, or prefer not to say.")
    hidden_count = serializers.IntegerField(
        help_text="Left out: their merged group was under the minimum size."
    )
    note = serializers.CharField(allow_blank=True)
    stages = StageSerializer(many=True)
    criteria = ScoreDifferenceSerializer(many=True)
    reviewers = ScoreDifferenceSerializer(many=True)
    too_few = serializers.IntegerField(
        help_text="Score comparisons left out: under the minimum size on a side."
    )


class CaveatSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class AdverseImpactSerializer(serializers.Serializer):
    posting = serializers.IntegerField()
    minimum_group_size = serializers.IntegerField()
    applications = serializers.IntegerField()
    caveats = CaveatSerializer(many=True)
    categories = CategorySerializer(many=True)


def _score_row(row) -> dict:
    c, e = row.comparison, row.comparison.effect
    return {
        "subject": row.subject,
        "group": row.group,
        "n_group": c.n_group,
        "n_rest": c.n_rest,
        "mean_group": c.mean_group,
        "mean_rest": c.mean_rest,
        "hedges_g": e.g if e else None,
        "ci_low": e.ci_low if e else None,
        "ci_high": e.ci_high if e else None,
        "p_value": c.p_value,
        "q_value": c.q_value,
        "flagged": c.flagged,
    }


def report_data(posting, report) -> dict:
    """The report as the API's JSON (AdverseImpactSerializer's shape)."""
    return {
        "posting": posting.pk,
        "minimum_group_size": report.minimum,
        "applications": report.applications,
        "caveats": [{"code": c.code, "text": c.text} for c in report.caveats.items],
        "categories": [
            {
                "category": c.category,
                "groups": [{"group": g, "size": n} for g, n in c.groups],
                "not_compared": c.not_compared,
                "hidden_count": c.hidden_count,
                "note": c.note,
                "stages": [{"stage": s.stage, "rows": [vars(r) for r in s.rows]} for s in c.stages],
                "criteria": [_score_row(r) for r in c.criteria],
                "reviewers": [_score_row(r) for r in c.reviewers],
                "too_few": c.too_few,
            }
            for c in report.categories
        ],
    }


class PostingAdverseImpactView(APIView):
    """The posting's adverse-impact report: per self-identified group, selection rates and
    impact ratios at each stage, and per criterion and per reviewer the standardised
    difference in scores with its 95 % CI; groups under the minimum size merged or not
    shown. Users with the `view_demographics` permission only."""

    permission_classes = [CanViewDemographics]

    @extend_schema(responses=AdverseImpactSerializer, summary="A posting's adverse-impact report")
    def get(self, request, pk):
        posting = get_object_or_404(JobPosting, pk=pk)
        report = selectors.posting_adverse_impact(posting)
        return Response(AdverseImpactSerializer(report_data(posting, report)).data)
