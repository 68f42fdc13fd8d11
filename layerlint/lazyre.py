"""Regular expressions compiled on first use instead of at import.

Compiling is most of what a module-level ``re.compile`` costs (0.1-0.5 ms each), and the
linter's modules hold dozens that a given Dockerfile mostly never needs: the pre-commit
hook would pay for all of them on every run.  ``lazy(pattern)`` stands in for the compiled
pattern; its first attribute lookup compiles it and stores the pattern's methods on the
instance, so later calls cost what a compiled pattern's do.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

_FORWARDED = ("search", "match", "fullmatch", "sub", "subn", "split", "findall", "finditer", "pattern", "flags", "groups")


class LazyPattern:
    """A ``re.Pattern`` that is compiled when it is first used."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def compiled(self) -> re.Pattern[str]:
        import re

        return re.compile(*self._source)

    def __getattr__(self, name: str) -> object:  # only reached before the first compile
        if name not in _FORWARDED:
            raise AttributeError(name)
        compiled = self.compiled()
        for attr in _FORWARDED:
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self._source[0]!r})"


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, deferred to the first use (typed as the pattern it becomes)."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]
