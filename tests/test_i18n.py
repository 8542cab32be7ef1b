"""The three languages: who chooses (account, session, browser), the switcher, pages, e-mails and PDFs in
the chosen language, texts the secretariat enters per language with their fallback, and the page cache
keeping each language apart.

Expected translations are read from the catalogues (gettext under force_locale), so these tests hold
whatever the translators wrote; the per-language texts of the secretariat need no catalogue at all.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext
from pypdf import PdfReader
from sqlalchemy import select

from peerreview.extensions import db
from peerreview.i18n import translated, translated_markup
from peerreview.mail.models import OutboxMessage
from peerreview.numbers import format_number
from tests.conftest import DEMO_PASSWORD
from tests.factories import UserFactory
from tests.test_reports import _without_published_report, rendered

TITLES = {"fr": "Évaluation mondiale par les pairs", "es": "Evaluación mundial entre pares"}


def _titles() -> dict:
    return {locale: {"title": title} for locale, title in TITLES.items()}


def _in(locale: str, message: str, **variables) -> str:
    with force_locale(locale):
        return gettext(message, **variables)


def _lang(html: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', html).group(1)


def _page(client, url: str = "/login", **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- who chooses the language ------------------------------------------------------------------------------------

def test_before_sign_in_the_browser_decides(client, db):
    assert _lang(_page(client, **{"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})) == "es"
    assert _lang(_page(client, **{"Accept-Language": "fr-CH, fr;q=0.9"})) == "fr"
    assert _lang(_page(client, **{"Accept-Language": "de-DE"})) == "en"  # not offered: English
    assert _lang(_page(client)) == "en"


def test_the_switcher_before_sign_in_is_kept_in_the_session_over_the_browser(client, db):
    response = client.post("/language", data={"locale": "fr", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert _lang(_page(client, **{"Accept-Language": "es"})) == "fr"
    client.post("/language", data={"locale": "xx"})  # not a language offered: nothing changes
    assert _lang(_page(client, **{"Accept-Language": "es"})) == "fr"


def test_the_accounts_choice_wins_over_session_and_browser(client, login, world):
    world.delegate.locale = "es"
    db.session.commit()
    client.post("/language", data={"locale": "fr"})  # the session says French before signing in ...
    login(world.delegate)
    assert world.delegate.locale == "es"  # ... signing in keeps the account's own choice
    assert _lang(_page(client, "/", **{"Accept-Language": "fr"})) == "es"
    # Without a choice kept with the account, the session's, then the browser's.
    world.delegate.locale = None
    db.session.commit()
    with client.session_transaction() as session:
        session["locale"] = "fr"
    assert _lang(_page(client, "/", **{"Accept-Language": "es"})) == "fr"
    with client.session_transaction() as session:
        session.pop("locale")
    assert _lang(_page(client, "/", **{"Accept-Language": "es"})) == "es"


def test_the_account_page_keeps_the_choice_or_gives_it_back_to_the_browser(client, login, world):
    login(world.delegate)
    page = _page(client, "/account/language")
    assert 'value="fr"' in page and "Français" in page
    assert client.post("/account/language", data={"locale": "fr"}).status_code == 302
    db.session.refresh(world.delegate)
    assert world.delegate.locale == "fr"
    assert _lang(_page(client, "/", **{"Accept-Language": "es"})) == "fr"
    assert client.post("/account/language", data={"locale": ""}).status_code == 302
    db.session.refresh(world.delegate)
    assert world.delegate.locale is None
    assert _lang(_page(client, "/", **{"Accept-Language": "es"})) == "es"
    assert client.post("/account/language", data={"locale": "de"}).status_code == 422
    db.session.refresh(world.delegate)
    assert world.delegate.locale is None


def test_the_switcher_needs_the_csrf_token_and_names_each_language_in_itself(app, client, login, world,
                                                                           monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "WTF_CSRF_SSL_STRICT", False)
    client.get("/login")
    response = client.post("/login", data={"email": world.delegate.email, "password": DEMO_PASSWORD,
                                           "csrf_token": _token(_page(client))})
    assert response.status_code == 302
    page = _page(client, "/")
    switcher = re.search(r'<form class="pr-language-switcher".*?</form>', page, re.S).group(0)
    for code, name in (("en", "English"), ("fr", "Français"), ("es", "Español")):
        # A real button (keyboard reachable, works without JavaScript), named in its own language.
        assert re.search(rf'<button type="submit" name="locale" value="{code}" lang="{code}"[^>]*>{name}</button>',
                         switcher)
    assert 'aria-current="true">English' in switcher
    refused = client.post("/language", data={"locale": "fr", "next": "/"})
    assert refused.status_code == 400  # no token: refused
    db.session.refresh(world.delegate)
    assert world.delegate.locale is None
    done = client.post("/language", data={"locale": "fr", "next": "/", "csrf_token": _token(switcher)})
    assert done.status_code == 302
    db.session.refresh(world.delegate)
    assert world.delegate.locale == "fr"  # signed in: kept with the account
    assert _lang(_page(client, "/")) == "fr"


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# --- pages, numbers ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["fr", "es"])
def test_a_page_in_french_and_spanish(client, db, locale):
    page = _page(client, **{"Accept-Language": locale})
    assert _lang(page) == locale
    assert _in(locale, "Sign in") in page
    assert _in(locale, "Bench-learning and peer review between public employment services") in page
    assert _in(locale, "Enter your e-mail address.") in client.post(
        "/login", data={"email": "", "password": ""}, headers={"Accept-Language": locale}).get_data(as_text=True)


def test_numbers_follow_the_locale(app, db):
    value = Decimal("1234.5")
    for locale, expected in (("en", "1,234.5"), ("fr", "1\u202f234,5"), ("es", "1.234,5")):
        with force_locale(locale):
            assert format_number(value, 1) == expected
    assert format_number(value, 1, "fr").replace("\u202f", " ") == "1 234,5"


def test_dates_follow_the_locale(app, db):
    from datetime import date

    from peerreview.template_helpers import _date

    day = date(2026, 10, 13)
    with app.test_request_context("/"):
        for locale, expected in (("en", "13 Oct 2026"), ("fr", "13 oct. 2026"), ("es", "13 oct 2026")):
            with force_locale(locale):
                assert _date(day) == expected


def test_the_comparison_shows_figures_in_the_readers_number_format(client, login, world):
    login(world.delegate)
    url = f"/cycles/{world.cycle.id}/compare?indicator={world.indicator.id}&year=2024"
    english = _page(client, url)
    assert "45.3" in english and "45,3" not in english  # the median of 40.5 and 50.1
    world.delegate.locale = "fr"
    db.session.commit()
    french = _page(client, url)
    assert _lang(french) == "fr" and "45,3" in french and "45.3" not in french


# --- e-mails -------------------------------------------------------------------------------------------------------

def test_each_mail_is_written_in_its_recipients_language(client, world):
    from peerreview.reviews.notifications import remind_now

    world.cycle.translations = _titles()
    world.delegate.locale = "fr"
    spanish = UserFactory(email="delegada@ba.example", name="Delegada", organisation=world.own_org,
                          network=world.network, locale="es")
    english = UserFactory(email="delegate2@ba.example", name="Second Delegate", organisation=world.own_org,
                          network=world.network)
    db.session.flush()
    with force_locale("en"):  # the secretariat clicking the button reads English
        assert remind_now(world.secretariat, world.own_submission, "delegation") == 3
    db.session.commit()
    mails = {m.recipient: m for m in db.session.scalars(select(OutboxMessage))}
    for user, locale, title in ((world.delegate, "fr", TITLES["fr"]), (spanish, "es", TITLES["es"]),
                                (english, "en", "WAPES Global Peer Review")):
        mail = mails[user.email]
        assert mail.subject == _in(locale, "A reminder from the %(network)s secretariat", network="WAPES")
        assert _in(locale, "Hello %(name)s,", name=user.name) in mail.body
        assert _in(locale, "Your delegation's submission to %(cycle)s was due on %(day)s and is not submitted yet.",
                   cycle=title, day=world.cycle.submission_deadline.isoformat()) in mail.body


def test_a_returned_submission_is_told_in_the_delegates_language(client, world):
    from peerreview.submissions.services import return_for_revision

    world.cycle.translations = {"fr": {"title": TITLES["fr"]}}
    world.cycle.status = "open"
    world.delegate.locale = "fr"
    db.session.commit()
    return_for_revision(world.secretariat, world.own_submission, "Please check 1a.")
    db.session.commit()
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == world.delegate.email))
    assert mail.subject == _in("fr", "Your submission to %(cycle)s was returned", cycle=TITLES["fr"])


def test_a_password_reset_is_mailed_in_the_persons_language_else_the_pages(client, world):
    world.reviewer.locale = "es"
    db.session.commit()
    for user in (world.delegate, world.reviewer):
        response = client.post("/password/forgot", data={"email": user.email}, headers={"Accept-Language": "fr"})
        assert response.status_code == 302
    mails = {m.recipient: m for m in db.session.scalars(select(OutboxMessage))}
    assert mails[world.delegate.email].subject == _in("fr", "Reset your peerreview password")  # no choice: the page's
    assert mails[world.reviewer.email].subject == _in("es", "Reset your peerreview password")  # the person's own


# --- reports -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["en", "fr", "es"])
def test_a_report_is_rendered_in_its_cycles_language(world, locale):
    _without_published_report(world)
    world.cycle.translations = _titles()
    world.cycle.report_locale = locale
    world.indicator.translations = {"fr": {"name": "Transitions vers l'emploi"}}
    db.session.commit()
    report = rendered(world, kind="synthesis")
    reader = PdfReader(io.BytesIO(report.pdf))
    assert reader.trailer["/Root"]["/Lang"] == locale  # from <html lang>
    text = "\n".join(page.extract_text() for page in reader.pages)
    title = TITLES.get(locale, "WAPES Global Peer Review")
    heading = _in(locale, "Synthesis report")
    assert heading in text and title in text
    assert report.title == _in(locale, "Synthesis report – %(cycle)s", cycle=title)
    assert _in(locale, "Contents") in text
    # the running footer too (CSS counters, the words from the catalogue)
    assert _in(locale, "Page %(page)s of %(pages)s", page=2, pages=len(reader.pages)) in reader.pages[1].extract_text()
    # The indicator's own texts in the report's language; a missing one is the original, marked.
    if locale == "fr":
        assert "Transitions vers l'emploi" in text
    elif locale == "es":
        assert re.search(r"Transitions into employment\s+\(en\)", text)
    else:
        assert "Transitions into employment" in text and "(en)" not in text
    if locale != "en":  # needs the translators' catalogue: red until the translations are merged
        assert heading != "Synthesis report", f"{locale}: 'Synthesis report' is not translated in the catalogue"


def test_the_cycle_form_sets_the_report_language_and_the_titles_per_language(client, login, world):
    login(world.secretariat)
    form = _page(client, f"/cycles/{world.cycle.id}/edit")
    assert 'name="report_locale"' in form and 'name="title_fr"' in form and 'name="theme_es"' in form
    assert _in("en", "%(field)s (%(language)s)", field="Title", language="French") in form
    data = {"version": world.cycle.version, "title": world.cycle.title, "theme": "", "framework_id": world.framework.id,
            "host_organisation_id": 0, "first_year": world.cycle.first_year, "last_year": world.cycle.last_year,
            "report_locale": "es", "title_fr": f"  {TITLES['fr']} ", "title_es": "", "theme_fr": "", "theme_es": ""}
    response = client.post(f"/cycles/{world.cycle.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.refresh(world.cycle)
    assert world.cycle.report_locale == "es"
    assert world.cycle.translations == {"fr": {"title": TITLES["fr"]}}  # stripped; empty ones not kept
    assert client.post(f"/cycles/{world.cycle.id}/edit",
                       data={**data, "version": world.cycle.version, "report_locale": "de"}).status_code == 422


# --- texts entered per language ------------------------------------------------------------------------------------

def test_translated_falls_back_to_the_original_and_says_so(app, world):
    indicator = world.indicator
    indicator.translations = {"fr": {"name": "Transitions vers l'emploi"}}
    assert translated(indicator, "name", "fr") == ("Transitions vers l'emploi", False)
    assert translated(indicator, "name", "es") == ("Transitions into employment", True)
    assert translated(indicator, "name", "en") == ("Transitions into employment", False)
    assert translated(indicator, "definition", "fr") == (indicator.definition, bool(indicator.definition))
    with force_locale("es"):
        marked = str(translated_markup(indicator, "name"))
    assert 'lang="en"' in marked and "(en)" in marked and _in("es", "Not yet translated") in marked
    with force_locale("fr"):
        assert str(translated_markup(indicator, "name")) == "Transitions vers l&#39;emploi"


def test_the_indicator_form_keeps_per_language_texts_shown_to_readers_of_that_language(client, login, world):
    login(world.secretariat)
    url = f"/frameworks/{world.framework.id}/indicators/{world.indicator.id}/edit"
    form = _page(client, url)
    assert re.search(r'name="name_fr"[^>]*lang="fr"', form) and re.search(r'name="definition_es"[^>]*lang="es"', form)
    data = {"version": world.indicator.version, "code": "1a", "name": "Transitions into employment",
            "definition": "Share of jobseekers who found work.", "unit": "%", "direction": "higher",
            "decimals": "1", "required": "total", "name_fr": "Transitions vers l'emploi",
            "definition_fr": "Part des demandeurs d'emploi ayant trouvé un travail.", "name_es": "",
            "definition_es": ""}
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(world.indicator)
    assert world.indicator.translations == {"fr": {"name": "Transitions vers l'emploi",
                                                   "definition": "Part des demandeurs d'emploi ayant trouvé un "
                                                                 "travail."}}
    assert "Transitions vers l&#39;emploi" in _page(client, url)  # the form shows what is kept
    framework_page = f"/frameworks/{world.framework.id}"
    french = _page(client, framework_page, **{"Accept-Language": "fr"})
    assert "Transitions vers l&#39;emploi" in french and "Part des demandeurs" in french
    spanish = _page(client, framework_page, **{"Accept-Language": "es"})
    assert re.search(r'<span lang="en" class="pr-untranslated" title="[^"]+">Transitions into employment '
                     r'<span class="pr-untranslated__mark">\(en\)</span></span>', spanish)
    english = _page(client, framework_page, **{"Accept-Language": "en"})
    assert "pr-untranslated" not in english and "Transitions into employment" in english


def test_the_framework_form_takes_texts_per_language(client, login, world):
    login(world.secretariat)
    response = client.post("/frameworks/new", data={"name": "Benchlearning 2027", "description": "",
                                                    "name_fr": "Étalonnage 2027", "name_es": "",
                                                    "description_fr": "", "description_es": ""})
    assert response.status_code == 302
    framework_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert "Étalonnage 2027" in _page(client, f"/frameworks/{framework_id}", **{"Accept-Language": "fr"})


def test_the_framework_and_its_areas_are_edited_with_their_translations(client, login, world):
    login(world.secretariat)
    framework_url = f"/frameworks/{world.framework.id}/edit"
    assert 'name="description_fr"' in _page(client, framework_url)
    response = client.post(framework_url, data={"name": "Benchmark", "description": "The common indicators.",
                                                "name_fr": "Référentiel", "name_es": "Marco",
                                                "description_fr": "", "description_es": "Los indicadores comunes."})
    assert response.status_code == 302
    db.session.refresh(world.framework)
    assert world.framework.translations == {"fr": {"name": "Référentiel"},
                                            "es": {"name": "Marco", "description": "Los indicadores comunes."}}
    # A request that leaves the per-language fields out keeps what is stored (as for the other fields).
    assert client.post(framework_url, data={"name": "Benchmark"}).status_code == 302
    db.session.refresh(world.framework)
    assert world.framework.translations["es"]["name"] == "Marco"
    area = world.indicator.area
    area_url = f"/frameworks/{world.framework.id}/areas/{area.id}/edit"
    assert 'name="name_es"' in _page(client, area_url)
    assert client.post(area_url, data={"name": "", "name_fr": "", "name_es": ""}).status_code == 422
    assert client.post(area_url, data={"name": area.name, "name_fr": "Activation durable",
                                       "name_es": ""}).status_code == 302
    db.session.refresh(area)
    assert area.translations == {"fr": {"name": "Activation durable"}}
    french = _page(client, f"/frameworks/{world.framework.id}", **{"Accept-Language": "fr"})
    assert "Référentiel" in french and "Activation durable" in french
    assert client.post(f"/frameworks/{world.framework.id}/areas/999999/edit", data={}).status_code == 404


def test_an_area_takes_texts_per_language(app, world):
    from peerreview.framework.services import save_area

    area = save_area(world.secretariat, world.framework, code="Z", name="Partnerships",
                     translations={"fr": {"name": " Partenariats "}, "es": {"name": ""}, "de": {"name": "x"}})
    assert area.translations == {"fr": {"name": "Partenariats"}}
    assert translated(area, "name", "fr") == ("Partenariats", False)


# --- the page cache ------------------------------------------------------------------------------------------------

def test_a_french_reader_never_gets_an_english_cached_part(client, login, world):
    world.cycle.translations = _titles()
    world.indicator.translations = {"fr": {"name": "Transitions vers l'emploi"}}
    db.session.commit()
    login(world.delegate)
    for url in (f"/cycles/{world.cycle.id}", f"/cycles/{world.cycle.id}/compare",
                f"/submissions/{world.own_submission.id}"):
        english = _page(client, url)  # cached in English first
        assert "WAPES Global Peer Review" in english
        assert TITLES["fr"] not in english
        world.delegate.locale = "fr"
        db.session.commit()
        french = _page(client, url)  # same reader, same data versions: only the language differs
        assert _lang(french) == "fr" and TITLES["fr"] in french, url
        assert "WAPES Global Peer Review" not in french, url
        world.delegate.locale = None
        db.session.commit()
        assert _page(client, url) == english or "WAPES Global Peer Review" in _page(client, url)


def test_the_cache_key_of_a_part_holds_the_locale(app, db):
    from peerreview.page_cache import cached_part

    renders = []

    def render():
        renders.append(1)
        return gettext("Sign in")

    with app.test_request_context("/"):
        for locale in ("en", "fr", "es", "fr"):
            with force_locale(locale):
                assert str(cached_part(("test-part", 1), render)) == _in(locale, "Sign in")
    assert len(renders) == 3  # each language rendered once; French the second time from the cache


def test_the_language_page_marks_only_language_as_the_current_menu_item(client, login, world):
    import re

    def current(url: str) -> list[str]:
        html = client.get(url).get_data(as_text=True)
        active = r'<li class="govuk-service-navigation__item govuk-service-navigation__item--active">(.*?)</li>'
        return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(active, html, re.S)]

    login(world.secretariat)
    assert current("/account/language") == ["Language"]
    assert current("/users") == ["Users"]
