"""The English catalogue covers the public pages and the mails to neighbours.

Every message of the public templates and of the modules whose text they show has a
non-fuzzy English translation with the same placeholders; the compiled .mo says what the
.po says; the catalogue ships with the package; and no public template has visible text
outside gettext (a bare Dutch sentence added to one fails here).
"""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from jinja2 import Environment
from jinja2.ext import babel_extract

from niemand_alleen.resources import resource_dir

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = resource_dir("templates")
CATALOGUE = resource_dir("translations") / "en" / "LC_MESSAGES"

# The pages a visitor sees without logging in, and the mails to neighbours.
PUBLIC_TEMPLATES = [
    "base.html",
    "_macros.html",
    "errors/csrf.html",
    "errors/error.html",
    "web/home_public.html",
    "web/privacy.html",
    "web/about.html",
    "signup/_checkbox.html",
    "signup/form.html",
    "signup/sent.html",
    "signup/confirm.html",
    "signup/confirmed.html",
    "signup/link_invalid.html",
    "signup/withdraw.html",
    "signup/withdrawn.html",
    "feedback/form.html",
    "feedback/thanks.html",
    "feedback/link_invalid.html",
    "mail/_signup_layout.html",
    "mail/_signup_footer.txt",
    "mail/_signup_what.txt",
    *(
        f"mail/{kind}.{part}"
        for kind in (
            "signup_confirm",
            "signup_again",
            "match_confirmed",
            "match_thanks",
            "questionnaire_neighbour",
        )
        for part in ("subject.txt", "txt", "html")
    ),
]
# The Python whose sentences those pages show: form labels, the checks of the form.
PUBLIC_MODULES = [
    "niemand_alleen/signup/forms.py",
    "niemand_alleen/signup/answers.py",
    "niemand_alleen/validation.py",
    "niemand_alleen/geo/postcode.py",
    "niemand_alleen/web/__init__.py",
    "niemand_alleen/feedback/forms.py",
    "niemand_alleen/feedback/questions.py",
]
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _messages(path: Path, method: object) -> Iterator[tuple[str, int]]:
    for lineno, message, _comments, _context in extract_from_file(
        method,  # type: ignore[arg-type]
        str(path),
        keywords=KEYWORDS,
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                yield text, lineno


def public_messages() -> dict[str, str]:
    """Each message id of the public sources, with where it was found first."""
    found: dict[str, str] = {}
    for name in PUBLIC_TEMPLATES:
        for text, line in _messages(TEMPLATES / name, babel_extract):
            found.setdefault(text, f"templates/{name}:{line}")
    for module in PUBLIC_MODULES:
        for text, line in _messages(ROOT / module, "python"):
            found.setdefault(text, f"{module}:{line}")
    return found


def english_catalogue() -> Catalog:
    with (CATALOGUE / "messages.po").open("rb") as po:
        return read_po(po)


def test_public_sources_have_messages_to_translate() -> None:
    messages = public_messages()
    assert "Aanmelden als goede buur" in messages
    assert "Vul uw postcode in." in messages  # geo, via the sign-up form
    assert "Beste %(name)s," in messages  # the mails to neighbours
    assert len(messages) > 200


def test_every_public_message_has_an_english_translation() -> None:
    catalogue = english_catalogue()
    problems = []
    for text, where in sorted(public_messages().items(), key=lambda item: item[1]):
        entry = catalogue.get(text)
        if entry is None or not entry.string:
            problems.append(f"{where}: not translated: {text!r}")
        elif entry.fuzzy:
            problems.append(f"{where}: fuzzy: {text!r}")
        elif sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(str(entry.string))):
            problems.append(f"{where}: placeholders differ: {text!r}")
    assert not problems, "run `python3 dev.py translations` and translate:\n" + "\n".join(problems)


def test_the_compiled_catalogue_says_what_the_po_says() -> None:
    """The .mo is committed (a fresh clone needs no compile step); it must match the .po."""
    translated = {
        message.id: message.string
        for message in english_catalogue()
        if message.id and message.string and not message.fuzzy
    }
    with (CATALOGUE / "messages.mo").open("rb") as mo:
        compiled = {message.id: message.string for message in read_mo(mo) if message.id}
    assert compiled == translated, "run `python3 dev.py translations` to compile the .po"


def test_the_catalogue_ships_with_the_package(app: Flask) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shipped = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert shipped["translations"] == "niemand_alleen/translations"
    # The app finds it where resources.py finds the other shipped folders.
    assert app.extensions["babel"].translation_directories == [str(resource_dir("translations"))]


# --- no visible text outside gettext ---------------------------------------------------------

# Names that are the same in every language.
NAMES = re.compile(r"Niemand Alleen|Dordrecht")
WORD = re.compile(r"[^\W\d_]{2,}")
# A string literal that reads as words (two words with a space between).
WORDS_LITERAL = re.compile(r"[^\W\d_]+\s+[^\W\d_]+")
VISIBLE_ATTRIBUTE = re.compile(r"\b(?:alt|title|aria-label|placeholder)=\"([^\"{]*)\"")
GETTEXT = frozenset({"_", "gettext", "ngettext", "lazy_gettext"})
# Only tokenises templates, never renders one.
_LEXER = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)


def bare_text(source: str, name: str = "template") -> list[str]:
    """Visible text of a template that gettext does not see: text between tags (outside
    ``{% trans %}``), reader-facing attributes, and word-like string literals that are not
    the argument of ``_()``. Regions between ``{# staff only ... #}`` and
    ``{# end staff only #}`` are staff-only and always Dutch."""
    problems: list[str] = []
    in_trans = staff = in_tag = False
    significant: list[tuple[str, str]] = []
    attribute = ""
    for line, kind, value in _LEXER.lex(source, name):
        if kind == "comment":
            staff = value.strip().startswith("staff only") or (
                staff and value.strip() != "end staff only"
            )
            continue
        if kind in ("whitespace", "comment_begin", "comment_end"):
            continue
        if kind == "name" and significant and significant[-1][0] == "block_begin":
            in_trans = value == "trans" or (in_trans and value != "endtrans")
        previous = significant[-2:]
        significant.append((kind, value))
        if kind == "string" and not staff and WORDS_LITERAL.search(value):
            call = (
                len(previous) == 2
                and previous[0][0] == "name"
                and previous[0][1] in GETTEXT
                and previous[1] == ("operator", "(")
            )
            if not call:
                problems.append(f"{name}:{line}: string {value!r}")
        if kind != "data":
            continue
        visible = []
        for char in value:
            if in_tag:
                attribute += char
                if char == ">":
                    in_tag = False
            elif char == "<":
                in_tag, attribute = True, ""
            else:
                visible.append(char)
            if not in_tag and attribute:
                texts = VISIBLE_ATTRIBUTE.findall(attribute)
                problems += [
                    f"{name}:{line}: attribute {t!r}" for t in texts if WORD.search(t) and not staff
                ]
                attribute = ""
        text = NAMES.sub("", html.unescape("".join(visible)))
        if not (staff or in_trans) and WORD.search(text):
            problems.append(f"{name}:{line}: text {' '.join(text.split())!r}")
    return problems


@pytest.mark.parametrize("name", PUBLIC_TEMPLATES)
def test_no_public_template_has_text_outside_gettext(name: str) -> None:
    assert bare_text((TEMPLATES / name).read_text(), name) == []


@pytest.mark.parametrize(
    "template",
    [
        "<p>Dit is een nieuwe zin.</p>",
        '{% extends "base.html" %}{% block content %}<h2>Nieuw kopje</h2>{% endblock %}',
        '<nav aria-label="Hoofdmenu"></nav>',
        '{{ field(form.email, hint="Een nieuwe hint.") }}',
        "<p>{{ _('Vertaald.') }} Maar dit niet.</p>",
        "{% trans %}Vertaald.{% endtrans %} Onvertaald.",
        "Beste {{ first_name }},",
    ],
)
def test_the_check_finds_a_bare_dutch_sentence(template: str) -> None:
    assert bare_text(template) != []


@pytest.mark.parametrize(
    "template",
    [
        "<p>{{ _('Dit is een zin.') }}</p>",
        '<p>{% trans url=url %}Naar <a href="{{ url }}">hier</a>{% endtrans %}</p>',
        '{{ field(form.email, hint=_("Een hint.")) }}',
        "{# staff only: Dutch #}<p>Alleen voor medewerkers.</p>{# end staff only #}",
        "<h1>Niemand Alleen</h1> <span>Dordrecht</span>",
        '{% from "signup/_checkbox.html" import checkbox %}{{ url_for("web.home") }}',
    ],
)
def test_the_check_lets_translated_text_pass(template: str) -> None:
    assert bare_text(template) == []
