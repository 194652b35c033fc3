"""`conv-lint lsp` end to end: the real server, started as an editor starts it, driven over
stdio by pytest-lsp's client. Every edit it offers is applied to the text here, and the result
compared with what `conv-lint fix` writes on the same file."""

import sys
import textwrap
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from conftest import run
from text_edits import apply_edits

pytestmark = pytest.mark.asyncio

SERVER = str(Path(sys.executable).parent / "conv-lint")
DIAGNOSTICS = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS

# One finding (CNV005). The emoji before it takes two UTF-16 code units (LSP's default unit)
# and one character (conv-lint's), so a column mistake shows.
ONE_FINDING = 'import jax.numpy as jnp\n\nconvolved = {"🙂": jnp.convolve(x, k)}\n'

# Several findings on several calls: pins that need an import (no name for Flax's initializers
# here), a finding without a fix (CNV102), a `# noqa` line, and CNV003 ignored by the project's
# configuration.
MANY_FINDINGS = textwrap.dedent(
    """\
    import keras
    from flax.linen import Conv

    first = Conv(4, 3)
    second = keras.layers.Conv1D(8, 3, padding="causal", data_format="channels_last")
    hidden = keras.layers.Conv1D(8, 3)  # noqa: CNV001
    """
)
CONFIG = '[tool.conv-lint]\nignore = ["CNV003"]\n'


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[SERVER, "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual-studio-code"), root_uri=tmp_path.as_uri())
    )
    yield
    await lsp_client.shutdown_session()


async def open_file(client: LanguageClient, path: Path, text: str) -> list[types.Diagnostic]:
    path.write_text(text, encoding="utf-8")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=path.as_uri(), language_id="python", version=1, text=text)
        )
    )
    await client.wait_for_notification(DIAGNOSTICS)
    return list(client.diagnostics[path.as_uri()])


async def change_file(client: LanguageClient, path: Path, text: str, version: int) -> list[types.Diagnostic]:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await client.wait_for_notification(DIAGNOSTICS)
    return list(client.diagnostics[path.as_uri()])


async def code_actions(
    client: LanguageClient, path: Path, where: types.Range, only: list[str] | None = None
) -> list[types.CodeAction]:
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            range=where,
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
    ) or []


def applied(text: str, action: types.CodeAction, path: Path) -> str:
    (uri,) = action.edit.changes
    assert uri == path.as_uri()
    edits = [
        (e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character, e.new_text)
        for e in action.edit.changes[uri]
    ]
    return apply_edits(text, edits, utf16=True)


def fixed_by_cli(path: Path, text: str, encoding: str = "utf-8") -> str:
    """What `conv-lint fix` writes on a copy of the file (the original stays as the editor has it)."""
    copy = path.with_name("copy_" + path.name)
    copy.write_text(text, encoding=encoding)
    run("conv-lint", "fix", copy.name, cwd=path.parent)
    return copy.read_text(encoding=encoding)


async def test_single_quick_fix_writes_what_conv_lint_fix_writes(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "model.py"
    (diagnostic,) = await open_file(client, path, ONE_FINDING)
    assert (diagnostic.code, diagnostic.source, diagnostic.severity) == ("CNV005", "conv-lint", types.DiagnosticSeverity.Warning)
    assert diagnostic.message.startswith("jax.numpy.convolve relies on default mode='full'")
    # `jnp.convolve` on line 3, after `convolved = {"` (15 units) and the emoji (2 units).
    assert diagnostic.range == types.Range(types.Position(2, 19), types.Position(2, 31))

    actions = await code_actions(client, path, diagnostic.range)
    assert [(action.title, action.kind) for action in actions] == [
        ('Pin mode="full" (the default in force today)', types.CodeActionKind.QuickFix),
        ("Disable CNV005 for this line (# noqa: CNV005)", types.CodeActionKind.QuickFix),
        ("Fix all conv-lint findings in file", types.CodeActionKind.QuickFix),  # once, not also as a source action
    ]
    assert list(actions[0].diagnostics) == list(actions[1].diagnostics) == [diagnostic]
    expected = fixed_by_cli(path, ONE_FINDING)
    assert expected != ONE_FINDING
    for action in (actions[0], actions[2]):
        assert applied(ONE_FINDING, action, path) == expected
    (source_action,) = await code_actions(client, path, diagnostic.range, only=[types.CodeActionKind.SourceFixAll])
    assert source_action.kind == "source.fixAll.conv-lint" and applied(ONE_FINDING, source_action, path) == expected

    # Nothing to offer away from the finding, but the whole-file fix the editor may run on save.
    elsewhere = await code_actions(client, path, types.Range(types.Position(0, 0), types.Position(0, 0)))
    assert [action.kind for action in elsewhere] == ["source.fixAll.conv-lint"]


async def test_fix_all_and_fixes_one_by_one_write_what_conv_lint_fix_writes(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    path = tmp_path / "model.py"
    diagnostics = await open_file(client, path, MANY_FINDINGS)
    # As `conv-lint check` from that folder: CNV003 is ignored there, line 6 is marked noqa for CNV001.
    check = run("conv-lint", "check", path.name, cwd=tmp_path).stdout.splitlines()
    assert [(d.code, d.range.start.line + 1) for d in diagnostics] == [
        (line.split(" ")[1], int(line.split(":")[1])) for line in check
    ]
    assert {d.code for d in diagnostics} == {"CNV001", "CNV002", "CNV004", "CNV102"}

    expected = fixed_by_cli(path, MANY_FINDINGS)
    whole_file = types.Range(types.Position(0, 0), types.Position(len(MANY_FINDINGS.splitlines()), 0))
    (fix_all,) = await code_actions(client, path, whole_file, only=[types.CodeActionKind.SourceFixAll])
    assert fix_all.kind == "source.fixAll.conv-lint"
    assert applied(MANY_FINDINGS, fix_all, path) == expected

    # The quick fixes, applied one at a time as a user would, end where `fix` does.
    text, version = MANY_FINDINGS, 1
    while True:
        # The whole text as it is now: a pin that splits a call over several lines makes it longer.
        whole_file = types.Range(types.Position(0, 0), types.Position(len(text.splitlines()), 0))
        actions = await code_actions(client, path, whole_file, only=[types.CodeActionKind.QuickFix])
        pins = [action for action in actions if action.title.startswith("Pin ")]
        if not pins:
            break
        text, version = applied(text, pins[0], path), version + 1
        await change_file(client, path, text, version)
    assert text == expected
    # What is left has no safe fix: CNV102's porting note, and CNV004's pin is unsafe.
    assert [d.code for d in client.diagnostics[path.as_uri()]] == ["CNV102", "CNV004"]


async def test_syntax_error_is_reported_and_the_server_keeps_serving(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "model.py"
    assert [d.code for d in await open_file(client, path, ONE_FINDING)] == ["CNV005"]

    broken = ONE_FINDING.replace("jnp.convolve(x, k)", "jnp.convolve(x, k")
    (notice,) = await change_file(client, path, broken, 2)
    assert notice.code is None and notice.severity == types.DiagnosticSeverity.Information
    assert "cannot parse" in notice.message and "not checked" in notice.message
    everywhere = types.Range(types.Position(0, 0), types.Position(3, 0))
    assert await code_actions(client, path, everywhere) == []

    assert [d.code for d in await change_file(client, path, ONE_FINDING, 3)] == ["CNV005"]
    assert len(await code_actions(client, path, everywhere)) == 3
    assert await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=path.as_uri()), types.Position(2, 20))
    )


async def test_a_coding_cookie_is_honoured_as_check_and_fix_honour_it(client: LanguageClient, tmp_path: Path):
    # In latin-1 "é" is one byte: read as UTF-8 bytes under this cookie, the column would be one off.
    text = '# -*- coding: latin-1 -*-\nimport jax.numpy as jnp\n\nconvolved = {"é": jnp.convolve(x, k)}\n'
    path = tmp_path / "model.py"
    (diagnostic,) = await open_file(client, path, text)
    path.write_text(text, encoding="latin-1")  # the file as the editor saves it
    check = run("conv-lint", "check", "--no-cache", path.name, cwd=tmp_path).stdout
    assert check.startswith(f"{path.name}:4:{diagnostic.range.start.character + 1}: CNV005 ")
    assert diagnostic.range.start == types.Position(3, 18)
    (fix_all,) = await code_actions(client, path, diagnostic.range, only=[types.CodeActionKind.SourceFixAll])
    assert applied(text, fix_all, path) == fixed_by_cli(path, text, encoding="latin-1") != text


def marked_by_cli(path: Path, text: str) -> str:
    """What `conv-lint check --add-noqa` writes on a copy of the file."""
    copy = path.with_name("marked_" + path.name)
    copy.write_text(text, encoding="utf-8")
    run("conv-lint", "check", "--no-cache", "--add-noqa", copy.name, cwd=path.parent)
    return copy.read_text(encoding="utf-8")


async def test_noqa_quick_fix_anywhere_in_the_call_and_hover_shows_the_rule(client: LanguageClient, tmp_path: Path):
    text = 'import jax.numpy as jnp\n\ny = jnp.convolve(\n    x,\n    k,  # the kernel\n)  # noqa: E501\n'
    path = tmp_path / "model.py"
    (diagnostic,) = await open_file(client, path, text)
    assert diagnostic.range == types.Range(types.Position(2, 4), types.Position(2, 16))  # the name, as before
    # On `k`, two lines below the name: the call's actions are offered there too.
    on_argument = types.Range(types.Position(4, 4), types.Position(4, 4))
    actions = await code_actions(client, path, on_argument, only=[types.CodeActionKind.QuickFix])
    titles = [action.title for action in actions]
    assert titles == ['Pin mode="full" (the default in force today)', "Disable CNV005 for this line (# noqa: CNV005)",
                      "Fix all conv-lint findings in file"]
    marked = applied(text, actions[1], path)
    assert marked == marked_by_cli(path, text) == text.replace("jnp.convolve(\n", "jnp.convolve(  # noqa: CNV005\n")
    assert run("conv-lint", "check", "--no-cache", "-", stdin=marked).stdout == ""
    after_call = types.Range(types.Position(5, 3), types.Position(5, 3))  # in the comment after the call's ")"
    assert await code_actions(client, path, after_call, only=[types.CodeActionKind.QuickFix]) == []

    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=path.as_uri()), types.Position(3, 4))
    )
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert hover.contents.value == run("conv-lint", "explain", "CNV005").stdout
    assert hover.range == types.Range(types.Position(2, 4), types.Position(5, 1))
    nothing = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=path.as_uri()), types.Position(0, 3))
    )
    assert nothing is None
