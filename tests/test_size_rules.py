"""Layer-size rules (LL301-LL319): fixes, and the edges the rule pages promise.

Agreement with hadolint's own cases is checked for every rule by tests/test_hadolint_conformance.py.
"""

from __future__ import annotations

import pytest

from layerlint import catalog
from layerlint.rule import Finding, Safety
from rule_harness import fix_snippet, lint_snippet

SIZE_RULES = {rid: meta for rid, meta in catalog.load().items() if rid.startswith("LL3") and meta.category == "size"}


def _hits(text: str, rid: str, **kw: object) -> list[Finding]:
    return [f for f in lint_snippet(text, (rid,), **kw) if f.code == rid]  # type: ignore[arg-type]


def _lines(text: str, rid: str, **kw: object) -> list[int]:
    return [f.line for f in _hits(text, rid, **kw)]


def test_declared_fix_safety_matches_the_hits() -> None:
    for rid, meta in SIZE_RULES.items():
        for ex in meta.examples:
            for f in _hits(ex.get("bad") or "", rid):
                if f.fix is None:
                    continue
                assert meta.fix != "none", rid
                assert (f.fix.safety is Safety.UNSAFE) == (meta.fix == "unsafe"), rid


# --------------------------------------------------------------------------- LL301-LL311 caches


def test_apt_lists_only_matter_where_they_reach_the_image() -> None:
    builder = "FROM debian AS build\nRUN apt-get update && apt-get install -y gcc\nFROM debian\nCOPY --from=build /x /x\n"
    assert _lines(builder, "LL301") == []
    assert _lines(builder, "LL301", target="build") == [2]
    assert _lines("FROM debian\nONBUILD RUN apt-get update\nFROM alpine\n", "LL301") == [2]
    whole = "FROM debian AS b\nRUN apt-get update\nFROM scratch\nCOPY --from=b / /\n"
    assert _lines(whole, "LL301") == [2]


def test_apt_lists_hit_points_at_the_update_command() -> None:
    [hit] = _hits("FROM debian\nRUN set -eux; \\\n    apt-get update; apt-get install -y x\n", "LL301")
    assert (hit.line, hit.column, hit.end_column) == (3, 5, 19)


@pytest.mark.parametrize(
    "run",
    [
        "apt-get update && apt-get install -y x && apt-get distclean",
        "apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists",
        "--mount=type=tmpfs,target=/var/lib/apt/lists apt-get update",
        "apt-get install -y ./local.deb",
    ],
)
def test_apt_lists_removed_or_never_written(run: str) -> None:
    assert _lines(f"FROM debian\nRUN {run}\n", "LL301") == []


def test_apt_lists_removed_before_the_update_still_count() -> None:
    assert _lines("FROM debian\nRUN rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y x\n", "LL301") == [2]


def test_recommends_switched_off_by_config_or_option() -> None:
    assert _lines("FROM debian\nRUN apt install -y x\n", "LL302") == [2]
    assert _lines("FROM debian\nRUN apt-get install -y -oAPT::Install-Recommends=0 x\n", "LL302") == []
    assert _lines("FROM debian\nCOPY 99norec /etc/apt/apt.conf.d/\nRUN apt-get install -y x\n", "LL302") == []
    assert _lines("FROM debian\nRUN aptitude install -R -y x\n", "LL302") == []


def test_recommends_fix_is_unsafe_and_lands_after_install() -> None:
    text = "FROM debian\nRUN apt-get -y install curl\n"
    assert fix_snippet(text, ("LL302",)) == text
    assert fix_snippet(text, ("LL302",), unsafe=True) == "FROM debian\nRUN apt-get -y install --no-install-recommends curl\n"


def test_pip_cache_variable_scope_follows_stages() -> None:
    inherited = "FROM python AS base\nARG PIP_NO_CACHE_DIR=1\nFROM base\nRUN pip install six\n"
    assert _lines(inherited, "LL303") == []
    unrelated = "FROM python AS base\nENV PIP_NO_CACHE_DIR=1\nFROM python\nRUN pip install six\n"
    assert _lines(unrelated, "LL303") == [4]


def test_pip_in_exec_form_and_heredoc_and_python_m() -> None:
    assert _lines('FROM python\nRUN ["pip", "install", "six"]\n', "LL303") == [2]
    assert _lines("FROM python\nRUN <<EOF\nset -e\npip3 install six\nEOF\n", "LL303") == [4]
    text = "FROM python\nRUN python3 -m pip install -U six\n"
    assert fix_snippet(text, ("LL303",)) == "FROM python\nRUN python3 -m pip install --no-cache-dir -U six\n"


def test_pip_config_in_earlier_run_and_moved_cache() -> None:
    assert _lines("FROM python\nRUN pip config set global.no-cache-dir false\nRUN pip install six\n", "LL303") == []
    conf = "FROM python\nRUN printf '[global]\\nno-cache-dir = 1\\n' > /etc/pip.conf\nRUN pip install six\n"
    assert _lines(conf, "LL303") == []
    unrelated = "FROM python\nRUN pip install --no-cache-dir -r config/requirements.txt\nRUN pip install six\n"
    assert _lines(unrelated, "LL303") == [3]
    assert _lines("FROM python\nENV PIP_CACHE_DIR=/pc\nRUN --mount=type=cache,target=/pc pip install six\n", "LL303") == []


def test_apk_update_is_the_writer_even_with_no_cache_add() -> None:
    [hit] = _hits("FROM alpine\nRUN apk update && apk add --no-cache curl\n", "LL304")
    assert (hit.column, hit.fix) == (5, None)
    assert "drop `apk update`" in hit.message


def test_rpm_family_caches() -> None:
    assert _lines("FROM centos\nRUN yum -y install x && yum clean all\n", "LL305") == []
    assert _lines("FROM centos\nRUN yum -y install x && yum clean packages\n", "LL305") == [2]
    assert _lines("FROM fedora\nRUN dnf -y install x && rm -rf /var/cache/libdnf5\n", "LL306") == []
    assert _lines("FROM fedora\nRUN dnf -y install x && dnf clean all && dnf -y install y\n", "LL306") == [2]
    assert _lines("FROM opensuse/leap\nRUN zypper --non-interactive in x && zypper cc --all\n", "LL307") == []


def test_node_caches() -> None:
    assert _lines("FROM node\nRUN yarn\n", "LL308") == [2]
    assert _lines("FROM node\nRUN yarn install --cache-folder /tmp/y && rm -rf /tmp/y\n", "LL308") == []
    assert _lines("FROM node\nENV NPM_CONFIG_CACHE=/tmp/npm\nRUN npm ci && rm -rf /tmp/npm\n", "LL309") == []
    assert _lines("FROM node\nRUN pnpm install\n", "LL309") == []


def test_gem_documentation() -> None:
    assert _lines("FROM debian\nRUN gem install -N rails\n", "LL310") == []
    assert _lines("FROM docker.io/library/ruby:3\nRUN gem install rails\n", "LL310") == []
    assert _lines("FROM debian\nRUN echo 'gem: --no-document' > /etc/gemrc\nRUN gem install rails\n", "LL310") == []


def test_composer_cache() -> None:
    assert _lines("FROM php\nRUN COMPOSER_CACHE_DIR=/dev/null composer install\n", "LL311") == []
    # Composer picks one of several directories; removing any of them is taken as cleaning it.
    assert _lines("FROM php\nRUN composer install && rm -rf ~/.composer/cache\n", "LL311") == []
    assert _lines("FROM php\nRUN composer install && rm -rf ~/.composer/vendor\n", "LL311") == [2]


# --------------------------------------------------------------------------- LL312-LL315 ledger rules


def test_removal_in_later_layer_names_the_origin() -> None:
    [hit] = _hits("FROM debian\nCOPY . /tmp/build\nRUN make -C /tmp/build\nRUN rm -rf /tmp/build\n", "LL312")
    assert (hit.line, hit.column) == (4, 12)
    assert "copied by COPY at line 2" in hit.message


def test_removal_of_cache_written_earlier() -> None:
    text = "FROM debian\nRUN apt-get update && apt-get install -y x\nRUN rm -rf /var/lib/apt/lists/*\n"
    [hit] = _hits(text, "LL312")
    assert hit.line == 3 and "apt package lists" in hit.message and "line 2" in hit.message


def test_removal_quiet_cases() -> None:
    # the base image's own files, an empty directory, a shared system directory, a file not in the context
    assert _lines("FROM debian\nRUN rm -rf /usr/share/doc\n", "LL312") == []
    assert _lines("FROM debian\nRUN mkdir -p /data\nRUN rm -rf /data\n", "LL312") == []
    assert _lines("FROM debian\nCOPY --from=b /out/ /usr/local/bin/\nRUN rm /usr/local/bin/x\n", "LL312") == []
    assert _lines("FROM debian\nCOPY . /app\nRUN rm -rf /app/docs\n", "LL312") == []
    assert _lines("FROM debian AS b\nCOPY . /app\nRUN rm -rf /app\nFROM scratch\n", "LL312") == []


def test_removal_respects_dockerignore() -> None:
    text = "FROM debian\nCOPY . /app\nRUN rm -rf /app/tests\n"
    files = {"tests/a.py": "x\n"}
    assert _lines(text, "LL312", files=files) == [3]
    assert _lines(text, "LL312", files={**files, ".dockerignore": "tests\n"}) == []


def test_build_directory_removed_later() -> None:
    text = "FROM debian\nRUN mkdir /b && cd /b && cmake /src && make\nRUN rm -rf /b\n"
    [hit] = _hits(text, "LL312")
    assert "built at line 2" in hit.message and "RUN at line 2" in hit.message


def test_permissions_only_when_file_contents_are_rewritten() -> None:
    assert _lines("FROM debian\nCOPY . /app\nRUN chown app /app\n", "LL313") == []
    assert _lines("FROM debian\nCOPY . /app\nRUN chown -R app /app\n", "LL313") == [3]
    assert _lines("FROM debian\nCOPY run.sh /run.sh\nRUN touch /run.sh\n", "LL313") == [3]
    [hit] = _hits("FROM debian\nRUN git clone https://g.org/r.git /r\nRUN chmod -R g+w /r\n", "LL313")
    assert "RUN at line 2" in hit.message


def test_permissions_suggest_the_copy_flag() -> None:
    [hit] = _hits("FROM debian\nCOPY . /app\nRUN chgrp -R staff /app\n", "LL313")
    assert "COPY --chown=:staff" in hit.message


def test_archives_streamed_or_decompressed_are_fine() -> None:
    assert _lines("FROM debian\nRUN curl -fsSL https://e.org/x.tgz | tar -xz -C /opt\n", "LL314") == []
    assert _lines("FROM debian\nRUN wget -O /tmp/x.gz https://e.org/x.gz && gunzip /tmp/x.gz\n", "LL314") == []
    assert _lines("FROM debian\nRUN curl -o /tmp/x.whl https://e.org/x.whl && pip install /tmp/x.whl\n", "LL314") == [2]


def test_archive_from_earlier_download_and_add_url() -> None:
    text = "FROM debian\nADD https://e.org/x.tar.gz /tmp/\nRUN tar -xzf /tmp/x.tar.gz -C /opt && rm /tmp/x.tar.gz\n"
    [hit] = _hits(text, "LL314")
    assert "downloaded at line 2" in hit.message
    assert _lines(text, "LL312") == []  # the removal is LL314's to report


def test_packages_purged_later_and_quiet_cases() -> None:
    text = "FROM debian\nRUN apt-get install -y gcc=4:12.2.0-3 make\nRUN apt-get purge -y --auto-remove gcc curl\n"
    [hit] = _hits(text, "LL315")
    assert hit.line == 3 and hit.message.startswith("gcc was installed by the RUN at line 2")
    assert _lines("FROM debian\nRUN apt-get purge -y curl\n", "LL315") == []
    assert _lines("FROM python\nRUN pip install Cython==3.0\nRUN python -m pip uninstall -y cython\n", "LL315") == [3]
    assert _lines("FROM debian\nRUN apt-get install -y gcc && apt-get purge -y gcc\nRUN apt-get purge -y gcc\n", "LL315") == []


# --------------------------------------------------------------------------- LL316-LL318


def test_consecutive_runs_follow_hadolint_and_skip_builder_stages() -> None:
    assert _lines("FROM debian\nRUN a\n# note\nRUN b\nRUN c && d\nRUN e\n", "LL316") == [4]
    assert _lines("FROM debian AS b\nRUN a\nRUN b\nFROM scratch\nCOPY --from=b /x /x\n", "LL316") == []
    assert _lines("FROM debian AS b\nRUN a\nRUN b\nFROM alpine\nRUN c\n", "LL316") == []
    assert _lines("FROM debian\nRUN --network=none a\nRUN b\n", "LL316") == []


TOOLCHAIN_APP = "FROM golang:1.22\nRUN apt-get install -y gcc\nRUN go build -o /app .\nCMD [\"/app\"]\n"


def test_toolchain_needs_a_build_and_an_application() -> None:
    assert _lines(TOOLCHAIN_APP, "LL317") == [2]
    assert _lines(TOOLCHAIN_APP.replace('CMD ["/app"]', "CMD bash"), "LL317") == []
    assert _lines(TOOLCHAIN_APP.replace("go build -o /app .", "echo hi"), "LL317") == []


def test_toolchain_only_in_the_target_stage_and_not_when_removed() -> None:
    multi = "FROM debian AS build\nRUN apt-get install -y g++\nRUN make\nFROM debian\nCOPY --from=build /a /a\nCMD [\"/a\"]\n"
    assert _lines(multi, "LL317") == []
    removed = "FROM alpine\nRUN apk add --no-cache --virtual .b gcc musl-dev && make && apk del .b\nCMD [\"/a\"]\n"
    assert _lines(removed, "LL317") == []
    kept = "FROM alpine\nRUN apk add --no-cache openjdk17 maven && mvn package\nENTRYPOINT [\"java\", \"-jar\", \"/a.jar\"]\n"
    [hit] = _hits(kept, "LL317")
    assert hit.message.startswith("openjdk17, maven are build tools")


def test_useradd_threshold_is_an_option() -> None:
    text = "FROM debian\nRUN useradd -u 54321 app\n"
    assert _lines(text, "LL318") == []
    assert _lines(text, "LL318", options={"LL318": {"min-uid": 10000}}) == [2]


def test_build_caches_are_reported_once_per_command_and_follow_variables() -> None:
    [hit] = _hits("FROM golang:1.22\nRUN go build -o /app .\nCMD [\"/app\"]\n", "LL319")
    assert hit.message.startswith("the Go build cache and the Go module cache left in this layer")
    moved = "FROM golang:1.22\nENV GOCACHE=/gc GOMODCACHE=/gm\nRUN --mount=type=cache,target=/gc --mount=type=cache,target=/gm go build .\n"
    assert _lines(moved, "LL319") == []
    assert _lines("FROM golang:1.22\nRUN go build . && go clean -cache -modcache\n", "LL319") == []
    assert _lines("FROM rust:1\nRUN cargo install ripgrep\n", "LL319") == [2]
    assert _lines("FROM eclipse-temurin:21\nRUN ./gradlew --no-daemon build\n", "LL319") == [2]
    assert _lines("FROM eclipse-temurin:21\nRUN ./mvnw --version\n", "LL319") == []
