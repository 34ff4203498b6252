"""The local sign-in page of the Easy Auth emulation: a name, roles and tenant grants.

Plain HTML, no script, the console's stylesheet; errors follow the GOV.UK pattern (a summary
at the top linking to each field, the message again beside the field). Every value written
into the page is escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from starlette.responses import HTMLResponse

ROLES = {
    "Platform.Admin": "tenants, incidents, the subprocessor register",
    "Privacy.Admin": "request decisions, legal holds, offboarding, full contacts",
    "Privacy.Operator": "start and follow requests",
    "Support.Agent": "contacts, masked",
    "Auditor": "read and verify the audit trail",
}
_GRANT = re.compile(r"^(\*|[A-Za-z0-9_.\-]{1,64})(:[A-Za-z.]{1,40})?$")
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # so older browsers send an Origin with the form
    "Cache-Control": "no-store",
}


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@dataclass
class SignIn:
    redirect: str
    name: str = ""
    roles: list[str] = field(default_factory=list)
    tenants: list[str] = field(default_factory=lambda: ["*"])
    mfa: bool = False
    """Signed in with a second factor: the principal's ``amr`` lists ``mfa`` (what Entra ID
    puts there after MFA), so privileged actions pass ``PRIVACY_REQUIRE_MFA``."""
    errors: dict[str, str] = field(default_factory=dict)
    """Field id -> message."""

    @classmethod
    def from_fields(cls, fields: dict[str, list[str]], redirect: str) -> SignIn:
        """The posted form, validated; ``redirect`` is already known to be a local path."""
        form = cls(
            redirect=redirect,
            name=(fields.get("name") or [""])[0].strip(),
            roles=_split(fields.get("roles", [])),
            tenants=_split(fields.get("tenants", [])),
            mfa=(fields.get("mfa") or [""])[0] == "on",
        )
        form.validate()
        return form

    def validate(self) -> None:
        if not self.name:
            self.errors["name"] = "Enter a name"
        elif len(self.name) > 100:
            self.errors["name"] = "Name must be 100 characters or fewer"
        unknown = [r for r in self.roles if r not in ROLES]
        scoped = [g.split(":", 1)[1] for g in self.tenants if ":" in g]
        if unknown or [r for r in scoped if r not in ROLES]:
            self.errors["roles"] = "Choose roles from the list"
        if any(not _GRANT.match(g) for g in self.tenants) or len(self.tenants) > 50:
            self.errors["tenants"] = (
                "Enter grants like *, t-1234 or t-1234:Privacy.Admin, separated by commas"
            )
        elif not self.tenants:
            self.errors["tenants"] = "Enter at least one tenant grant, or * for every tenant"
        elif not self.roles and not scoped and "roles" not in self.errors:
            self.errors["roles"] = "Choose at least one role, or grant one as tenant:Role"


def _error_summary(form: SignIn) -> str:
    if not form.errors:
        return ""
    items = "".join(
        f'<li><a href="#{escape(fid)}">{escape(message)}</a></li>'
        for fid, message in form.errors.items()
    )
    return (
        '<div class="error-summary" role="alert" tabindex="-1">'
        '<h2 class="error-summary__title">There is a problem</h2>'
        f'<ul class="error-summary__list">{items}</ul></div>'
    )


def _field_error(form: SignIn, fid: str) -> str:
    message = form.errors.get(fid)
    if not message:
        return ""
    return f'<p class="field-error" id="{fid}-error"><span class="visually-hidden">Error:</span> {escape(message)}</p>'  # noqa: E501


def _described(form: SignIn, fid: str, hint: bool = True) -> str:
    ids = ([f"{fid}-hint"] if hint else []) + ([f"{fid}-error"] if fid in form.errors else [])
    return f' aria-describedby="{" ".join(ids)}"' if ids else ""


def _roles(form: SignIn) -> str:
    boxes = []
    for index, (role, what) in enumerate(ROLES.items()):
        checked = " checked" if role in form.roles else ""
        rid = "roles" if index == 0 else f"roles-{index}"
        boxes.append(
            '<div class="checkbox">'
            f'<input type="checkbox" id="{rid}" name="roles" value="{role}"{checked}>'
            f'<label for="{rid}">{role} <span class="hint">({escape(what)})</span></label></div>'
        )
    group_class = "form-group form-group--error" if "roles" in form.errors else "form-group"
    return (
        f'<div class="{group_class}"><fieldset{_described(form, "roles", hint=False)}>'
        '<legend class="label">Roles</legend>'
        f"{_field_error(form, 'roles')}{''.join(boxes)}</fieldset></div>"
    )


def _mfa(form: SignIn) -> str:
    checked = " checked" if form.mfa else ""
    return (
        '<div class="form-group"><div class="checkbox">'
        f'<input type="checkbox" id="mfa" name="mfa" value="on"{checked}'
        ' aria-describedby="mfa-hint">'
        '<label for="mfa">Signed in with MFA</label></div>'
        '<p class="hint" id="mfa-hint">Adds <code>amr: mfa</code> to the principal, as Entra ID '
        "does after a second factor. With PRIVACY_REQUIRE_MFA on, approvals, erasure, "
        "offboarding, shortening retention, releasing a legal hold, creating a tenant and "
        "reporting a breach need it.</p></div>"
    )


def _text(form: SignIn, fid: str, label: str, hint: str, value: str) -> str:
    group_class = "form-group form-group--error" if fid in form.errors else "form-group"
    return (
        f'<div class="{group_class}"><label class="label" for="{fid}">{label}</label>'
        f'<p class="hint" id="{fid}-hint">{hint}</p>{_field_error(form, fid)}'
        f'<input class="input" type="text" id="{fid}" name="{fid}" value="{escape(value)}"'
        f' autocomplete="off" spellcheck="false"{_described(form, fid)}></div>'
    )


def sign_in_page(form: SignIn, status: int = 200) -> HTMLResponse:
    title = ("Error: " if form.errors else "") + "Sign in (local) - Privacy console"
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/api/console/console.css"></head>
<body><header class="masthead"><div class="masthead__inner">
<span class="masthead__title">Privacy console</span></div></header>
<main class="page page--narrow" id="main">
{_error_summary(form)}
<h1>Sign in</h1>
<p class="lede">This is the local stand-in for App Service Authentication. In Azure you sign in
with your organisation's account; here you choose who you are.</p>
<form method="post" action="/.auth/login/dev" novalidate>
<input type="hidden" name="post_login_redirect_uri" value="{escape(form.redirect)}">
{_text(form, "name", "Name", "Two different names are two different people.", form.name)}
{_roles(form)}
{
        _text(
            form,
            "tenants",
            "Tenant grants",
            "Separated by commas: * for every tenant, a tenant id such as t-1234, or "
            "t-1234:Privacy.Admin for one role in one tenant.",
            ", ".join(form.tenants),
        )
    }
{_mfa(form)}
<button class="button" type="submit">Sign in</button>
</form></main></body></html>"""
    return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)
