"""API tokens for scripts: made by signing in once with a password, listed and
revoked by their owner. Only a digest of each token is stored (knox), and
every token expires (``REST_KNOX["TOKEN_TTL"]``)."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.auth import LockoutBasicAuthentication


class TokenSerializer(serializers.ModelSerializer):
    key_start = serializers.SerializerMethodField(
        help_text="The token's first characters, to tell your tokens apart."
    )

    class Meta:
        model = AuthToken
        fields = ["token_key", "key_start", "created", "expiry"]
        read_only_fields = fields

    def get_key_start(self, token) -> str:
        return token.token_key[:8]


NEW_TOKEN = inline_serializer(
    "NewToken",
    {
        "token": serializers.CharField(help_text="Shown once: store it now."),
        "expiry": serializers.DateTimeField(),
    },
)


class TokenLoginView(knox_views.LoginView):
    """Trade a username and password (HTTP basic auth) for a token. Wrong
    passwords count toward the sign-in lockout, and the endpoint has its own
    rate limit (`API_THROTTLE_LOGIN`)."""

    authentication_classes = [LockoutBasicAuthentication]
    throttle_scope = "login"

    @extend_schema(request=None, responses={200: NEW_TOKEN}, summary="Make an API token")
    def post(self, request, format=None):
        return super().post(request, format)


class TokenLogoutView(knox_views.LogoutView):
    @extend_schema(request=None, responses={204: None}, summary="Revoke the token in use")
    def post(self, request, format=None):
        return super().post(request, format)


class TokenListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TokenSerializer(many=True), summary="Your unexpired tokens")
    def get(self, request):
        tokens = AuthToken.objects.filter(user=request.user, expiry__gt=timezone.now()).order_by(
            "-created"
        )
        return Response(TokenSerializer(tokens, many=True).data)

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Revoke all your tokens",
        operation_id="v1_auth_tokens_destroy_all",
    )
    def delete(self, request):
        AuthToken.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, summary="Revoke one of your tokens")
    def delete(self, request, token_key: str):
        get_object_or_404(AuthToken, user=request.user, token_key=token_key).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
