"""Every tag a template author writes either renders its value once, or the check says why not."""

from __future__ import annotations

import io
import time

import docx
import pytest

from templates.check import check_template
from templates.errors import MissingVariables, RenderError, TemplateInvalid
from templates.render import render_docx
from tests.builders import make_docx, text_of

SCHEMA = {
    "tenant": {"name": "str", "obligations": ["text"]},
    "parties": [{"name": "str", "role": "str"}],
}
DATA = {
    "tenant": {"name": "Jansen & Zn <BV>", "obligations": ["Huur op tijd", "Afval scheiden"]},
    "parties": [{"name": "Portaal", "role": "verhuurder"}, {"name": "Buurtteam", "role": "zorg"}],
}
FOREVER = "{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}"
FOREVER += "{% endfor %}" * 3


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (["{% for o in tenant.obligations|sort %}[{{ o }}]{% endfor %}"], "[Afval scheiden][Huur"),
        (["{% for x in [1, 2] %}{{ x }}{% endfor %}"], "12"),
        (["{% set total = 5 %}{{ total }}"], "5"),
        (["{% set who %}{{ tenant.name }}{% endset %}{{ who }}"], "Jansen & Zn <BV>"),
        (["{% with a = 1 %}{{ a }}{% endwith %}"], "1"),
        (["{% for k, v in {'a': 1}.items() %}{{ k }}={{ v }}{% endfor %}"], "a=1"),
        (["{% for p in parties if p.role == 'zorg' %}{{ p.name }}{% endfor %}"], "Buurtteam"),
        (["{% for p in parties %}{{ loop.index }}.{{ p.name }} {% endfor %}"], "1.Portaal 2.B"),
        (["{% macro m(a, b='!') %}{{ a }}{{ b }}{% endmacro %}{{ m(tenant.name) }}"], "<BV>!"),
        (["{% macro m() %}<{{ caller() }}>{% endmacro %}{% call m() %}x{% endcall %}"], "<x>"),
        (["{{ tenant.name.upper() }}"], "JANSEN & ZN <BV>"),
        (["{% set ns = namespace(n=0) %}{% set ns.n = 2 %}{{ ns.n }}"], "2"),
        (['{{ "Jansen & Zn <BV>" }}'], "Jansen & Zn <BV>"),
        (["{{ 'A &amp; B' }}"], "A &amp; B"),
        (["{% if '<' in tenant.name %}ja{% endif %}"], "ja"),
        (["{{ tenant.name|e }}"], "Jansen & Zn <BV>"),
        (["{%p for o in tenant.obligations %}", "- {{ o }}", "{%p endfor %}"], "- Afval"),
        (["Naam: {%r if tenant %}{{ tenant.name }}{%r endif %} einde"], "Naam: Jansen"),
    ],
)
def test_valid_constructs_pass_the_check_and_render(paragraphs: list[str], expected: str) -> None:
    template = make_docx(*paragraphs)
    assert check_template(template, SCHEMA) == []
    assert expected in text_of(render_docx(template, DATA))


@pytest.mark.parametrize(("kind", "what"), [("r", "run"), ("p", "paragraph")])
def test_rich_text_value_tags_are_refused_not_dropped(kind: str, what: str) -> None:
    template = make_docx(f"Naam: {{{{{kind} tenant.name }}}} einde")
    reason = (
        f"body: {{{{{kind} tenant.name }}}} replaces its whole {what} with Word rich text, "
        "which this data never holds, so the value would vanish; write {{ tenant.name }}"
    )
    assert check_template(template, SCHEMA) == [reason]
    with pytest.raises(TemplateInvalid) as caught:
        render_docx(template, DATA)
    assert caught.value.problems == [reason]


@pytest.mark.parametrize("kind", ["tr", "tc"])
def test_row_and_cell_value_tags_are_refused(kind: str) -> None:
    template = make_docx("x", table=[f"{{{{{kind} tenant.name }}}}"])
    assert "replaces its whole table" in check_template(template, SCHEMA)[0]


@pytest.mark.parametrize(
    ("tag", "reason"),
    [
        ("{{ tenant.name|bestaatniet }}", "body: unknown filter 'bestaatniet' (the Dutch filters"),
        ("{% if tenant is bestaatniet %}x{% endif %}", "body: unknown test 'bestaatniet'"),
        ("{% filter upper %}{{ tenant.name }}{% endfilter %}", "body: {% filter %} blocks are"),
        ("{{ tenant.name|safe }}", "body: the filter 'safe' turns escaping off"),
        (
            "{% autoescape false %}{{ tenant.name }}{% endautoescape %}",
            "body: {% autoescape %} is not",
        ),
        ("{% include 'x.docx' %}", "body: {% include %} is not allowed"),
        ("{% import 'x' as y %}", "body: {% import %} is not allowed"),
        ("{{ tenant.items }}", "unknown variables (not in this kind's data): tenant.items"),
        ("{{ tenant.name.upper }}", "tenant.name.upper is not data: 'upper' is not a field"),
        ("{{ tenant.obligations[0].split }}", "tenant.obligations[].split is not data"),
    ],
)
def test_what_would_fail_or_mislead_later_is_refused_by_the_check(tag: str, reason: str) -> None:
    problems = check_template(make_docx(tag), SCHEMA)
    assert len(problems) == 1 and problems[0].startswith(reason), problems


def test_a_dict_method_is_missing_data_at_render_not_a_repr() -> None:
    with pytest.raises(MissingVariables) as caught:
        render_docx(make_docx("{{ tenant.items }}"), DATA)
    assert caught.value.names == ["tenant.items"]
    # A key named like a dict method is the data's, not the method.
    out = render_docx(make_docx("{{ tenant.items }}"), {"tenant": {"items": "drie"}})
    assert "drie" in text_of(out)


def test_a_method_printed_as_a_value_fails_the_render_with_a_reason() -> None:
    with pytest.raises(RenderError, match="prints the function 'upper' instead of a value"):
        render_docx(make_docx("{{ tenant.name.upper }}"), DATA)


def test_properties_are_escaped_exactly_once() -> None:
    document = docx.Document()
    document.add_paragraph("{{ tenant.name }}")
    document.core_properties.title = "Overeenkomst {{ tenant.name }}"
    document.core_properties.subject = '{{ "A & B" }}'
    out = io.BytesIO()
    document.save(out)
    rendered = docx.Document(io.BytesIO(render_docx(out.getvalue(), DATA)))
    assert rendered.core_properties.title == "Overeenkomst Jansen & Zn <BV>"
    assert rendered.core_properties.subject == "A & B"


def test_a_render_that_runs_too_long_is_stopped_and_the_next_one_works() -> None:
    started = time.perf_counter()
    with pytest.raises(RenderError, match="took longer than 1 s"):
        render_docx(make_docx(FOREVER), {}, time_limit=1)
    assert time.perf_counter() - started < 5
    assert "Jansen" in text_of(render_docx(make_docx("{{ tenant.name }}"), DATA))


def test_a_render_that_writes_too_much_is_stopped() -> None:
    template = make_docx("{% for a in range(10000) %}{{ '0123456789' * 1000 }}{% endfor %}")
    with pytest.raises(RenderError, match="larger than 20,971,520 characters"):
        render_docx(template, {})


def test_range_is_capped() -> None:
    with pytest.raises(RenderError, match="range\\(\\) of 100,000 numbers"):
        render_docx(make_docx("{% for a in range(100000) %}{% endfor %}"), {})
