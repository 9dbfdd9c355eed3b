"""Subjects and bodies of the account e-mails, in English and Spanish (``users.ui_language``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


_TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "verify_email": {
        "en": (
            "Confirm your e-mail for Describe It",
            "Welcome to Describe It!\n\nConfirm your address:\n{link}\n\nThe link works once and expires in 24 hours.",
        ),
        "es": (
            "Confirma tu correo para Describe It",
            "¡Bienvenido a Describe It!\n\nConfirma tu dirección:\n{link}\n\nEl enlace funciona una vez y caduca en 24 horas.",
        ),
    },
    "reset_password": {
        "en": (
            "Reset your Describe It password",
            "Someone asked to reset your password. If it was you, open:\n{link}\n\nThe link works once and expires in 30 minutes. If it was not you, ignore this e-mail.",
        ),
        "es": (
            "Restablece tu contraseña de Describe It",
            "Alguien pidió restablecer tu contraseña. Si fuiste tú, abre:\n{link}\n\nEl enlace funciona una vez y caduca en 30 minutos. Si no fuiste tú, ignora este correo.",
        ),
    },
    "password_changed": {
        "en": (
            "Your Describe It password was changed",
            "Your password was just changed and your other sessions were signed out.\nIf this was not you, reset your password at once.",
        ),
        "es": (
            "Tu contraseña de Describe It ha cambiado",
            "Tu contraseña acaba de cambiar y se cerraron tus otras sesiones.\nSi no fuiste tú, restablece tu contraseña de inmediato.",
        ),
    },
    "account_exists": {
        "en": (
            "You already have a Describe It account",
            "Someone tried to sign up with this address, which already has an account.\nSign in, or reset your password if you forgot it.",
        ),
        "es": (
            "Ya tienes una cuenta de Describe It",
            "Alguien intentó registrarse con esta dirección, que ya tiene una cuenta.\nInicia sesión o restablece tu contraseña si la olvidaste.",
        ),
    },
    "account_locked": {
        "en": (
            "Sign-in paused on your Describe It account",
            "After several failed sign-in attempts, sign-in is paused for 15 minutes.\nIf this was not you, consider resetting your password.",
        ),
        "es": (
            "Inicio de sesión en pausa en tu cuenta de Describe It",
            "Tras varios intentos fallidos, el inicio de sesión queda en pausa 15 minutos.\nSi no fuiste tú, considera restablecer tu contraseña.",
        ),
    },
}


def render(template: str, locale: str, payload: dict[str, Any]) -> Rendered:
    variants = _TEMPLATES[template]
    subject, body = variants.get(locale, variants["en"])
    return Rendered(subject, body.format(**{"link": "", **payload}))
