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
    assert r.status_code == 422 and "Someone else changed this cycle" in r.get_data(as_text=True)
