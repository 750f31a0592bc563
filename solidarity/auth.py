"""Who may edit: the team's sign-in rules (no Streamlit).

Two ways in, chosen by the secrets (``.streamlit/secrets.toml``, see its ``.example``):

- **OpenID Connect** when an ``[auth]`` section is there: Streamlit's own ``st.login`` with the
  organisation's provider (Microsoft 365, Google, ...). Signing in proves an e-mail address;
  only the addresses in ``[team.editors]`` may edit, each with its role.
- **Local accounts** otherwise: ``[team.accounts.<name>]`` with an Argon2 ``password_hash``
  (``make password-hash``) and a ``role``.

Local sign-in, in this order: the attempt is counted in the store (every app process shares the
count) *before* the password is looked at; an account with more than :data:`MAX_FAILURES`
attempts within :data:`WINDOW_S` is locked for :data:`LOCKOUT_S` and its password is not
checked at all; an unknown name is checked against a dummy hash, so it costs the same time as a
known one, and gets the same answer as a wrong password (the lock-out too: names that do not
exist are counted and locked like real ones). ``python -m solidarity.auth`` reads a password
from standard input and prints its hash.

Roles: ``editor`` edits initiatives, imports spreadsheets, undoes imports and moderates the
residents' suggestions; ``admin`` also edits the buurtwerken and the projects.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from solidarity.i18n import N_

ROLES: tuple[str, ...] = ("editor", "admin")
ROLE_LABELS = {"editor": N_("Editor"), "admin": N_("Administrator")}
#: Attempts allowed within the window before the account is locked.
MAX_FAILURES = 5
WINDOW_S = 15 * 60.0
LOCKOUT_S = 15 * 60.0
#: The longest account name and password looked at (a longer one is simply wrong).
MAX_NAME = 100
MAX_PASSWORD = 1024

HASHER = PasswordHasher()  # Argon2id with argon2-cffi's current defaults (RFC 9106 low-memory profile)
#: Checked for names that have no account: the same work as a real check, never a match.
DUMMY_HASH = HASHER.hash("no account has this password: it only makes unknown names cost the same time")

#: What the sign-in says (msgids). One sentence for an unknown name and a wrong password.
WRONG = N_("The name or the password is not right.")
LOCKED = N_("Too many attempts. Wait {minutes} minutes and try again.")
NOT_ON_LIST = N_("{email} is not on the team's list. Ask an administrator to add you.")
NO_SIGN_IN = N_("Sign-in is not set up for this map. Whoever runs it can add accounts to the secrets file.")


class SecretsError(ValueError):
    """The team's part of the secrets is wrong; the message is one line naming it."""


@dataclass(frozen=True)
class Editor:
    """A signed-in team member."""

    name: str  # the e-mail address (OIDC) or the account name (local): ``who`` of every change
    role: str
    via: str  # "oidc" or "local"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Account:
    """A local account from the secrets."""

    name: str
    password_hash: str
    role: str


@dataclass(frozen=True)
class TeamConfig:
    """The sign-in set-up read from the secrets."""

    #: ``oidc`` (an ``[auth]`` section), ``local`` (accounts, no ``[auth]``) or ``none``.
    mode: str
    #: OIDC allow-list: e-mail (lower case) -> role.
    editors: Mapping[str, str]
    #: Local accounts by name (lower case).
    accounts: Mapping[str, Account]


def _role(value: object, where: str) -> str:
    role = str(value or "").strip().lower()
    if role not in ROLES:
        raise SecretsError(f"{where}: the role must be one of {', '.join(ROLES)}, not {str(value)[:20]!r}")
    return role


def team_config(secrets: Mapping[str, Any]) -> TeamConfig:
    """The team's sign-in from the secrets; :class:`SecretsError` with one line for a wrong entry."""
    team = secrets.get("team", {}) or {}
    if not isinstance(team, Mapping):
        raise SecretsError("[team] in the secrets must be a table")
    editors_raw = team.get("editors", {}) or {}
    accounts_raw = team.get("accounts", {}) or {}
    if not isinstance(editors_raw, Mapping) or not isinstance(accounts_raw, Mapping):
        raise SecretsError("[team.editors] and [team.accounts] in the secrets must be tables")
    editors = {}
    for email, role in editors_raw.items():
        if "@" not in str(email):
            raise SecretsError(f"[team.editors]: {str(email)[:60]!r} is not an e-mail address")
        editors[str(email).strip().lower()] = _role(role, f"[team.editors] {email}")
    accounts = {}
    for name, entry in accounts_raw.items():
        if not isinstance(entry, Mapping):
            raise SecretsError(f"[team.accounts.{name}] must be a table with password_hash and role")
        hashed = str(entry.get("password_hash", ""))
        if not hashed.startswith("$argon2"):
            raise SecretsError(f"[team.accounts.{name}]: password_hash must be an Argon2 hash (make password-hash)")
        key = str(name).strip().lower()
        accounts[key] = Account(key, hashed, _role(entry.get("role"), f"[team.accounts.{name}]"))
    auth = secrets.get("auth")
    mode = "oidc" if isinstance(auth, Mapping) and auth else ("local" if accounts else "none")
    return TeamConfig(mode, editors, accounts)


def oidc_editor(user: Mapping[str, Any], config: TeamConfig) -> Editor | None:
    """The editor for a signed-in OIDC user (``st.user``), or None when the address is not on the list.

    The provider must say the address is verified when it says anything about it (``email_verified``)."""
    email = str(user.get("email") or user.get("preferred_username") or "").strip().lower()
    if not email or user.get("email_verified") is False:
        return None
    role = config.editors.get(email)
    return Editor(email, role, "oidc") if role else None


class AttemptCounter(Protocol):
    """What :func:`sign_in` needs of the store (:meth:`solidarity.store.Store.begin_sign_in`)."""

    def begin_sign_in(self, account: str, *, max_failures: int, window_s: float, lockout_s: float) -> float: ...

    def end_sign_in(self, account: str, ok: bool) -> None: ...


@dataclass(frozen=True)
class SignIn:
    """The outcome of a local sign-in: the editor, or the message (msgid) and its minutes."""

    editor: Editor | None
    message: str = ""
    minutes: int = 0


def sign_in(store: AttemptCounter, config: TeamConfig, name: str, password: str) -> SignIn:
    """Check a local account's password (see the module docstring for the order of the steps)."""
    typed = str(name or "").strip().lower()[:MAX_NAME]
    locked = store.begin_sign_in(typed or "(empty)", max_failures=MAX_FAILURES, window_s=WINDOW_S, lockout_s=LOCKOUT_S)
    if locked > 0:
        return SignIn(None, LOCKED, max(1, int(locked // 60) + (1 if locked % 60 else 0)))
    account = config.accounts.get(typed)
    secret = str(password or "")[:MAX_PASSWORD]
    try:
        ok = HASHER.verify(account.password_hash if account else DUMMY_HASH, secret) and account is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    store.end_sign_in(typed or "(empty)", ok)
    if not ok or account is None:
        return SignIn(None, WRONG)
    return SignIn(Editor(account.name, account.role, "local"))


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` to put in the secrets."""
    if not password:
        raise ValueError("an empty password cannot be used")
    return HASHER.hash(password)


def main() -> int:
    """``make password-hash``: read a password (twice on a terminal) and print its hash."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Again: "):
            print("password-hash: the two passwords differ", file=sys.stderr)
            return 1
    else:
        first = sys.stdin.readline().rstrip("\r\n")
    if len(first) < 12:
        print("password-hash: use at least 12 characters", file=sys.stderr)
        return 1
    print(hash_password(first))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
