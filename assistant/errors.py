"""Errors that carry a German message meant for the person using the product."""


class AssistantError(Exception):
    """An error whose message is safe and useful to show to a user (German)."""


class MissingExtraError(AssistantError):
    def __init__(self, package: str, extra: str) -> None:
        super().__init__(f"Das optionale Paket '{package}' fehlt. Installieren Sie es mit: pip install '.[{extra}]'")
