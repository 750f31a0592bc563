"""The translation catalogues: complete, true to the code and the template, and usable by the app.

``locales/messages.pot`` is the template (``make extract-messages``); every
``locales/<lang>/LC_MESSAGES/messages.po`` must translate all of it, keep the placeholders and the
markdown of each message, and compile. The template itself must match the strings in the code.
"""

from __future__ import annotations

import ast
import io
import re
import string
from collections import Counter
from collections.abc import Iterator
from gettext import GNUTranslations
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from solidarity import hours, i18n
from solidarity.i18n import DEFAULT_LANGUAGE, LANGUAGES

PROJECT = Path(__file__).resolve().parent.parent
LOCALES = PROJECT / "locales"
TEMPLATE = LOCALES / "messages.pot"
CATALOGUES = {path.parent.parent.name: path for path in sorted(LOCALES.glob("*/LC_MESSAGES/messages.po"))}
CODES = sorted(CATALOGUES)

MATERIAL_ICON = re.compile(r":material/[a-z0-9_]+:")
CODE_SPAN = re.compile(r"`[^`]*`")


def load(path: Path) -> Catalog:
    """A catalogue read strictly: a malformed entry (e.g. more plural forms than the header allows) fails."""
    with path.open("rb") as f:
        return read_po(f, abort_invalid=True)


def entries(catalog: Catalog) -> Iterator[Message]:
    """The messages of ``catalog`` without its header (obsolete entries are not included)."""
    return (message for message in catalog if message.id)


def key(message: Message) -> str | tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, list | tuple) else message.id


def forms(message: Message) -> list[str]:
    """The translation of ``message`` as a list (one item, or one per plural form)."""
    return list(message.string) if isinstance(message.string, list | tuple) else [message.string]


def source(message: Message) -> str:
    """The msgid the translations are compared with: msgid_plural for a plural message."""
    return message.id[-1] if isinstance(message.id, list | tuple) else message.id


def placeholders(text: str) -> list[str]:
    """The ``{names}`` of a ``str.format`` pattern, with repeats, sorted."""
    return sorted(name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None)


def compiled(catalog: Catalog) -> GNUTranslations:
    """``catalog`` compiled to .mo in memory and loaded as the app's gettext would."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return GNUTranslations(buffer)


@pytest.fixture(scope="module")
def template() -> Catalog:
    return load(TEMPLATE)


@pytest.fixture(scope="module", params=CODES)
def catalogue(request: pytest.FixtureRequest) -> tuple[str, Catalog]:
    return request.param, load(CATALOGUES[request.param])


# -- (e) one catalogue per language of the interface --------------------------------------------


def test_every_language_has_a_catalogue_and_every_catalogue_is_a_language() -> None:
    assert TEMPLATE.is_file(), "locales/messages.pot is missing: run `make extract-messages`"
    assert DEFAULT_LANGUAGE in LANGUAGES
    missing = sorted(set(LANGUAGES) - set(CATALOGUES))
    assert not missing, (
        f"no catalogue for {missing}: pybabel init -D messages -i locales/messages.pot -d locales -l <code>"
    )
    unknown = sorted(set(CATALOGUES) - set(LANGUAGES))
    assert not unknown, f"catalogues {unknown} are not in solidarity.i18n.LANGUAGES"


def test_header(catalogue: tuple[str, Catalog]) -> None:
    code, catalog = catalogue
    assert not catalog.fuzzy, f"{code}: remove '#, fuzzy' from the header (pybabel compile skips fuzzy catalogues)"
    assert catalog.locale_identifier == code, f"{code}: the Language header says {catalog.locale_identifier!r}"
    assert "LL@li.org" not in (catalog.language_team or ""), f"{code}: set the Language-Team header"
    written = re.search(r'^"Plural-Forms: nplurals=(\d+);', CATALOGUES[code].read_text(encoding="utf-8"), re.MULTILINE)
    assert written, f"{code}: no Plural-Forms header"
    assert int(written.group(1)) == catalog.num_plurals


# -- (a) complete, nothing fuzzy ------------------------------------------------------------------


def test_catalogue_has_exactly_the_messages_of_the_template(catalogue: tuple[str, Catalog], template: Catalog) -> None:
    code, catalog = catalogue
    wanted = {key(m) for m in entries(template)}
    present = {key(m) for m in entries(catalog)}
    assert not wanted - present, f"{code}: missing {sorted(map(str, wanted - present))}; run `make extract-messages`"
    assert not present - wanted, (
        f"{code}: not in the template {sorted(map(str, present - wanted))}; run `make extract-messages`"
    )


def test_every_message_is_translated_and_not_fuzzy(catalogue: tuple[str, Catalog]) -> None:
    code, catalog = catalogue
    problems = []
    for message in entries(catalog):
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        translated = forms(message)
        if isinstance(message.id, list | tuple) and len(translated) != catalog.num_plurals:
            problems.append(f"{len(translated)} plural forms instead of {catalog.num_plurals}: {message.id!r}")
        if not all(text.strip() for text in translated):
            problems.append(f"untranslated: {message.id!r}")
    assert not problems, f"{code}:\n" + "\n".join(problems)


# -- (b) placeholders, (c) markdown -------------------------------------------------------------


def test_translations_keep_the_placeholders(catalogue: tuple[str, Catalog]) -> None:
    """Every placeholder of the msgid, and no other, in every translation.

    One exception, for plural messages: a form may leave out the count ``{n}`` (or ``{pages}``)
    where the language says the number in a word. Arabic says "مبادرتان" for two initiatives and
    "مبادرة واحدة" for one, and writing the numeral too ("2 مبادرتان") is wrong. The last form,
    the general plural, always keeps every placeholder.
    """
    code, catalog = catalogue
    problems = []
    for message in entries(catalog):
        expected = placeholders(source(message))
        translated = forms(message)
        for position, text in enumerate(translated):
            try:
                found = placeholders(text)
            except ValueError as exc:  # a stray "{" or "}" breaks str.format at run time
                problems.append(f"{message.id!r}: {text!r} is not a valid format string ({exc})")
                continue
            plural = isinstance(message.id, list | tuple)
            counts = {name for name in expected if name in ("n", "pages", "count")}
            if plural and position < len(translated) - 1:
                allowed_missing = counts
                ok = set(found) <= set(expected) and set(expected) - set(found) <= allowed_missing
            else:
                ok = found == expected
            if not ok:
                problems.append(f"{message.id!r}: {text!r} has {found}, expected {expected}")
    assert not problems, f"{code}:\n" + "\n".join(problems)


def test_translations_keep_the_markup(catalogue: tuple[str, Catalog]) -> None:
    code, catalog = catalogue
    problems = []
    for message in entries(catalog):
        original = source(message)
        for text in forms(message):
            bold = text.count("**")
            if bold % 2 or bold != original.count("**"):
                problems.append(f"{message.id!r}: {bold} '**' in {text!r}, expected {original.count('**')}")
            if Counter(MATERIAL_ICON.findall(text)) != Counter(MATERIAL_ICON.findall(original)):
                problems.append(f"{message.id!r}: the :material/...: icons differ in {text!r}")
            if Counter(CODE_SPAN.findall(text)) != Counter(CODE_SPAN.findall(original)):
                problems.append(f"{message.id!r}: the `code` spans must stay as written in {text!r}")
    assert not problems, f"{code}:\n" + "\n".join(problems)


# -- (d) the template matches the code ------------------------------------------------------------


def _makefile_extract_options() -> tuple[str, str, list[str]]:
    """Mapping file, keywords and source folders of ``make extract-messages``."""
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    mapping = re.search(r"--mapping-file\s+(\S+)", makefile)
    keywords = re.search(r'--keywords\s+"([^"]+)"', makefile)
    dirs = re.search(r"^MESSAGE_DIRS\s*:?=\s*(.+)$", makefile, re.MULTILINE)
    assert mapping and keywords and dirs, "the extract-messages options were not found in the Makefile"
    return mapping.group(1), keywords.group(1), dirs.group(1).split()


def test_template_is_up_to_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: Catalog) -> None:
    mapping, keywords, dirs = _makefile_extract_options()
    output = tmp_path / "messages.pot"
    monkeypatch.chdir(PROJECT)  # same relative paths as the Makefile
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "--mapping-file",
            mapping,
            "--keywords",
            keywords,
            "--no-location",
            "--sort-output",
            "--output-file",
            str(output),
            *dirs,
        ]
    )
    fresh = {key(m) for m in entries(load(output))}
    current = {key(m) for m in entries(template)}
    assert not fresh - current, (
        f"strings in the code missing from the template: {sorted(map(str, fresh - current))}; run `make extract-messages`"
    )
    assert not current - fresh, (
        f"template strings no longer in the code: {sorted(map(str, current - fresh))}; run `make extract-messages`"
    )


def test_no_marked_string_is_hidden_from_the_extractor(template: Catalog) -> None:
    """Every literal given to ``_``, ``N_`` or ``ngettext`` is in the template.

    pybabel reads f-strings as one token on Python < 3.12, so ``f"{_('Label')}"`` is never
    extracted (the label then shows in English in every language). Walking the syntax tree finds
    those calls too.
    """
    _mapping, keywords, dirs = _makefile_extract_options()
    names = {word.split(":", 1)[0] for word in keywords.split()}
    current = {key(m) for m in entries(template)}
    missing = []
    for folder in dirs:
        base = PROJECT / folder
        for path in [base] if base.is_file() else sorted(base.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
                    continue
                count = 2 if node.func.id == "ngettext" else 1
                args = node.args[:count]
                if len(args) < count or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                    continue  # a variable (e.g. _(LABELS[key])): its N_() literal is checked where it is defined
                wanted = tuple(a.value for a in args) if count == 2 else args[0].value
                if wanted not in current:
                    missing.append(f"{path.relative_to(PROJECT)}:{node.lineno}: {wanted!r}")
    assert not missing, (
        "marked for translation but not in the template (a _() call inside an f-string is not extracted: "
        "assign it to a variable first, then run `make extract-messages`):\n" + "\n".join(missing)
    )


# -- (f) the compiled catalogues work ---------------------------------------------------------------


def test_compiled_catalogue_returns_every_translation(catalogue: tuple[str, Catalog]) -> None:
    code, catalog = catalogue
    translations = compiled(catalog)
    for message in entries(catalog):
        if isinstance(message.id, list | tuple):
            singular, plural = message.id
            for n in range(250):  # every branch of the Plural-Forms expression picks an existing form
                assert translations.ngettext(singular, plural, n) in forms(message), (code, message.id, n)
        else:
            assert translations.gettext(message.id) == message.string, (code, message.id)


@pytest.fixture
def compiled_locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """All catalogues compiled into a temporary folder that ``solidarity.i18n`` reads."""
    for code, path in CATALOGUES.items():
        target = tmp_path / code / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as f:
            write_mo(f, load(path))
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    yield tmp_path
    i18n.translations.cache_clear()
    i18n.set_language(DEFAULT_LANGUAGE)


def test_the_app_translates_with_the_compiled_catalogues(compiled_locales: Path) -> None:
    assert i18n.set_language("nl") == "nl"
    assert i18n._("Explore the map") == "Verken de kaart"
    assert i18n._("Solidarity map of Antwerp") == "Solidariteitskaart Antwerpen"
    one, many = "{n} initiative within {radius} on foot", "{n} initiatives within {radius} on foot"
    assert i18n.ngettext(one, many, 1).format(n=1, radius="1 km") == "1 initiatief binnen 1 km te voet"
    assert i18n.ngettext(one, many, 5).format(n=5, radius="1 km") == "5 initiatieven binnen 1 km te voet"
    i18n.set_language("en")
    assert i18n._("Explore the map") == "Explore the map"
    i18n.set_language("pl")
    assert i18n.ngettext(one, many, 22).format(n=22, radius="1 km") == "22 inicjatywy w odległości 1 km pieszo"
    i18n.set_language("ar")  # two is a word of its own, with no numeral; eleven takes the singular noun
    assert i18n.ngettext(one, many, 2).format(n=2, radius="1 كم") == "مبادرتان في نطاق 1 كم سيرًا على الأقدام"
    assert i18n.ngettext(one, many, 3).format(n=3, radius="1 كم") == "3 مبادرات في نطاق 1 كم سيرًا على الأقدام"
    assert i18n.ngettext(one, many, 11).format(n=11, radius="1 كم") == "11 مبادرة في نطاق 1 كم سيرًا على الأقدام"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "maandag tot vrijdag 09:00–17:00; zondag: gesloten"),
        ("fr", "du lundi au vendredi 09:00–17:00; dimanche\u00a0: fermé"),
        ("es", "de lunes a viernes 09:00–17:00; domingo: cerrado"),
        ("ar", "من الاثنين إلى الجمعة 09:00–17:00; الأحد: مغلق"),
    ],
)
def test_opening_hours_read_naturally_with_babel_weekday_names(
    compiled_locales: Path, language: str, expected: str
) -> None:
    assert hours.describe("Mo-Fr 09:00-17:00; Su off", language) == expected
