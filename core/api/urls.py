from django.urls import path

from core.api.tokens import TokenDetailView, TokenListView, TokenLoginView, TokenLogoutView

urlpatterns = [
    path("auth/token/", TokenLoginView.as_view(), name="token-login"),
    path("auth/logout/", TokenLogoutView.as_view(), name="token-logout"),
    path("auth/tokens/", TokenListView.as_view(), name="token-list"),
    path("auth/tokens/<str:token_key>/", TokenDetailView.as_view(), name="token-detail"),
]
