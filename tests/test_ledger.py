"""The ledger of paths each layer creates, removes and rewrites (layerlint.ledger)."""

from __future__ import annotations

import pytest

from layerlint.build import analyze
from layerlint.ledger import Ledger, build_ledger, covers, empties, inside, mount_targets
from layerlint.model import Dockerfile
from layerlint.parse import parse_text


def _book(text: str, **kw: object) -> tuple[Dockerfile, Ledger]:
    df = parse_text(text)
    return df, build_ledger(analyze(df, **kw))  # type: ignore[arg-type]


def _made(text: str, n: int) -> list[tuple[str, bool, str]]:
    df, book = _book(text)
    return [(e.path, e.tree, e.how) for e in book.created_by(df.instructions[n])]


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/tmp/build", "/tmp/build", True),
        ("/tmp", "/tmp/build/x", True),
        ("/tmp/*", "/tmp/build", True),
        ("/tmp/b*", "/tmp/app", False),
        ("/tmp/build/x", "/tmp/build", False),
        ("/var/lib/apt/lists/*", "/var/lib/apt/lists", False),
    ],
)
def test_covers(pattern: str, path: str, expected: bool) -> None:
    assert covers(pattern, path) is expected


def test_inside_is_strict() -> None:
    assert inside("/app/tests", "/app")
    assert not inside("/app", "/app")
    assert not inside("/application", "/app")


def test_copy_destinations_follow_workdir_and_variables() -> None:
    text = "FROM alpine\nENV APP=/srv/app\nWORKDIR $APP\nCOPY . .\nCOPY a.txt b.txt conf/\nCOPY run.sh /usr/local/bin/run\n"
    assert _made(text, 3) == [("/srv/app", True, "copy")]
    assert _made(text, 4) == [("/srv/app/conf/a.txt", False, "copy"), ("/srv/app/conf/b.txt", False, "copy")]
    df, book = _book(text)
    single = book.created_by(df.instructions[5])[0]
    assert (single.path, single.alt) == ("/usr/local/bin/run", ("/usr/local/bin/run/run.sh",))


def test_add_extracts_local_archives_and_downloads_urls() -> None:
    text = "FROM alpine\nADD app.tar.gz /opt/app/\nADD https://example.com/x.zip?sig=1 /tmp/\nCOPY app.tar.gz /tmp/\n"
    assert _made(text, 1) == [("/opt/app", True, "extract")]
    assert _made(text, 2) == [("/tmp/x.zip", False, "download")]
    assert _made(text, 3) == [("/tmp/app.tar.gz", False, "copy")]


def test_run_downloads_extractions_and_cd() -> None:
    text = (
        "FROM debian\n"
        "RUN cd /tmp && curl -fsSLO https://e.org/a.tgz && wget -P /dl https://e.org/b.zip"
        " && tar -xzf a.tgz -C /opt/a && git clone https://g.org/r.git && echo hi > /etc/motd\n"
    )
    assert _made(text, 1) == [
        ("/tmp/a.tgz", False, "download"),
        ("/dl/b.zip", False, "download"),
        ("/opt/a", True, "extract"),
        ("/tmp/r", True, "clone"),
        ("/etc/motd", False, "write"),
    ]


def test_same_run_removal_cancels_and_later_removal_is_a_change() -> None:
    text = (
        "FROM debian\n"
        "RUN curl -o /tmp/x.tgz https://e.org/x.tgz && tar xzf /tmp/x.tgz -C /opt && rm /tmp/x.tgz\n"
        "RUN rm -rf /opt\n"
    )
    df, book = _book(text)
    assert [e.path for e in book.created_by(df.instructions[1])] == ["/opt"]
    [extraction] = book.extractions(df.instructions[1])
    assert (extraction.archive, extraction.kept) == ("/tmp/x.tgz", False)
    [change] = book.changes(df.instructions[2])
    assert (change.op, change.path, [m.path for m in change.matches]) == ("remove", "/opt", ["/opt"])


def test_unknown_cd_makes_relative_paths_unknown() -> None:
    assert _made("FROM debian\nRUN cd $(mktemp -d) && curl -O https://e.org/x.tgz\n", 1) == []


def test_mkdir_becomes_a_workdir_when_the_run_works_in_it() -> None:
    assert _made("FROM debian\nRUN mkdir -p /b && cd /b && make\n", 1) == [("/b", True, "workdir")]
    assert _made("FROM debian\nRUN mkdir -p /data\n", 1) == [("/data", True, "mkdir")]


def test_caches_respect_flags_variables_mounts_and_cleaners() -> None:
    base = "FROM python:3.12\nUSER app\n"
    assert _made(base + "RUN pip install x\n", 2) == [("/home/app/.cache/pip", True, "cache")]
    assert _made(base + "RUN pip install --no-cache-dir x\n", 2) == []
    assert _made(base + "RUN PIP_NO_CACHE_DIR=off pip install x\n", 2) == []
    assert _made(base + "RUN --mount=type=cache,target=/home/app/.cache pip install x\n", 2) == []
    assert _made(base + "RUN PIP_CACHE_DIR=/tmp/pc pip install x && rm -rf /tmp/pc\n", 2) == []
    assert _made(base + "RUN pip install x && pip cache purge\n", 2) == []
    assert _made("FROM debian\nRUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*\n", 1) == []
    assert _made("FROM debian\nRUN rm -rf /var/lib/apt/lists/* && apt-get update\n", 1) == [
        ("/var/lib/apt/lists", True, "cache")
    ]
    assert _made("FROM opensuse/leap\nRUN zypper in -y x && zypper clean\n", 1) == [("/var/cache/zypp", True, "cache")]
    assert _made("FROM opensuse/leap\nRUN zypper in -y x && zypper cc -a\n", 1) == []


def test_composer_home_moves_its_cache() -> None:
    text = "FROM php\nENV COMPOSER_HOME=/composer\nRUN composer install\n"
    assert _made(text, 2) == [("/composer/cache", True, "cache")]


def test_stages_inherit_entries_workdir_and_user() -> None:
    text = "FROM debian AS base\nWORKDIR /app\nUSER app\nCOPY . .\nFROM base\nRUN chown -R app .\n"
    df, book = _book(text)
    run = df.instructions[5]
    assert (book.state(run).workdir, book.state(run).user, book.state(run).home) == ("/app", "app", "/home/app")
    [change] = book.changes(run)
    assert (change.op, change.recursive, change.matches[0].instruction.index) == ("chown", True, 3)


def test_onbuild_triggers_do_not_add_to_this_image() -> None:
    df, book = _book("FROM debian\nONBUILD COPY . /app\nONBUILD RUN apt-get update\nRUN rm -rf /var/lib/apt/lists\n")
    assert [e.how for e in book.created_by(df.instructions[2])] == ["cache"]
    assert book.changes(df.instructions[3]) == ()


def test_a_file_without_from_is_read_as_one_stage() -> None:
    df, book = _book("COPY app.tar /srv/\nRUN tar -xf /srv/app.tar\n")
    [extraction] = book.extractions(df.instructions[1])
    assert extraction.created is not None and extraction.created.how == "copy"


def test_relative_archive_falls_back_to_its_file_name() -> None:
    df, book = _book("FROM alpine\nCOPY x.tar.gz /opt/x.tar.gz\nRUN cd \"$DIR\" && tar -xzf x.tar.gz\n")
    [extraction] = book.extractions(df.instructions[2])
    assert extraction.created is not None and extraction.created.path == "/opt/x.tar.gz"


def test_decompressing_removes_the_archive() -> None:
    df, book = _book("FROM alpine\nRUN wget -O /tmp/a.gz https://e.org/a.gz && gunzip /tmp/a.gz\n")
    assert [(e.path, e.how) for e in book.created_by(df.instructions[1])] == [("/tmp/a", "extract")]
    assert book.extractions(df.instructions[1])[0].kept is False


def test_mount_targets_and_what_they_hide() -> None:
    df, book = _book(
        "FROM debian\nRUN --mount=type=cache,target=/var/lib/apt --mount=type=secret,id=x,target=/run/s"
        " --mount=target=/src apt-get update && cp -r /src /tmp/src\n"
    )
    run = df.instructions[1]
    assert mount_targets(run) == ["/var/lib/apt", "/run/s", "/src"]
    assert [e.path for e in book.created_by(run)] == ["/tmp/src"]


def test_empties_a_tree_with_a_star() -> None:
    df, book = _book("FROM debian\nRUN apt-get update\n")
    [entry] = book.created_by(df.instructions[1])
    assert empties("/var/lib/apt/lists/*", entry)
    assert empties("/var/lib/apt", entry)
    assert not empties("/var/lib/apt/lists/partial", entry)
