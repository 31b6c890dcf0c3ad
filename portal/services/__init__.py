"""Domain operations: take objects and data, apply the rules, flush; the caller commits."""


class ValidationError(Exception):
    """Input that breaks a rule; `errors` maps field names to plain-Dutch messages saying what to fix."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
