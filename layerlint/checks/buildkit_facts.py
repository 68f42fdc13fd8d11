"""Facts the BuildKit-compatible checks share: image references, suggestions, comments, image ENV.

BuildKit's build checks (``docker build --check``) judge the Dockerfile as its frontend sees
it; these helpers answer the same questions without a registry:

* whether a string is an image reference ``docker pull`` accepts (distribution's grammar);
* which known name a misspelt variable most likely meant (edit distance below 3, as
  BuildKit's ``suggest`` package);
* which case the file writes its keywords in (shared by the casing checks and their fixes);
* which comment lines sit directly above an instruction (a blank line or an empty ``#``
  ends the block, as the parser's ``PrevComment``);
* which variables a well-known base image defines, so ``COPY $PYTHON_VERSION`` on
  ``python:3.12`` is not taken for an undefined variable.

Nothing here registers a check.
"""

from __future__ import annotations

import re
from functools import lru_cache

TYPE_CHECKING = False  # typing costs ms at start-up; only checkers need it
if TYPE_CHECKING:
    from layerlint.model import Instruction
    from layerlint.rule import RuleContext

# --------------------------------------------------------------------------- keyword casing


def casing(word: str) -> str | None:
    """``"lower"``, ``"upper"``, or None for a mixed-case word."""
    if word == word.lower():
        return "lower"
    if word == word.upper():
        return "upper"
    return None


def keyword_casing(ctx: RuleContext) -> tuple[str, int, int]:
    """The file's majority keyword casing and the lower/upper counts (BuildKit's ConsistentInstructionCasing).

    Global ARGs before the first FROM are not counted, as in BuildKit; a tie counts as upper.
    """

    def compute() -> tuple[str, int, int]:
        words = [ins.keyword_raw for stage in ctx.build.stages for ins in stage.instructions]
        lower = sum(1 for w in words if casing(w) == "lower")
        upper = sum(1 for w in words if casing(w) == "upper")
        return ("lower" if lower > upper else "upper"), lower, upper

    return ctx.memo("buildkit.keyword-casing", compute)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- suggestions


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insert, delete, substitute each cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def suggest(name: str, options: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> str | None:
    """The option closest to ``name`` within two edits, or None (also None on an exact match).

    Options are tried in sorted order so the answer does not depend on set ordering.
    """
    best, best_distance = None, 3
    for option in sorted(options):
        if option == name:
            return None
        distance = edit_distance(name, option)
        if distance < best_distance:
            best, best_distance = option, distance
    return best


def did_you_mean(name: str, options: list[str] | tuple[str, ...] | set[str] | frozenset[str], prefix: str = "") -> str:
    """`` (did you mean X?)`` or an empty string."""
    match = suggest(name, options)
    return f" (did you mean {prefix}{match}?)" if match else ""


# --------------------------------------------------------------------------- image references

_ALNUM = r"[a-z0-9]+"
_COMPONENT = rf"{_ALNUM}(?:(?:[._]|__|-+){_ALNUM})*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[a-fA-F0-9:]+\])"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = rf"(?P<name>(?:{_HOST}(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*)(?::{_TAG})?(?:@{_DIGEST})?"
_IDENTIFIER = r"[a-f0-9]{64}"


def valid_image_reference(ref: str) -> bool:
    """Whether ``docker pull`` would accept ``ref`` (distribution's ``ParseNormalizedNamed``).

    The first path component is a registry host only when it holds a ``.`` or ``:``, is
    ``localhost`` or has upper-case letters; the repository path must be lower case.
    """
    if not ref or re.fullmatch(_IDENTIFIER, ref):
        return False
    first, slash, rest = ref.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost" or first.lower() != first):
        domain, remainder = first, rest
    else:
        domain, remainder = "docker.io", ref
    repository = remainder.split(":", 1)[0]
    if repository.lower() != repository:
        return False
    m = re.fullmatch(_REFERENCE, f"{domain}/{remainder}")
    return m is not None and len(m.group("name")) <= 255


# --------------------------------------------------------------------------- comments


def comments_above(ctx: RuleContext, ins: Instruction) -> list[str]:
    """The comment lines directly above ``ins``, trimmed, oldest first.

    A blank line or an empty ``#`` line ends the block, so only a comment that touches the
    instruction counts (BuildKit's ``PrevComment``, which also holds ``# check=`` lines).
    """
    source = ctx.source
    line = source.position(ins.span.start).line - 1
    found: list[str] = []
    while line >= 1:
        text = source.line_text(line).strip()
        if not text.startswith("#"):
            break
        body = text[1:].strip()
        if not body:
            break
        found.append(body)
        line -= 1
    found.reverse()
    return found


# --------------------------------------------------------------------------- image ENV

# Variables the Docker Official Images set in their image config (beyond PATH), from their
# published Dockerfiles; the same for every tag and variant of a repository.  Values are not
# needed: the table only tells a variable the image defines from a misspelt one.
_JAVA = "JAVA_HOME JAVA_VERSION LANG LANGUAGE LC_ALL"
_IMAGE_ENV: dict[str, str] = {
    "alpine": "",
    "busybox": "",
    "debian": "",
    "ubuntu": "",
    "centos": "",
    "rockylinux": "",
    "almalinux": "",
    "amazonlinux": "",
    "oraclelinux": "",
    "archlinux": "",
    "fedora": "DISTTAG FGC FBR",
    "python": "LANG GPG_KEY PYTHON_VERSION PYTHON_SHA256 PYTHON_PIP_VERSION PYTHON_SETUPTOOLS_VERSION"
    " PYTHON_GET_PIP_URL PYTHON_GET_PIP_SHA256",
    "node": "NODE_VERSION YARN_VERSION",
    "golang": "GOLANG_VERSION GOPATH GOTOOLCHAIN",
    "rust": "RUSTUP_HOME CARGO_HOME RUST_VERSION",
    "openjdk": _JAVA,
    "eclipse-temurin": _JAVA,
    "amazoncorretto": _JAVA,
    "maven": f"{_JAVA} MAVEN_HOME MAVEN_CONFIG",
    "gradle": f"{_JAVA} GRADLE_HOME GRADLE_VERSION",
    "ruby": "LANG RUBY_MAJOR RUBY_VERSION RUBY_DOWNLOAD_URL RUBY_DOWNLOAD_SHA256 GEM_HOME"
    " BUNDLE_SILENCE_ROOT_WARNING BUNDLE_APP_CONFIG",
    "php": "PHPIZE_DEPS PHP_INI_DIR APACHE_CONFDIR APACHE_ENVVARS PHP_CFLAGS PHP_CPPFLAGS PHP_LDFLAGS"
    " GPG_KEYS PHP_VERSION PHP_URL PHP_ASC_URL PHP_SHA256",
    "nginx": "NGINX_VERSION NJS_VERSION NJS_RELEASE PKG_RELEASE DYNPKG_RELEASE",
    "httpd": "HTTPD_PREFIX HTTPD_VERSION HTTPD_SHA256 HTTPD_PATCHES",
    "postgres": "GOSU_VERSION LANG PG_MAJOR PG_VERSION PG_SHA256 PGDATA DOCKER_PG_LLVM_DEPS",
    "redis": "REDIS_VERSION REDIS_DOWNLOAD_URL REDIS_DOWNLOAD_SHA",
}
_HUB_PREFIXES = ("docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/", "library/")


@lru_cache(maxsize=64)
def image_env(image: str) -> frozenset[str] | None:
    """Variables a known Docker Official Image defines (PATH included), None for other images."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    name = name.lower()
    for prefix in _HUB_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    names = _IMAGE_ENV.get(name)
    return None if names is None else frozenset(("PATH", *names.split()))
