"""The pages of the release in tiers, as each person uses them: the factual check, publishing with
the audience chosen, a withdrawal with its reason, the public register and verification."""
import hashlib

from sqlalchemy import select

from peerreview.reports.models import FactualFlag, Report
from tests.test_reports import _without_published_report, rendered


def test_factual_check_publication_withdrawal_and_the_register(client, login, world, db):
    _without_published_report(world)
    report = rendered(world, kind="feedback", organisation_id=world.own_org.id)
    report_id = report.id
    login(world.delegate)
    assert client.get(f"/reports/{report_id}").status_code == 404  # a draft: the team's only, not told it exists
    login(world.secretariat)
    assert client.post(f"/reports/{report_id}/factual-check").status_code == 302

    login(world.delegate)
    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert "Which fact is wrong" in page and "Factual check" in page
    assert client.get(f"/reports/{report_id}/download").data.startswith(b"%PDF")
    assert client.get("/reports").get_data(as_text=True).count(f"/reports/{report_id}\"") == 1  # listed for its check
    refused = client.post(f"/reports/{report_id}/flags", data={"body": ""})
    assert refused.status_code == 422 and "Say what is wrong" in refused.get_data(as_text=True)
    assert client.post(f"/reports/{report_id}/flags", data={"body": "Our 2024 rate is 41.5."}).status_code == 302
    login(world.other_delegate)
    assert client.get(f"/reports/{report_id}").status_code == 404

    login(world.secretariat)
    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert "Our 2024 rate is 41.5." in page
    flag = db.session.scalar(select(FactualFlag).where(FactualFlag.report_id == report_id))
    assert client.post(f"/reports/flags/{flag.id}/answer", data={"answer": "Corrected.",
                                                                 "version": str(flag.version)}).status_code == 302
    confirm = client.get(f"/reports/{report_id}/publish").get_data(as_text=True)
    assert "Who will see it" in confirm and "What does this version correct" not in confirm  # a first version
    refused = client.post(f"/reports/{report_id}/publish", data={})  # no audience chosen: asked, never assumed
    assert refused.status_code == 422 and "Choose who may read the report." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Report, report_id).current_version is None
    published = client.post(f"/reports/{report_id}/publish", data={"tier": "public"}, follow_redirects=True)
    assert "is being published" in published.get_data(as_text=True)
    db.session.expire_all()
    report = db.session.get(Report, report_id)
    version = report.current_version
    assert (report.tier, version.number) == ("public", 1)

    client.post("/logout")
    register = client.get("/reports").get_data(as_text=True)
    assert version.sha256 in register and report.title in register
    served = client.get(f"/reports/versions/{version.id}/download")
    assert hashlib.sha256(served.data).hexdigest() == version.sha256 == served.headers["X-Content-SHA256"]
    assert "This is a published copy" in client.get(f"/reports/verify?sha256={version.sha256}").get_data(as_text=True)
    assert "No public report has this SHA-256" in client.get("/reports/verify?sha256=" + "0" * 64).get_data(
        as_text=True)

    login(world.secretariat)
    refused = client.post(f"/reports/versions/{version.id}/withdraw", data={"reason": ""})
    assert refused.status_code == 422 and "Say why the version is withdrawn" in refused.get_data(as_text=True)
    assert client.post(f"/reports/versions/{version.id}/withdraw",
                       data={"reason": "A confidential value was printed."}).status_code == 302
    client.post("/logout")
    register = client.get("/reports").get_data(as_text=True)
    assert "withdrawn" in register and "A confidential value was printed." in register
    assert client.get(f"/reports/versions/{version.id}/download").status_code == 404
