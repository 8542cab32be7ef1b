"""A deadline for `make load`: 150 organisations, each with a delegate and a draft submission, in one
open cycle of a network of their own, added beside the demo data (whose reviewers comment and whose
secretariats render). Run after `flask seed-demo`, with the same DATABASE_URL:

    python -m benchmarks.deadline_world

Every delegate's password is the demo password. Writes nothing if the network is already there.
"""
from __future__ import annotations

import os
from decimal import Decimal

from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from config import config_from_env
from peerreview import create_app
from peerreview.auth.models import RoleGrant, User
from peerreview.cycles.models import Cycle
from peerreview.extensions import db
from peerreview.framework.models import Framework, Indicator
from peerreview.organisations.models import Network, Organisation, network_membership
from peerreview.submissions.models import Submission

ORGANISATIONS = int(os.environ.get("LOAD_ORGANISATIONS", 150))
INDICATORS = 10
PASSWORD = "demo-peer-review-2026"  # noqa: S105 (the published demo password)


def delegate_email(i: int) -> str:
    return f"delegate.{i:03d}@deadline.demo.example"


def build() -> int:
    if db.session.scalar(select(Network).where(Network.short_name == "DEADLINE")):
        return 0
    network = Network(name="Deadline network (load test)", short_name="DEADLINE")
    db.session.add(network)
    db.session.flush()
    framework = Framework(network_id=network.id, name="Deadline framework", description="")
    db.session.add(framework)
    db.session.flush()
    db.session.add_all([Indicator(framework_id=framework.id, position=i, code=f"D{i:02d}", name=f"Indicator {i}",
                                  definition="", unit="%", direction="higher", decimals=1, min_value=Decimal(0),
                                  max_value=Decimal(100), dimensions="sex") for i in range(INDICATORS)])
    cycle = Cycle(network_id=network.id, framework_id=framework.id, title="Deadline cycle", theme="",
                  first_year=2022, last_year=2024, status="open")
    db.session.add(cycle)
    orgs = [Organisation(name=f"Deadline PES {i:03d}", short_name=f"DL{i:03d}", country="ZZ", kind="pes")
            for i in range(ORGANISATIONS)]
    db.session.add_all(orgs)
    db.session.flush()
    db.session.execute(insert(network_membership), [{"network_id": network.id, "organisation_id": o.id}
                                                    for o in orgs])
    password_hash = generate_password_hash(PASSWORD)  # once: the same hash for every delegate
    users = [User(email=delegate_email(i), name=f"Deadline Delegate {i:03d}", organisation_id=o.id,
                  password_hash=password_hash) for i, o in enumerate(orgs)]
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all([RoleGrant(user_id=u.id, network_id=network.id, role="delegate") for u in users])
    db.session.add_all([Submission(cycle_id=cycle.id, organisation_id=o.id, status="draft") for o in orgs])
    db.session.commit()
    return len(orgs)


if __name__ == "__main__":
    app = create_app(config_from_env())
    with app.app_context():
        made = build()
    print(f"Deadline world: {made} organisations with a delegate and a draft submission"
          if made else "Deadline world already present.")
