"""flask CLI commands: create-user, seed-demo."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from peerreview.errors import ValidationFailed
from peerreview.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", type=click.Choice(["secretariat", "delegate", "reviewer"]), required=True)
    @click.option("--organisation", "organisation_short", required=True, help="Short name of the organisation")
    @click.option("--network", "network_short", default=None, help="Short name of the network (secretariat)")
    @click.option("--password", default=None, help="Omit to e-mail an invitation link instead")
    def create_user_command(email, name, role, organisation_short, network_short, password):
        """Create a user account (run by whoever runs the server)."""
        from peerreview.auth.services import create_user
        from peerreview.organisations.models import Network, Organisation

        organisation = db.session.scalar(select(Organisation).where(Organisation.short_name == organisation_short))
        network = None
        if network_short:
            network = db.session.scalar(select(Network).where(Network.short_name == network_short))
        try:
            user = create_user(None, email=email, name=name, role=role,
                               organisation_id=organisation.id if organisation else 0,
                               network_id=network.id if network else None, password=password)
        except ValidationFailed as failed:
            db.session.rollback()
            for field, message in failed.errors.items():
                click.echo(f"{field}: {message}", err=True)
            raise SystemExit(1) from None
        db.session.commit()
        click.echo(f"Created {user.email} ({user.role})" + ("" if password else "; invitation in the outbox"))

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Create the demo networks, cycles and users (idempotent)."""
        from peerreview.demo import DEMO_PASSWORD, seed_demo

        created, logins = seed_demo()
        db.session.commit()
        click.echo("Demo data created." if created else "Demo data already present; nothing changed.")
        click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for role, email, org in logins:
            click.echo(f"  {role:<12} {email:<40} {org}")
