"""Operator commands (a CLI, never an HTTP backdoor): promote a user, change a tier, suspend.

    python -m describe_it.admin_cli set-role  EMAIL admin|user
    python -m describe_it.admin_cli set-tier  EMAIL free|basic|pro
    python -m describe_it.admin_cli suspend   EMAIL      (ends every session at once)
    python -m describe_it.admin_cli activate  EMAIL
    python -m describe_it.admin_cli rotate-signing-key   (AWS: new access-token key, old one kept to verify)

Runs as the ``describeit_admin`` database role (settings ``DB_ADMIN_URL`` / ``DB_ADMIN_SECRET_ARN``;
`make run` has them in .local/run.env.json). A tier or role change reaches the user's access token
at its next refresh (≤ 1 h); suspension and demotion from admin revoke the sessions immediately.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

VALUES = {"set-role": ("user", "admin"), "set-tier": ("free", "basic", "pro")}


def run(command: str, email: str, value: str | None = None) -> dict[str, Any]:
    from describe_it.auth.service import mark_revoked
    from describe_it.db.tx import transaction

    with transaction("admin") as conn:
        user = conn.execute(
            "SELECT id, role::text AS role FROM users WHERE email = %s FOR UPDATE", [email]
        ).fetchone()
        if user is None:
            raise SystemExit(f"no user with e-mail {email}")
        revoke = False
        if command == "set-role":
            if user["role"] == "admin" and value == "user":
                admins = conn.execute("SELECT count(*) AS n FROM users WHERE role = 'admin'").fetchone()
                if admins is not None and admins["n"] <= 1:
                    raise SystemExit("refusing to remove the last admin")
                revoke = True
            conn.execute("UPDATE users SET role = %s WHERE id = %s", [value, user["id"]])
        elif command == "set-tier":
            conn.execute("UPDATE users SET tier = %s WHERE id = %s", [value, user["id"]])
        elif command == "suspend":
            conn.execute("UPDATE users SET status = 'suspended' WHERE id = %s", [user["id"]])
            revoke = True
        elif command == "activate":
            conn.execute("UPDATE users SET status = 'active' WHERE id = %s", [user["id"]])
        families: list[Any] = []
        if revoke:
            rows = conn.execute(
                """UPDATE auth_refresh_tokens SET revoked_at = now(), revoked_reason = %s
                    WHERE user_id = %s AND revoked_at IS NULL RETURNING family_id""",
                ["account_suspended" if command == "suspend" else "admin", user["id"]],
            ).fetchall()
            families = sorted({r["family_id"] for r in rows})
    mark_revoked(families)
    return {"user": str(user["id"]), "command": command, "value": value, "sessionsRevoked": len(families)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m describe_it.admin_cli", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, choices in VALUES.items():
        p = sub.add_parser(name)
        p.add_argument("email")
        p.add_argument("value", choices=choices)
    for name in ("suspend", "activate"):
        sub.add_parser(name).add_argument("email")
    sub.add_parser("rotate-signing-key")
    args = parser.parse_args(argv)
    if args.command == "rotate-signing-key":
        from describe_it.auth.keys import rotate_signing_keys

        print({"newKid": rotate_signing_keys()})
        return 0
    result = run(args.command, args.email.strip().lower(), getattr(args, "value", None))
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
