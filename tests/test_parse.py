"""Parser behaviour beyond BuildKit's fixtures: spans, recovery, line endings, forms."""

from __future__ import annotations

from layerlint.parse import parse_text


def _slice(df, span) -> str:
    return df.source.slice(span)


def test_every_part_has_an_exact_span() -> None:
    text = "FROM alpine AS base\nCOPY --from=build --chown=1:1 src/ /app/\n"
    df = parse_text(text)
    copy = df.instructions[1]
    assert _slice(df, copy.keyword_span) == "COPY"
    assert [_slice(df, f.span) for f in copy.flags] == ["--from=build", "--chown=1:1"]
    assert [(f.name, f.value) for f in copy.flags] == [("from", "build"), ("chown", "1:1")]
    assert [_slice(df, w.span) for w in copy.args] == ["src/", "/app/"]
    pos = df.source.position(copy.args[1].span.start)
    assert (pos.line, pos.column) == (2, 36)


def test_spans_through_continuations_point_at_physical_lines() -> None:
    text = "FROM alpine\nRUN apk add \\\n    curl \\\n  # a comment\n    git\n"
    df = parse_text(text)
    run = df.instructions[1]
    assert run.command.text == "apk add     curl     git"
    start = run.command.text.index("git")
    span = run.command.span(start, start + 3)
    assert _slice(df, span) == "git"
    assert df.source.position(span.start).line == 5
    assert [c.text for c in df.comments] == ["a comment"]


def test_exec_form_words_have_spans_and_values() -> None:
    df = parse_text('FROM alpine\nCMD ["echo", "a \\"b\\""]\n')
    cmd = df.instructions[1]
    assert cmd.exec_form
    assert [w.value for w in cmd.args] == ["echo", 'a "b"']
    assert _slice(df, cmd.args[1].span) == '"a \\"b\\""'


def test_crlf_and_bom() -> None:
    df = parse_text("\ufeffFROM alpine\r\nRUN echo hi\r\n")
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN"]
    assert df.instructions[1].args[0].value == "echo hi"


def test_backtick_escape_directive() -> None:
    df = parse_text("# escape=`\nFROM windows\nRUN dir `\n  c:\\\n")
    assert df.escape == "`"
    assert df.instructions[1].command.text == "dir   c:\\"
    assert [d.name for d in df.directives] == ["escape"]


def test_directive_after_instruction_is_a_comment() -> None:
    df = parse_text("FROM alpine\n# escape=`\nRUN echo \\\n  hi\n")
    assert df.escape == "\\"
    assert df.instructions[1].command.text == "echo   hi"


def test_duplicate_directive_is_an_error_but_parsing_continues() -> None:
    df = parse_text("# syntax=a\n# syntax=b\nFROM alpine\n")
    assert [e.message for e in df.errors] == ["only one syntax parser directive can be used"]
    assert [i.keyword for i in df.instructions] == ["FROM"]


def test_recovery_reports_each_error_and_keeps_later_instructions() -> None:
    df = parse_text('FROM alpine\nCMD ["a", 1]\nENV ONLYKEY\nRUN echo ok\n')
    assert len([e for e in df.errors if e.level == "parse"]) == 2
    assert [i.keyword for i in df.instructions] == ["FROM", "CMD", "ENV", "RUN"]
    lines = [df.source.position(e.span.start).line for e in df.errors]
    assert lines == [2, 3]


def test_unterminated_heredoc_is_reported_at_its_marker() -> None:
    df = parse_text("FROM alpine\nRUN <<EOF\necho hi\n")
    (err,) = df.errors
    assert err.message == "unterminated heredoc EOF"
    assert df.source.slice(err.span) == "<<EOF"


def test_heredoc_spans_and_chomped_text() -> None:
    df = parse_text("FROM alpine\nRUN <<-EOT bash\n\techo hi\n\tEOT\nCMD x\n")
    run = df.instructions[1]
    (doc,) = run.heredocs
    assert doc.text == "echo hi\n"
    assert df.source.slice(doc.body_span) == "\techo hi\n"
    assert df.source.position(run.span.end).line == 4
    assert df.instructions[2].keyword == "CMD"


def test_onbuild_keeps_its_trigger_with_spans() -> None:
    df = parse_text("FROM alpine\nONBUILD COPY --chown=1 . /app\n")
    ob = df.instructions[1]
    assert ob.inner is not None and ob.inner.keyword == "COPY"
    assert _slice(df, ob.inner.keyword_span) == "COPY"
    assert _slice(df, ob.inner.flags[0].span) == "--chown=1"
    assert ob.effective is ob.inner


def test_env_label_forms_and_arg_defaults() -> None:
    df = parse_text('FROM alpine\nENV A=1 B="two words"\nENV LEGACY some value\nARG X\nARG Y=2\n')
    assert [(p.key, p.value, p.sep) for p in df.instructions[1].pairs] == [("A", "1", "="), ("B", '"two words"', "=")]
    assert [(p.key, p.value, p.sep) for p in df.instructions[2].pairs] == [("LEGACY", "some value", "")]
    assert [(p.key, p.value) for p in df.instructions[3].pairs] == [("X", None)]
    assert _slice(df, df.instructions[4].pairs[0].value_span) == "2"


def test_original_keyword_case_is_kept() -> None:
    df = parse_text("from alpine\nrun echo\n")
    assert [(i.keyword, i.keyword_raw) for i in df.instructions] == [("FROM", "from"), ("RUN", "run")]


def test_unknown_flag_and_instruction_are_instruction_level_errors() -> None:
    df = parse_text("FROM alpine\nCOPY --nope=1 a b\nFOO bar\n")
    assert [(e.message, e.level) for e in df.errors] == [
        ("unknown flag: nope", "instruction"),
        ("unknown instruction: FOO", "instruction"),
    ]


def test_cr_only_file_is_one_line_like_buildkit() -> None:
    df = parse_text("FROM alpine\rRUN echo\r")
    assert len(df.instructions) == 1
