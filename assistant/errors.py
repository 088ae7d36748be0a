"""Errors that carry a German message meant for the person using the product."""


class AssistantError(Exception):
    """An error whose message is safe and useful to show to a user (German)."""


class ConfigurationError(AssistantError):
    """The operator's set-up is incomplete (package, model, key): the message is for the log and the
    command line, never for a visitor of the public API."""


class MissingExtraError(ConfigurationError):
    def __init__(self, package: str, extra: str) -> None:
        super().__init__(f"Das optionale Paket '{package}' fehlt. Installieren Sie es mit: pip install '.[{extra}]'")


class StoreUnavailable(AssistantError):
    """The document store cannot be reached (server down, files unreadable); callers answer 503."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("Der Dokumentenspeicher ist gerade nicht erreichbar. Bitte versuchen Sie es in Kürze erneut.")
        self.detail = detail
