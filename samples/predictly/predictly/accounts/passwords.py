import hashlib
import hmac
import os

from predictly.config import settings

ALGO = "pbkdf2_sha256"


def hash_password(password, salt=None, iterations=None):
    iterations = iterations or settings.password_iterations
    salt = salt or os.urandom(16).hex()
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations).hex()
    return f"{ALGO}${iterations}${salt}${digest}"


def verify_password(password, encoded):
    try:
        algo, iterations, salt, digest = encoded.split("$")
    except ValueError:
        return False
    if algo != ALGO:
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations)).hex()
    return hmac.compare_digest(candidate, digest)


def password_problems(password):
    problems = []
    if len(password) < 8:
        problems.append("at least 8 characters")
    if password.lower() == password or password.upper() == password:
        problems.append("mixed case")
    if not any(c.isdigit() for c in password):
        problems.append("a digit")
    return problems
