"""The organisation profile: each indicator against the network, strongest and weakest positions,
peers to learn from."""
from decimal import Decimal

from peerreview.framework.models import Indicator
from peerreview.submissions.benchmarking import organisation_profile, position_of
from tests.factories import IndicatorFactory, OrganisationFactory, SubmissionFactory, ValueFactory
from tests.test_query_counts import counted


def _network_of_five(world, db):
    """Own org (BA) and Hello Work plus three more, on three indicators of different directions."""
    low = IndicatorFactory(framework=world.framework, code="2b", name="Inflows from inactivity", direction="lower")
    vacancies = db.session.query(Indicator).filter_by(code="3a", framework_id=world.framework.id).one()
    orgs = {"BA": world.own_org, "HW": world.other_org}
    subs = {"BA": world.own_submission, "HW": world.other_submission}
    for short, name in (("AF", "Arbetsförmedlingen"), ("VDAB", "VDAB"), ("NAV", "NAV")):
        orgs[short] = OrganisationFactory(name=name, short_name=short, network=world.network)
        subs[short] = SubmissionFactory(cycle=world.cycle, organisation=orgs[short], status="submitted")
    # 1a (higher is better): BA 40.5, HW 50.1 (from the world), AF 60, VDAB 70, NAV 30 -> BA 4th of 5
    # 2b (lower is better):  BA 1, HW 5, AF 3, VDAB 9, NAV 7 -> BA 1st of 5
    # 3a (higher): BA 900, HW 100, AF 100, VDAB 500 (NAV none) -> BA 1st of 4
    for short, a, b, c in (("AF", "60", "3", "100"), ("VDAB", "70", "9", "500"), ("NAV", "30", "7", None)):
        ValueFactory(submission_id=subs[short].id, indicator_id=world.indicator.id, value=Decimal(a))
        ValueFactory(submission_id=subs[short].id, indicator_id=low.id, value=Decimal(b))
        if c:
            ValueFactory(submission_id=subs[short].id, indicator_id=vacancies.id, value=Decimal(c))
    for short, b, c in (("BA", "1", "900"), ("HW", "5", "100")):
        ValueFactory(submission_id=subs[short].id, indicator_id=low.id, value=Decimal(b))
        ValueFactory(submission_id=subs[short].id, indicator_id=vacancies.id, value=Decimal(c))
    db.session.commit()
    return orgs, low, vacancies


def test_positions_strongest_weakest_and_peers_to_learn_from(world, db):
    orgs, low, vacancies = _network_of_five(world, db)
    indicators = [world.indicator, low, vacancies]
    profile = organisation_profile(world.cycle, world.own_org, indicators, 2024)
    lines = {line.indicator.code: line for line in profile.lines}
    assert (lines["1a"].rank, lines["1a"].position) == (4, Decimal("0.25"))     # (5-4)/(5-1)
    assert (lines["2b"].rank, lines["2b"].position) == (1, Decimal(1))
    assert (lines["3a"].rank, lines["3a"].spread.n) == (1, 4)
    assert lines["1a"].spread.median == Decimal("50.1")
    assert [line.indicator.code for line in profile.strongest] == ["2b", "3a"]
    assert [line.indicator.code for line in profile.weakest] == ["1a"]
    # where BA is weakest, the best three in 1a: VDAB 70, AF 60, HW 50.1
    assert [o.name for o in lines["1a"].leaders] == ["VDAB", "Arbetsförmedlingen", "Hello Work"]


def test_position_of_a_rank():
    assert position_of(1, 1) == 1
    assert position_of(1, 3) == 1 and position_of(3, 3) == 0 and position_of(2, 3) == Decimal("0.5")


def test_profile_page_shows_the_chart_the_table_and_links_to_peers(client, login, world, db):
    orgs, _low, _vacancies = _network_of_five(world, db)
    login(world.delegate)
    response = client.get(f"/cycles/{world.cycle.id}/profile/{world.own_org.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<svg" in html and "Bundesagentur für Arbeit against the network, 2024" in html
    assert "Strongest positions" in html and "rank 4 of 5" in html
    assert f"/cycles/{world.cycle.id}/profile/{orgs['VDAB'].id}" in html
    assert ">900<" in html  # 3a, no decimals, below a thousand


def test_profile_of_an_organisation_outside_the_cycle_is_404(client, login, world, db):
    stranger = OrganisationFactory(network=world.network)
    db.session.commit()
    login(world.secretariat)
    assert client.get(f"/cycles/{world.cycle.id}/profile/{stranger.id}").status_code == 404
    assert client.get(f"/cycles/{world.cycle.id}/profile/999999").status_code == 404
    assert client.get(f"/cycles/{world.cycle.id}/profile/{world.own_org.id}?year=1800").status_code == 200


def test_profile_reads_a_fixed_number_of_queries(client, login, world, db):
    login(world.secretariat)
    url = f"/cycles/{world.cycle.id}/profile/{world.own_org.id}"
    client.get(url)
    with counted(db) as few:
        assert client.get(url).status_code == 200
    _network_of_five(world, db)
    with counted(db) as many:
        assert client.get(url).status_code == 200
    assert len(many) <= len(few), f"{len(few)} queries, then {len(many)} with more organisations and values"
