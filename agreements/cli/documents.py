"""Commands for documents: checking and adding templates, rendering, and the demo package."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from agreements.bootstrap import build_deps
from agreements.cli.app import ensure_seal_key, err, fail, out, refused
from agreements.db import migrate
from agreements.db.models import Agreement, Document, DocumentVersion, PaymentArrangement
from agreements.domain.enums import DocumentStatus, FinishStatus, Role
from agreements.domain.errors import ValidationFailed
from agreements.domain.policy import SYSTEM, Actor
from agreements.services import demo
from agreements.services.context import Deps
from agreements.services.documents.engine import DocumentEngine
from agreements.services.documents.read import get_version
from agreements.services.documents.render import render_version
from agreements.services.documents.request import request_document
from agreements.services.signatures import seal, sign
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
        added = documents.add_template(
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
    now = datetime.now(UTC)
    case_id = demo.seed_demo(deps=deps, now=now)
    ensure_seal_key(settings)
    engine = DocumentEngine(settings.model_copy(update={"converters": 1}))
    with deps.db() as session:
        agreement = session.scalar(select(Agreement).where(Agreement.case_id == case_id))
        arrangement = session.scalar(
            select(PaymentArrangement).where(PaymentArrangement.case_id == case_id)
        )
    assert agreement is not None and arrangement is not None
    coordinator = Actor(user_id=None, role=Role.COORDINATOR, name="demo")
    try:
        with _progress() as progress:
            if _already_sealed(deps, agreement.id):
                progress.stop()
                fail(
                    "the demo agreement was already signed and sealed: start from an empty "
                    "data folder to make it again",
                    1,
                )
            for subject, subject_id, label in [
                ("payment_arrangement", arrangement.id, "Betalingsregeling"),
                ("agreement", agreement.id, "Woonbegeleidingsovereenkomst"),
            ]:
                progress.add_task(f"{label}: renderen en omzetten naar PDF", total=None)
                version = request_document(
                    subject, subject_id, deps=deps, engine=engine, actor=coordinator, now=now
                )
                status = render_version(
                    version.id, deps=deps, engine=engine, clock=lambda: datetime.now(UTC)
                )
                if status is not DocumentStatus.READY:
                    got, _ = get_version(version.id, deps=deps, actor=coordinator)
                    fail(f"{label} could not be made: {got.error}")
            progress.add_task("Alle partijen ondertekenen", total=None)
            _sign_everything(deps, engine, version.id, coordinator)
            progress.add_task("Ondertekeningsbewijs toevoegen en verzegelen", total=None)
            finished = seal.finish_version(
                version.id, deps=deps, engine=engine, clock=lambda: datetime.now(UTC)
            )
    finally:
        engine.close()
    got, _ = get_version(version.id, deps=deps, actor=coordinator)
    assert got.pdf_sha256 is not None
    if finished is not FinishStatus.DONE or got.sealed_sha256 is None:
        fail(f"the agreement could not be sealed: {got.finish_error}")
    stored = engine.store.path(got.sealed_sha256)
    copy = settings.data_dir.resolve() / "demo-agreement.pdf"
    shutil.copyfile(stored, copy)
    out.print(
        f"Demo agreement, signed by every party and sealed (sha256 {got.sealed_sha256[:16]}…):"
    )
    out.print(f"  {copy}")
    out.print(f"  stored as {stored}")
    out.print(f"Check it with: agreements verify {copy}")


def _already_sealed(deps: Deps, agreement_id: int) -> bool:
    with deps.db() as session:
        return (
            session.scalar(
                select(DocumentVersion.id)
                .join(Document)
                .where(
                    Document.subject_type == "agreement",
                    Document.subject_id == agreement_id,
                    DocumentVersion.sealed_sha256.is_not(None),
                )
                .limit(1)
            )
            is not None
        )


def _sign_everything(deps: Deps, engine: DocumentEngine, version_id: int, actor: Actor) -> None:
    """The demo's parties each sign through their own link, as they would from a phone."""
    version, _ = get_version(version_id, deps=deps, actor=actor)
    roles = sign.signing_roles(version, engine)
    now = datetime.now(UTC)
    sign.send_for_signature(version_id, roles, deps=deps, actor=actor, now=now)
    for request in sign.requests_for(version_id, deps=deps, actor=actor):
        _, token = sign.issue_link(request.id, deps=deps, now=datetime.now(UTC))
        data = sign.SignInput(
            typed_name=request.party_name,
            consent_version=deps.settings.consent_version,
            ip="127.0.0.1",
            user_agent="agreements demo",
        )
        sign.sign_with_link(token, data, deps=deps, now=datetime.now(UTC))


def register(app: typer.Typer) -> None:
    app.add_typer(templates_app, name="templates")
    app.command("render")(render)
    app.command("demo")(demo_command)
