"""Single sign-on for staff with OpenID Connect: each organisation's provider, and who may pass.

OIDC_PROVIDERS names the providers by the slug of the organisation that runs them. Authlib
does the protocol: discovery, the authorization code flow with PKCE, state and nonce, and the
ID token's signature, issuer, audience and nonce. What is ours is the mapping: the ID token's
`email`, which the provider must vouch for with `email_verified`, names an existing, active
staff account; the provider creates no accounts here and grants no roles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

# Each provider's settings; `name` completes the button's "Logga in med …".
PROVIDER_KEYS = ("issuer", "client_id", "client_secret", "name")
# Only the address is asked for: the account, its role and districts are the app's own.
SCOPE = "openid email"
_OAUTH = "feedback.oauth"


@dataclass(frozen=True)
class Provider:
    """An organisation's identity provider, as the login page offers it."""

    slug: str
    name: str
    issuer: str


def check_providers(config: Mapping[str, Any]) -> None:
    """Refuse to start with a provider that lacks a setting, naming what is missing."""
    providers = config["OIDC_PROVIDERS"]
    if not isinstance(providers, Mapping):
        raise RuntimeError("OIDC_PROVIDERS must map organisation slugs to provider settings")
    for slug, settings in providers.items():
        missing = [key for key in PROVIDER_KEYS if not (settings or {}).get(key)]
        if missing:
            raise RuntimeError(f"OIDC_PROVIDERS[{slug!r}] lacks {', '.join(missing)}")


def providers_for(slug: str | None) -> list[Provider]:
    """The providers a login page offers: its organisation's, or every one where the page's
    address names no organisation (several share the installation's /login)."""
    configured: Mapping[str, Mapping[str, str]] = current_app.config["OIDC_PROVIDERS"]
    chosen = configured if slug is None else {k: v for k, v in configured.items() if k == slug}
    return [Provider(key, value["name"], value["issuer"]) for key, value in chosen.items()]


def provider(slug: str) -> Provider | None:
    """The configured provider with this slug, if there is one."""
    found = [p for p in providers_for(None) if p.slug == slug]
    return found[0] if found else None


def client(slug: str) -> Any:
    """Authlib's client for a provider (untyped: Authlib ships no type hints)."""
    return current_app.extensions[_OAUTH].create_client(slug)


def verified_email(claims: Mapping[str, Any]) -> str | None:
    """The address an ID token vouches for, or None when the provider has not verified it."""
    email = claims.get("email")
    # Only a JSON true: a provider that leaves the claim out has not verified anything.
    if claims.get("email_verified") is not True or not isinstance(email, str) or "@" not in email:
        return None
    return email.strip().lower()


def init_app(app: Flask) -> None:
    """Register each configured provider with Authlib, its metadata discovered on first use."""
    check_providers(app.config)
    oauth = OAuth(app)
    for slug, settings in app.config["OIDC_PROVIDERS"].items():
        oauth.register(
            name=slug,
            client_id=settings["client_id"],
            client_secret=settings["client_secret"],
            server_metadata_url=f"{settings['issuer'].rstrip('/')}/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": 10},
        )
    app.extensions[_OAUTH] = oauth
