"""The cycle form lists every problem at once, including rules across fields."""


def test_cycle_form_reports_field_and_cross_field_problems_together(client, login, world):
    login(world.secretariat)
    r = client.post("/cycles/new", data={
        "title": "New cycle", "framework_id": world.framework.id, "first_year": "2024", "last_year": "2020",
        "kickoff_start": ["32", "10", "2026"], "submission_deadline": ["1", "3", "2027"],
        "review_deadline": ["1", "2", "2027"]})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Enter a real date as day, month and year" in html
    assert "The last reference year cannot be before the first." in html
    assert "Deadlines must follow each other" in html
    assert 'value="New cycle"' in html  # what was typed is kept


def test_cycle_edit_refuses_a_stale_version(client, login, world):
    login(world.secretariat)
    data = {"version": str(world.cycle.version - 1 if world.cycle.version > 1 else 99),
            "title": world.cycle.title, "framework_id": world.framework.id, "first_year": "2022",
            "last_year": "2024"}
    r = client.post(f"/cycles/{world.cycle.id}/edit", data=data)
    assert r.status_code == 422 and "Someone else changed this" in r.get_data(as_text=True)


def test_stale_edits_of_organisations_and_indicators_are_refused_and_kept(client, login, world, db):
    login(world.secretariat)
    org_url = f"/organisations/{world.own_org.id}/edit"
    opened = world.own_org.version
    assert client.post(org_url, data={"version": opened, "name": "Bundesagentur für Arbeit (BA)",
                                      "short_name": "BA", "country": "DE", "kind": "pes"}).status_code == 302
    r = client.post(org_url, data={"version": opened, "name": "Federal Employment Agency", "short_name": "BA",
                                   "country": "DE", "kind": "pes"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Someone else changed this" in html and 'value="Federal Employment Agency"' in html
    db.session.refresh(world.own_org)
    assert world.own_org.name == "Bundesagentur für Arbeit (BA)"

    ind_url = f"/frameworks/{world.framework.id}/indicators/{world.indicator.id}/edit"
    data = {"code": "1a", "name": "Renamed", "unit": "%", "direction": "higher", "decimals": "1",
            "version": world.indicator.version}
    assert client.post(ind_url, data=data).status_code == 302
    r = client.post(ind_url, data={**data, "name": "Renamed again"})
    assert r.status_code == 422 and "Someone else changed this" in r.get_data(as_text=True)


def test_stale_edits_of_a_framework_and_an_area_are_refused_and_kept(client, login, world, db):
    """Two secretariat members open the same edit page; the second to save is told, nothing is overwritten."""
    login(world.secretariat)
    framework_url = f"/frameworks/{world.framework.id}/edit"
    opened = world.framework.version
    assert client.post(framework_url, data={"version": opened, "name": "Benchmark 2026"}).status_code == 302
    r = client.post(framework_url, data={"version": opened, "name": "Benchlearning indicators"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Someone else changed this" in html and 'value="Benchlearning indicators"' in html
    assert html.count("Someone else changed this") == 1  # said once in the summary, not twice
    db.session.refresh(world.framework)
    assert world.framework.name == "Benchmark 2026"

    area = world.indicator.area
    area_url = f"/frameworks/{world.framework.id}/areas/{area.id}/edit"
    opened = area.version
    assert client.post(area_url, data={"version": opened, "name": "Activation"}).status_code == 302
    r = client.post(area_url, data={"version": opened, "name": "Transitions"})
    assert r.status_code == 422 and "Someone else changed this" in r.get_data(as_text=True)
    db.session.refresh(area)
    assert area.name == "Activation"


def test_a_new_cycle_offers_the_report_language_of_the_networks_latest_cycle(client, login, world, db):
    import re

    def offered() -> str:
        html = client.get("/cycles/new").get_data(as_text=True)
        select = re.search(r'<select[^>]*name="report_locale".*?</select>', html, re.S).group(0)
        return re.search(r'<option[^>]*value="(\w+)"[^>]*selected|<option[^>]*selected[^>]*value="(\w+)"',
                         select).group(0)

    login(world.secretariat)
    assert 'value="en"' in offered()  # a network without a French or Spanish cycle yet: English
    world.cycle.report_locale = "fr"
    db.session.commit()
    assert 'value="fr"' in offered()  # the network keeps to the language of its latest cycle
    login(world.other_secretariat)
    assert 'value="en"' in offered()  # another network's choice is not this one's
