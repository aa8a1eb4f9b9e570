"""Translation markers usable outside Flask: domain code marks texts, the UI translates them."""
from __future__ import annotations


def N_(text: str) -> str:
    """Mark `text` for extraction; it is translated where it is shown (msgids are Swedish)."""
    return text


class DomainError(Exception):
    """A rule the user broke, told in words: a Swedish message template and its parameters."""

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)
