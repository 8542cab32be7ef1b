"""Demo data for trying peerreview. Every number here is ILLUSTRATIVE, not an
official statistic; the reports and pages say so.

Everything is created through the services, obeying the same rules as real data.
Running it twice changes nothing: the whole seed is one transaction, and it
stops early when the demo networks exist.
"""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from peerreview.auth.models import RoleGrant, User
from peerreview.auth.services import NewUser, create_user
from peerreview.cycles.models import IN_REVIEW, OPEN, REPORTING
from peerreview.cycles.services import CycleData, save_cycle
from peerreview.extensions import db
from peerreview.framework.services import (
    IndicatorData,
    create_framework,
    framework_areas,
    save_area,
    save_indicator,
)
from peerreview.numbers import format_plain
from peerreview.organisations.models import Network, Organisation
from peerreview.organisations.services import (
    OrganisationData,
    add_to_network,
    create_organisation,
    get_or_create_network,
)
from peerreview.reports.services import (
    answer_factual_flag,
    flag_factual_error,
    publish_report,
    render_report,
    send_to_factual_check,
)
from peerreview.reports.texts import choose_naming
from peerreview.reviews.assessments import (
    AreaInput,
    consolidate,
    mark_review_complete,
    save_consolidated,
    save_reviewer_assessment,
    save_self_scores,
)
from peerreview.reviews.clarifications import CorrectionInput, correct_value
from peerreview.reviews.services import add_comment, assign_reviewer, make_lead, reply
from peerreview.submissions.comparability import NoteChange, save_comparability_notes
from peerreview.submissions.explanations import ExplanationChange, save_explanations
from peerreview.submissions.flags import WITHOUT_VALUE
from peerreview.submissions.narratives import NarrativeChange, save_narratives
from peerreview.submissions.services import CellChange, invite_organisation, save_values, submit, value_map
from peerreview.workflow.phases import move_cycle

DEMO_PASSWORD = "demo-peer-review-2026"
ILLUSTRATIVE = "Illustrative demo figures, not official statistics."

AREAS = [
    ("A", "Strategic performance management"),
    ("B", "Design of operational processes"),
    ("C", "Sustainable activation and management of transitions"),
    ("D", "Relations with employers"),
    ("E", "Evidence-based design and implementation of PES services"),
    ("F", "Management of partnerships with stakeholders"),
    ("G", "Allocation of PES resources"),
]

# Names a secretariat gave in French and Spanish (definitions left in English: a reader of those languages
# sees the original marked "(en)", as with any text not yet translated).
TRANSLATED_NAMES = {
    "1a": ("Transitions du chômage vers l'emploi", "Transiciones del desempleo al empleo"),
    "1b": ("Sorties du registre des demandeurs d'emploi", "Salidas del registro de desempleo"),
    "3a": ("Offres d'emploi pourvues", "Vacantes cubiertas"),
    "4a": ("Satisfaction des demandeurs d'emploi", "Satisfacción de los demandantes de empleo"),
    "4b": ("Satisfaction des employeurs", "Satisfacción de los empleadores"),
}

# code, name, definition, unit, direction, decimals, min, max, dimensions, area, typical value
INDICATORS = [
    ("1a", "Transitions from unemployment into employment",
     "Outflows to employment x 100 / average registered unemployed stock (sum of month-end stocks / 12).",
     "%", "higher", 1, 0, 100, "sex age", "C", 45),
    ("1b", "Exits from the unemployment register",
     "All exits from the register x 100 / average registered unemployed stock.",
     "%", "higher", 1, 0, 100, "sex age", "C", 70),
    ("2a-6", "Transitions into employment within 6 months of registration",
     "Transitions within 6 months as a share of all transitions into employment.",
     "%", "higher", 1, 0, 100, "sex age", "C", 60),
    ("2a-12", "Transitions into employment within 12 months of registration",
     "Transitions within 12 months as a share of all transitions into employment.",
     "%", "higher", 1, 0, 100, "sex age", "C", 80),
    ("2b", "Register entries of previously inactive people",
     "Entries of people previously inactive as a share of all register entries.",
     "%", "neutral", 1, 0, 100, "sex", "E", 20),
    ("3a", "Job vacancies filled", "Vacancies notified to the PES and filled during the year.",
     "vacancies", "higher", 0, 0, None, "", "D", 120000),
    ("3b", "Employed people saying the PES helped them find their current job",
     "Share of employed people (Labour Force Survey) who found their job through the PES.",
     "%", "higher", 1, 0, 100, "sex age", "D", 10),
    ("4a", "Jobseeker satisfaction", "Share of surveyed jobseekers satisfied or very satisfied.",
     "%", "higher", 1, 0, 100, "", "B", 75),
    ("4b", "Employer satisfaction", "Share of surveyed employers satisfied or very satisfied.",
     "%", "higher", 1, 0, 100, "", "D", 72),
    ("C1", "Registered unemployed (average stock)", "Sum of month-end stocks / 12. Context figure.",
     "persons", "neutral", 0, 0, None, "sex age", "A", 250000),
]

PES = {
    # key: (name, short name, country)
    "CA": ("Employment and Social Development Canada", "ESDC", "CA"),
    "KR": ("Korea Employment Information Service", "KEIS", "KR"),
    "JP": ("Hello Work (Ministry of Health, Labour and Welfare)", "Hello Work", "JP"),
    "DE": ("Bundesagentur für Arbeit", "BA", "DE"),
    "AT": ("Arbeitsmarktservice Österreich", "AMS", "AT"),
    "BE": ("VDAB Flemish Public Employment Service", "VDAB", "BE"),
    "BA": ("Labour and Employment Agency of Bosnia and Herzegovina", "ARZ BiH", "BA"),
    "HR": ("Croatian Employment Service", "HZZ", "HR"),
    "CY": ("Public Employment Service of Cyprus", "PES CY", "CY"),
    "UK-ENG": ("Department for Work and Pensions (Jobcentre Plus, England)", "DWP", "UK-ENG"),
    "GR": ("Public Employment Service of Greece", "DYPA", "GR"),
    "IE": ("Department of Social Protection (Intreo)", "Intreo", "IE"),
    "PL": ("Public Employment Services of Poland", "PSZ", "PL"),
    "SK": ("Central Office of Labour, Social Affairs and Family", "UPSVaR", "SK"),
    "SI": ("Employment Service of Slovenia", "ESS", "SI"),
    "ES": ("Public State Employment Service", "SEPE", "ES"),
    "SE": ("Arbetsförmedlingen", "AF", "SE"),
}
WAPES_PARTICIPANTS = ["CA", "KR", "JP", "DE"]
# Year-on-year change (per cent) beyond which a value needs an explanation. The illustrative figures vary
# by at most 86 % (0.7 to 1.3 times the typical value), so only the draft below shows the warning.
CHANGE_THRESHOLDS = {"3a": Decimal(100)}

EU_PARTICIPANTS = ["AT", "BE", "BA", "HR", "CY", "UK-ENG", "DE", "GR", "IE", "PL", "SK", "SI", "ES", "SE"]
REVIEWERS = [  # name, e-mail, organisation key, networks where the person reviews
    ("Anna Berger", "reviewer.at@demo.example", "AT", ["WAPES"]),
    ("Björn Lindqvist", "reviewer.se@demo.example", "SE", ["WAPES", "EU"]),
    ("Keiko Tanaka", "reviewer.jp@demo.example", "JP", ["WAPES"]),
    ("Marie Tremblay", "reviewer.ca@demo.example", "CA", ["WAPES"]),
    ("Seán Murphy", "reviewer.ie@demo.example", "IE", ["EU"]),
]


def _email(key: str) -> str:
    return f"delegate.{key.lower()}@demo.example"


def _illustrative(rng: random.Random, typical: float, decimals: int, low, high) -> Decimal:
    value = typical * rng.uniform(0.7, 1.3)
    if high is not None:
        value = min(value, float(high))
    value = max(value, float(low or 0))
    return Decimal(f"{value:.{decimals}f}")


def _fill(actor, submission, indicators, rng: random.Random, share: float = 1.0) -> None:
    changes = []
    for ind, spec in indicators:
        typical = spec[10]
        for b in ind.breakdowns:
            factor = 1.0 if b.code == "_T" else rng.uniform(0.8, 1.2)
            for y in submission.cycle.years:
                if rng.random() <= share:
                    changes.append(CellChange(ind.id, b.code, y, str(_illustrative(
                        rng, typical * factor, ind.decimals, ind.min_value, ind.max_value))))
    save_values(actor, submission, changes, indicators=[i for i, _s in indicators])


def _flag(actor, submission, indicator, breakdown: str, year: int, flag: str, note: str) -> None:
    """Flag one filled cell, with a source note (a flag without a value empties the cell)."""
    if breakdown not in {b.code for b in indicator.breakdowns}:
        return
    current = value_map(submission.id).get((indicator.id, breakdown, year))
    old = format_plain(current.value) if current is not None else ""
    save_values(actor, submission, [CellChange(indicator.id, breakdown, year, "" if flag in WITHOUT_VALUE else old,
                                               old, flag, note)], indicators=[indicator])


def _self_assess(actor, submission, short_name: str) -> None:
    areas = {a.code: a.id for a in framework_areas(submission.cycle.framework_id)}
    save_narratives(actor, submission, [NarrativeChange(area_id, text, 0) for area_id, text in {
        areas["C"]: f"*Illustrative demo text.* {short_name} offers jobseekers aged 50 and over:\n\n"
                    "- an early profiling interview within two weeks of registration;\n"
                    "- a dedicated work-coach team for long-term unemployed people over 50;\n"
                    "- wage subsidies for employers who hire them.\n\n"
                    "**What we want to improve:** job-to-job transitions before unemployment starts.",
        areas["D"]: f"*Illustrative demo text.* {short_name} runs employer services in every region and "
                    "measures employer satisfaction yearly (indicator 4b).",
    }.items()])


# Illustrative maturity scores (1-5, docs/maturity-scale.md) per excellence area A-G.
SELF_SCORES = "3434232"
REVIEW_SCORES = {"JP": "3324232", "AT": "3434322"}
CONSOLIDATED_SCORES = "3334232"


def _self_scores(actor, submission) -> None:
    areas = sorted(framework_areas(submission.cycle.framework_id), key=lambda a: a.code)
    save_self_scores(actor, submission, [AreaInput(a.id, score) for a, score in zip(areas, SELF_SCORES, strict=True)])


def _assessment(scores: str, who: str) -> list[AreaInput]:
    """Scores and short illustrative findings for areas A-G, of one reviewer or the consolidation."""
    return [AreaInput(area_id, score,
                      strengths=f"*Illustrative demo text ({who}).* Clear targets for jobseekers aged 50 and over.",
                      improvements="Job-to-job transitions before unemployment starts are not yet followed up.",
                      recommendations="- Measure transitions 6 and 12 months after placement.\n"
                                      "- Share the employer-feedback survey with other members.",
                      good_practices="Dedicated work-coach teams for long-term unemployed people over 50.")
            for area_id, score in scores]


def _review_canada(reviewers, submission) -> None:
    """Both reviewers of Canada score every area and finish; the lead (Japan's reviewer) consolidates: the
    review is complete. (Germany's stays open for the browser test's reviewer to write in.)"""
    areas = [a.id for a in sorted(framework_areas(submission.cycle.framework_id), key=lambda a: a.code)]
    for key in ("JP", "AT"):
        save_reviewer_assessment(reviewers[key], submission,
                                 _assessment(zip(areas, REVIEW_SCORES[key], strict=True), f"reviewer {key}"))
        mark_review_complete(reviewers[key], submission)
    save_consolidated(reviewers["JP"], submission,
                      _assessment(zip(areas, CONSOLIDATED_SCORES, strict=True), "consolidated by the lead"))
    consolidate(reviewers["JP"], submission)


def _request_answered_with_a_correction(reviewer, delegate, submission, indicator) -> None:
    """An open clarification request on a value, answered by the delegation with a corrected value."""
    request = add_comment(reviewer, submission, visibility="shared", is_request=True, indicator_id=indicator.id,
                          breakdown="Y_GE50", year=2023,
                          body="Is the 2023 figure for people aged 50 and over complete? It is far below 2022 "
                               "and 2024.")
    stored = value_map(submission.id)[(indicator.id, "Y_GE50", 2023)].value
    correct_value(delegate, request.id, CorrectionInput(
        value=format_plain(stored + Decimal("4.2"), indicator.decimals), started_from=format_plain(stored),
        body="Thank you: December's transitions were missing from the 2023 figure. The value is corrected."))


def _factual_check_answered(secretariat, delegate, cycle, organisation) -> None:
    """Canada's feedback report at the factual check: its delegation flagged a factual error in the
    draft and the secretariat answered, so that a new user sees both sides of the check."""
    report = render_report(secretariat, cycle, kind="feedback", organisation_id=organisation.id, now=True)
    send_to_factual_check(secretariat, report)
    flag = flag_factual_error(delegate, report, "The report says our regional offices were merged in 2023; the "
                                                "merger took effect in January 2024.")
    answer_factual_flag(secretariat, flag.id, "Thank you: the date is corrected to January 2024 in the next draft.",
                        flag.version)


def seed_demo() -> tuple[bool, list[tuple[str, str, str]]]:
    """Returns (created, logins)."""
    existing = db.session.scalar(select(User).where(User.email == "secretariat@wapes.demo.example"))
    if existing is not None:
        return False, demo_logins()

    wapes = get_or_create_network("World Association of Public Employment Services", "WAPES")
    eu = get_or_create_network("European Network of Public Employment Services", "EU PES Network")
    networks = {"WAPES": wapes, "EU": eu}
    orgs: dict[str, Organisation] = {}
    for key, (name, short, country) in PES.items():
        home = wapes if key in WAPES_PARTICIPANTS else eu
        orgs[key] = create_organisation(None, home, OrganisationData(name=name, short_name=short, country=country))
    # Germany's PES (and the reviewers' home PES) belong to both networks: one organisation, two tenants.
    for key in ("DE", "AT", "SE"):
        add_to_network(None, orgs[key], wapes if orgs[key].networks[0].id == eu.id else eu)
    wapes_sec = create_organisation(None, wapes, OrganisationData(
        name="WAPES Secretariat", short_name="WAPES", country="BE", kind="secretariat"))
    eu_sec = create_organisation(None, eu, OrganisationData(
        name="European PES Network Secretariat", short_name="PES Network", country="BE", kind="secretariat"))

    def person(email, name, role, organisation, network):
        return create_user(None, NewUser(email=email, name=name, role=role, organisation_id=organisation.id,
                                         network_id=network.id, password=DEMO_PASSWORD))

    sec_wapes = person("secretariat@wapes.demo.example", "Wanda Secretariat", "secretariat", wapes_sec, wapes)
    sec_eu = person("secretariat@pesnetwork.demo.example", "Elena Secretariat", "secretariat", eu_sec, eu)
    delegates = {}
    for key in WAPES_PARTICIPANTS:
        delegates[key] = person(_email(key), f"Delegate of {PES[key][1]}", "delegate", orgs[key], wapes)
    for key in EU_PARTICIPANTS:
        delegates[key] = person(_email(key), f"Delegate of {PES[key][1]}", "delegate", orgs[key], eu)
    reviewers = {}
    for name, email, key, network_keys in REVIEWERS:
        for network_key in network_keys:
            reviewers[key] = person(email, name, "reviewer", orgs[key], networks[network_key])
    # One person, two roles: Austria's delegate in the EU benchlearning reviews in WAPES.
    person(_email("AT"), f"Delegate of {PES['AT'][1]}", "reviewer", orgs["AT"], wapes)

    def framework_for(actor, network, name):
        framework = create_framework(actor, network, name=name, description=ILLUSTRATIVE)
        db.session.flush()
        areas = {code: save_area(actor, framework, code=code, name=label) for code, label in AREAS}
        db.session.flush()
        result = []
        for spec in INDICATORS:
            code, iname, definition, unit, direction, decimals, low, high, dims, area, _typ = spec
            ind = save_indicator(actor, framework, IndicatorData(**{
                "code": code, "name": iname, "definition": definition, "unit": unit, "direction": direction,
                "decimals": decimals, "min_value": Decimal(low) if low is not None else None,
                "max_value": Decimal(high) if high is not None else None, "dimensions": dims,
                "area_id": areas[area].id, "change_threshold": CHANGE_THRESHOLDS.get(code),
                "translations": {"fr": {"name": TRANSLATED_NAMES[code][0]}, "es": {"name": TRANSLATED_NAMES[code][1]}}
                if code in TRANSLATED_NAMES else None}))
            result.append((ind, spec))
        return framework, result

    # --- WAPES global peer review: in reporting, all submitted, reviewed, one report published
    wapes_fw, wapes_ind = framework_for(sec_wapes, wapes, "WAPES peer review indicators")
    wapes_cycle = save_cycle(sec_wapes, wapes, CycleData(**{
        "title": "WAPES Global Peer Review",
        "theme": "Long-term employment of people aged over 50 and their transitions between jobs. " + ILLUSTRATIVE,
        "framework_id": wapes_fw.id, "host_organisation_id": orgs["DE"].id, "kickoff_place": "Bonn",
        "kickoff_start": date(2026, 10, 13), "kickoff_end": date(2026, 10, 14), "first_year": 2022,
        "last_year": 2024, "submission_deadline": date(2026, 12, 15), "review_deadline": date(2027, 2, 15),
        "reporting_deadline": date(2027, 4, 30), "illustrative_data": True}))
    wapes_subs = {key: invite_organisation(sec_wapes, wapes_cycle, orgs[key].id) for key in WAPES_PARTICIPANTS}
    move_cycle(sec_wapes, wapes_cycle, OPEN)
    for key, submission in wapes_subs.items():
        _fill(delegates[key], submission, wapes_ind, random.Random(f"wapes-{key}"))
        if key == "DE":  # flags, source notes and a comparability note, so that users see them
            first, second = wapes_ind[0][0], wapes_ind[1][0]
            _flag(delegates[key], submission, first, "Y_GE50", 2022, "estimated",
                  "Estimated from the labour force survey; the register records age groups from 2023 on.")
            _flag(delegates[key], submission, first, "_T", 2024, "provisional",
                  "Provisional until the register's annual close in March.")
            _flag(delegates[key], submission, second, "_T", 2022, "not_available",
                  "Not collected before the 2023 reform of the statistics.")
            save_comparability_notes(delegates[key], submission, [NoteChange(
                first.id, "Counts transitions into jobs lasting at least three months; the common definition "
                "counts every job.")], [first])
        if key == "JP":
            _flag(delegates[key], submission, wapes_ind[1][0], "_T", 2024, "confidential",
                  "Shared with the network's secretariat only, by agreement with the ministry.")
        _self_assess(delegates[key], submission, PES[key][1])
        _self_scores(delegates[key], submission)
        submit(delegates[key], submission, gaps_confirmed=True)
    move_cycle(sec_wapes, wapes_cycle, IN_REVIEW)
    pairs = {"CA": ["JP", "AT"], "KR": ["CA", "SE"], "JP": ["CA", "AT"], "DE": ["JP", "CA"]}
    for key, reviewer_keys in pairs.items():
        for position, rk in enumerate(reviewer_keys):
            assignment = assign_reviewer(sec_wapes, wapes_subs[key], reviewers[rk].id)
            if position == 0:
                make_lead(sec_wapes, assignment.id)  # the first reviewer of each submission leads its team
    ind_1a = wapes_ind[0][0]
    de = wapes_subs["DE"]
    de_area_c = next(a.id for a in framework_areas(wapes_fw.id) if a.code == "C")
    shared = add_comment(reviewers["JP"], de, visibility="shared", indicator_id=ind_1a.id, breakdown="Y_GE50",
                         year=2024, body="The transition rate of people aged 50 and over rose markedly in 2024. "
                         "Which measures explain it, and are they being scaled up?")
    add_comment(reviewers["CA"], de, visibility="internal",
                body="Internal note: compare with the 2023 study visit findings before we share conclusions.")
    add_comment(reviewers["CA"], de, visibility="shared",
                body="The regional work-coach teams for older jobseekers are a good practice worth presenting "
                     "at the consultation conference.")
    reply(delegates["DE"], shared.id, body="Thank you. The increase follows the 2023 extension of wage subsidies "
          "for employers hiring jobseekers over 50; an evaluation is under way.")
    add_comment(reviewers["CA"], de, visibility="shared", area_id=de_area_c,
                body="The dedicated 50+ work-coach team is a practice other members could learn from; how is its "
                     "caseload set?")
    add_comment(reviewers["AT"], wapes_subs["JP"], visibility="shared",
                body="Employer satisfaction (4b) is high; please describe how employer feedback is collected.")
    _review_canada(reviewers, wapes_subs["CA"])
    _request_answered_with_a_correction(reviewers["CA"], delegates["JP"], wapes_subs["JP"], ind_1a)
    move_cycle(sec_wapes, wapes_cycle, REPORTING, reason="The assessments are written after the study visit; "
               "the reports start with the shared findings.")
    # Korea's delegation chose to appear in public reports under an anonymous code, not its name.
    choose_naming(delegates["KR"], wapes_subs["KR"], anonymous=True, version=None)
    report = render_report(sec_wapes, wapes_cycle, kind="feedback", organisation_id=orgs["DE"].id, now=True)
    publish_report(sec_wapes, report, tier="public", now=True)
    _factual_check_answered(sec_wapes, delegates["CA"], wapes_cycle, orgs["CA"])

    # --- European PES Network benchlearning: open for submissions, mixed states
    eu_fw, eu_ind = framework_for(sec_eu, eu, "Benchlearning indicators (Decision 573/2014/EU)")
    eu_cycle = save_cycle(sec_eu, eu, CycleData(**{
        "title": "European PES Network Benchlearning 2026",
        "theme": "Benchlearning cycle: performance indicators and self-assessment of the excellence areas A–G. "
                 + ILLUSTRATIVE,
        "framework_id": eu_fw.id, "host_organisation_id": None, "kickoff_place": "Brussels",
        "kickoff_start": date(2026, 9, 22), "kickoff_end": date(2026, 9, 22), "first_year": 2022,
        "last_year": 2024, "submission_deadline": date(2027, 1, 31), "review_deadline": date(2027, 3, 31),
        "reporting_deadline": date(2027, 6, 30), "illustrative_data": True}))
    eu_subs = {key: invite_organisation(sec_eu, eu_cycle, orgs[key].id) for key in EU_PARTICIPANTS}
    move_cycle(sec_eu, eu_cycle, OPEN)
    for i, key in enumerate(EU_PARTICIPANTS):
        rng = random.Random(f"eu-{key}")
        if i % 3 == 0:
            _fill(delegates[key], eu_subs[key], eu_ind, rng)
            submit(delegates[key], eu_subs[key], gaps_confirmed=True)
        elif i % 3 == 1:
            _fill(delegates[key], eu_subs[key], eu_ind, rng, share=0.5)  # draft, half done
        # else: not started
    assign_reviewer(sec_eu, eu_subs["AT"], reviewers["SE"].id)
    _values_to_explain(delegates["BE"], eu_subs["BE"], eu_ind)
    return True, demo_logins()


def _values_to_explain(actor, submission, indicators) -> None:
    """A draft with two values that changed beyond the framework's threshold: one explained, one not yet."""
    vacancies = next(ind for ind, spec in indicators if spec[0] == "3a")
    stored = value_map(submission.id)
    started = {y: format_plain(stored[(vacancies.id, "_T", y)].value) if (vacancies.id, "_T", y) in stored else ""
               for y in (2022, 2023, 2024)}
    save_values(actor, submission, [CellChange(vacancies.id, "_T", y, raw, started[y]) for y, raw in
                                    ((2022, "50000"), (2023, "110000"), (2024, "240000"))])
    row = value_map(submission.id)[(vacancies.id, "_T", 2024)]
    save_explanations(actor, submission, [ExplanationChange(
        vacancies.id, "_T", 2024, "Illustrative: a national hiring subsidy for employers, started in January 2024, "
        "more than doubled the vacancies notified to the PES.", row.version, row.explanation)])


def demo_logins() -> list[tuple[str, str, str]]:
    """(roles, e-mail, organisation) of every demo account, roles named with their network."""
    rows = db.session.execute(
        select(User.email, Organisation.name, RoleGrant.role, Network.short_name)
        .join(Organisation, Organisation.id == User.organisation_id)
        .join(RoleGrant, RoleGrant.user_id == User.id).join(Network, Network.id == RoleGrant.network_id)
        .where(User.email.like("%demo.example")).order_by(User.email, Network.short_name)).all()
    logins: dict[str, tuple[list[str], str]] = {}
    for email, organisation, role, network in rows:
        logins.setdefault(email, ([], organisation))[0].append(f"{role} ({network})")
    order = {"secretariat": 0, "reviewer": 1, "delegate": 2}
    return sorted(((", ".join(roles), email, org) for email, (roles, org) in logins.items()),
                  key=lambda r: (order.get(r[0].split(" ")[0], 3), r[1]))
