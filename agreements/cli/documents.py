"""Commands for documents: checking and adding templates, rendering, and the demo package."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from agreements.bootstrap import build_deps
from agreements.cli.main import ensure_seal_key, err, fail, out, refused
from agreements.db import migrate
from agreements.domain.errors import ValidationFailed
from agreements.domain.policy import SYSTEM
from agreements.services import demo_package
from agreements.services.documents import template_versions
from agreements.services.documents.engine import DocumentEngine
from agreements.settings import Settings
from templates.catalogue import Catalogue, kinds
from templates.check import check_template
from templates.convert import convert_cold
from templates.errors import MissingVariables, UnsafeInput
from templates.render import render_docx

templates_app = typer.Typer(help="The catalogue of Word templates.", no_args_is_help=True)
KIND_HELP = "Kind of document: " + ", ".join(sorted(kinds()))


def _catalogue() -> Catalogue:
    return Catalogue(Settings().effective_templates_dir)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")


@templates_app.command("check")
def templates_check(
    file: Annotated[Path, typer.Argument(help="The .docx template to check.")],
    kind: Annotated[str, typer.Option(help=KIND_HELP)] = "agreement",
) -> None:
    """Check a template before it is used: exit 0 when usable, 1 with every problem when not."""
    if kind not in kinds():
        fail(f"unknown kind {kind!r}; {KIND_HELP}", 2)
    problems = check_template(_read(file), kinds()[kind].schema)
    if problems:
        # One line per problem, each naming the file, so a shell loop over files stays readable.
        for problem in problems:
            err.print(f"{file}: {problem}", highlight=False, soft_wrap=True, markup=False)
        raise typer.Exit(1)
    out.print(f"{file}: usable as a {kind} template.")


@templates_app.command("list")
def templates_list() -> None:
    """Every template version in the catalogue."""
    catalogue = _catalogue()
    for name in catalogue.names():
        for v in catalogue.versions(name):
            origin = "built in" if v.builtin else "added"
            out.print(
                f"{v.name:22} v{v.version:<3} {v.kind:20} {origin:9} {v.sha256[:12]}  {v.title}",
                highlight=False,
            )


# The use case's field names as the arguments of `templates add`.
TEMPLATES_ADD_OPTIONS = {"name": "NAME", "kind": "--kind", "title": "--title"}


@templates_app.command("add")
def templates_add(
    name: Annotated[str, typer.Argument(help="Template name (lower case, digits, _).")],
    file: Annotated[Path, typer.Argument(help="The .docx file.")],
    kind: Annotated[str, typer.Option(help=KIND_HELP)],
    title: Annotated[str | None, typer.Option(help="Dutch title; default from the kind.")] = None,
) -> None:
    """Add a template as the next version of NAME (checked first; versions never change)."""
    content = _read(file)
    settings = Settings()
    deps = build_deps(settings)
    migrate.upgrade(deps.db.kw["bind"])  # the addition is audited, as through the API
    engine = DocumentEngine(settings, converts=False)
    try:
        added = template_versions.add_template(
            name,
            content,
            kind=kind,
            title=title,
            deps=deps,
            engine=engine,
            actor=SYSTEM,
            now=datetime.now(UTC),
        )
    except ValidationFailed as exc:
        refused(exc, TEMPLATES_ADD_OPTIONS)
    except UnsafeInput as exc:  # the catalogue's own text policy, should it refuse more
        fail(f"--{exc.field}: {exc.reason}")
    out.print(f"Added {added.name} version {added.version} ({added.sha256[:12]}).")


def render(
    template: Annotated[str, typer.Argument(help="A catalogue name (e.g. agreement) or a .docx.")],
    data_file: Annotated[Path, typer.Argument(metavar="DATA.json", help="The data, as JSON.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="OUT.pdf, or OUT.docx for the Word file only.")
    ],
) -> None:
    """Render a template with data, for template authors; lists missing variables."""
    if output.suffix.lower() not in {".pdf", ".docx"}:
        fail("the output must end in .pdf or .docx", 2)
    try:
        data = json.loads(_read(data_file))
    except json.JSONDecodeError as exc:
        fail(f"{data_file} is not valid JSON: {exc.msg} (line {exc.lineno})")
    if template.endswith(".docx"):
        template_bytes = _read(Path(template))
    else:
        template_bytes = _catalogue().get(template).read_bytes()
    with _progress() as progress:
        step = progress.add_task("Rendering", total=None)
        try:
            docx = render_docx(template_bytes, data, time_limit=Settings().render_time_limit)
        except MissingVariables as exc:
            progress.stop()
            err.print("The data lacks these variables:", highlight=False)
            for name in exc.names:
                err.print(f"  - {name}", highlight=False)
            raise typer.Exit(1) from None
        except UnsafeInput as exc:
            progress.stop()
            fail(f"the data cannot be used: {exc.field}: {exc.reason}")
        result = docx
        if output.suffix.lower() == ".pdf":
            progress.update(step, description="Converting to PDF (LibreOffice)")
            result = convert_cold(docx)
    _write(output, result)
    out.print(f"Written: {output} ({len(result):,} bytes)")


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"cannot write {path}: {exc.strerror}")


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def demo_command() -> None:
    """Make the demo case (if needed) and its agreement PDF package; prints where it is."""
    settings = Settings()
    deps = build_deps(settings)
    migrate.upgrade(deps.db.kw["bind"])
    ensure_seal_key(settings)
    engine = DocumentEngine(settings.model_copy(update={"converters": 1}))
    try:
        with _progress() as progress:
            package = demo_package.make_demo_package(
                deps=deps,
                engine=engine,
                clock=lambda: datetime.now(UTC),
                on_step=lambda step: progress.add_task(step, total=None),
            )
    except demo_package.DemoFailed as exc:
        fail(str(exc))
    finally:
        engine.close()
    out.print(
        f"Demo agreement, signed by every party and sealed (sha256 {package.sealed_sha256[:16]}…):"
    )
    out.print(f"  {package.copy}")
    out.print(f"  stored as {package.stored}")
    out.print(f"Check it with: agreements verify {package.copy}")


def register(app: typer.Typer) -> None:
    app.add_typer(templates_app, name="templates")
    app.command("render")(render)
    app.command("demo")(demo_command)
