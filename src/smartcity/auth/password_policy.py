"""Password policy: a length range and zxcvbn's guessability estimate, which knows common and
breached passwords, keyboard walks, dates and l33t spellings far better than a hand list."""

from flask import current_app, has_app_context
from marshmallow import ValidationError, validate
from zxcvbn import zxcvbn

MIN_LENGTH, MAX_LENGTH = 8, 128
DEFAULT_MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable" (~10^8 guesses), 4 = very strong


def min_score() -> int:
    if has_app_context():
        return int(current_app.config.get("PASSWORD_MIN_SCORE", DEFAULT_MIN_SCORE))
    return DEFAULT_MIN_SCORE


def problem(password: str, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why this password is refused, or None. user_inputs (username, e-mail) count as known."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"must be {MIN_LENGTH} to {MAX_LENGTH} characters"
    # zxcvbn's cost grows with length; MAX_LENGTH bounds it.
    result = zxcvbn(password, user_inputs=[u for u in user_inputs if u])
    if result["score"] >= min_score():
        return None
    feedback = result["feedback"]
    hint = feedback.get("warning") or " ".join(feedback.get("suggestions") or [])
    return "too easy to guess" + (f": {hint}" if hint else "")


def strong(password: str) -> None:
    """A marshmallow validator (the field name is then in the 400's details)."""
    message = problem(password)
    if message:
        raise ValidationError(message)


# For schema fields: the length check first, so that over-long input never reaches zxcvbn.
PASSWORD = [validate.Length(min=MIN_LENGTH, max=MAX_LENGTH), strong]
