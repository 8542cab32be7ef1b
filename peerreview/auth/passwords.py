"""Password rules (OWASP ASVS 2.1: length over complexity, no common passwords)."""
from flask_babel import _

MIN_LENGTH = 12
MAX_LENGTH = 128
# A short list of the passwords seen most often in breaches; long enough to
# stop the obvious ones without shipping a large dictionary.
COMMON = {
    "123456789012", "password1234", "qwertyuiopas", "passwordpassword", "111111111111",
    "iloveyou1234", "adminadmin12", "welcome12345", "changeme1234", "letmein12345",
    "peerreview123", "password123!", "qwerty123456", "abc123456789",
}


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("Use at most %(n)d characters.", n=MAX_LENGTH))
    lowered = password.lower()
    if lowered in COMMON or len(set(password)) < 4:
        problems.append(_("This password is too easy to guess."))
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 4:
        problems.append(_("Do not use your e-mail address in the password."))
    return problems
