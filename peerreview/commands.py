"""flask CLI commands: create-network, create-user, seed-demo.

Their messages go through Flask-Babel like the pages' (in the default language, English, on the command line).
"""
from __future__ import annotations

import click
from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import select

from peerreview.errors import ValidationFailed
from peerreview.extensions import db


def _refuse(failed: ValidationFailed) -> None:
    """Every problem at once, one line per field; nothing is kept."""
    db.session.rollback()
    for field, message in failed.errors.items() or {"": failed.message}.items():
        click.echo(f"{field}: {message}" if field else message, err=True)
    raise SystemExit(1)


def register(app: Flask) -> None:
    @app.cli.command("send-reminders")
    @click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="The day to act for (YYYY-MM-DD; default: today in UTC). For tests and catching up.")
    def send_reminders_command(today):
        """Deadline reminders (7 and 2 days before, and overdue) and daily digests. Safe to run often:
        a reminder already sent is never sent again. Run it daily from cron or the job queue."""
        from peerreview.db_types import utcnow
        from peerreview.reviews.notifications import send_scheduled_reminders

        day = today.date() if today else utcnow().date()
        run = send_scheduled_reminders(day)
        db.session.commit()
        click.echo(_("%(day)s: %(reminders)d reminder(s), %(digests)d digest(s) sent.", day=day.isoformat(),
                     reminders=run.reminders, digests=run.digests))

    @app.cli.command("create-network")
    @click.option("--name", required=True, help="e.g. World Association of Public Employment Services")
    @click.option("--short-name", required=True, help="e.g. WAPES")
    @click.option("--country", required=True, help="Country code of the secretariat, e.g. BE")
    def create_network_command(name, short_name, country):
        """Create a network and its secretariat organisation (the first step on a new server)."""
        from peerreview.organisations.services import create_network

        try:
            network, secretariat = create_network(None, name=name, short_name=short_name, country=country)
        except ValidationFailed as failed:
            _refuse(failed)
        db.session.commit()
        click.echo(_("Created network %(network)s with the organisation %(org)s (short name %(short)s). Next: "
                     "flask --app wsgi create-user --role secretariat --organisation %(short)s --network "
                     "%(network)s ...", network=network.short_name, org=repr(secretariat.name),
                     short=secretariat.short_name))

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", type=click.Choice(["secretariat", "delegate", "reviewer"]), required=True)
    @click.option("--organisation", "organisation_short", required=True, help="Short name of the organisation")
    @click.option("--network", "network_short", required=True, help="Short name of the network the role is in")
    @click.option("--password", default=None, help="Omit to e-mail an invitation link instead")
    def create_user_command(email, name, role, organisation_short, network_short, password):
        """Give a person a role in a network, creating the account if needed (run by whoever runs the server)."""
        from peerreview.auth.services import NewUser, create_user
        from peerreview.organisations.models import Network, Organisation

        network = db.session.scalar(select(Network).where(Network.short_name == network_short))
        organisation = db.session.scalar(select(Organisation).where(Organisation.short_name == organisation_short)
                                         .order_by(Organisation.id).limit(1))
        try:
            user = create_user(None, NewUser(email=email, name=name, role=role,
                                             organisation_id=organisation.id if organisation else 0,
                                             network_id=network.id if network else 0, password=password))
        except ValidationFailed as failed:
            _refuse(failed)
        db.session.commit()
        if password:
            click.echo(_("%(email)s is %(role)s in %(network)s", email=user.email, role=role, network=network_short))
        else:
            click.echo(_("%(email)s is %(role)s in %(network)s; invitation in the outbox", email=user.email,
                         role=role, network=network_short))

    @app.cli.command("add-to-network")
    @click.option("--organisation", "organisation_short", required=True, help="Short name of the organisation")
    @click.option("--network", "network_short", required=True, help="Short name of the network it joins")
    def add_to_network_command(organisation_short, network_short):
        """Make an existing organisation a member of another network too."""
        from peerreview.organisations.models import Network, Organisation
        from peerreview.organisations.services import add_to_network

        network = db.session.scalar(select(Network).where(Network.short_name == network_short))
        organisation = db.session.scalar(select(Organisation).where(Organisation.short_name == organisation_short)
                                         .order_by(Organisation.id).limit(1))
        if network is None or organisation is None:
            click.echo(_("No such network or organisation."), err=True)
            raise SystemExit(1)
        add_to_network(None, organisation, network)
        db.session.commit()
        click.echo(_("%(org)s is a member of %(network)s.", org=organisation.name, network=network.short_name))

    @app.cli.command("backup")
    @click.option("--output", "output", required=True, type=click.Path(dir_okay=False),
                  help="The dump file to write (a .manifest.json is written beside it)")
    def backup_command(output):
        """Dump the database (PostgreSQL: pg_dump; SQLite: its online backup), published PDFs included."""
        from pathlib import Path

        from peerreview.backup import BackupError, backup

        try:
            manifest = backup(db.session, Path(output))
        except BackupError as error:
            click.echo(str(error), err=True)
            raise SystemExit(1) from None
        click.echo(_("Wrote %(output)s (SHA-256 %(sha)s): %(reports)d published reports, %(documents)d supporting "
                     "documents, %(events)d audit events.", output=output, sha=manifest.dump_sha256,
                     reports=len(manifest.published_reports), documents=len(manifest.documents),
                     events=manifest.audit_events))

    @app.cli.command("restore")
    @click.option("--input", "source", required=True, type=click.Path(exists=True, dir_okay=False))
    def restore_command(source):
        """Restore a `flask backup` dump into this (empty) database and check it against its manifest."""
        from pathlib import Path

        from peerreview.backup import BackupError, restore

        try:
            problems = restore(db.session, Path(source))
        except BackupError as error:
            click.echo(str(error), err=True)
            raise SystemExit(1) from None
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            raise SystemExit(1)
        from peerreview.page_cache import forget_all

        forget_all()  # the restored data versions start again from older numbers: no page kept before holds
        click.echo(_("Restored; every published report and supporting document has its SHA-256 and every "
                     "audit event is there."))

    @app.cli.command("purge")
    @click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing")
    @click.option("--now", "now", default=None, help="Apply the periods as of this UTC time (ISO 8601), "
                  "e.g. 2027-06-01T00:00:00+00:00; default: now")
    def purge_command(dry_run, now):
        """Remove personal data kept longer than its retention period (docs/retention.md); run daily."""
        from datetime import UTC, datetime

        from peerreview.retention import purge

        when = None
        if now:
            try:
                when = datetime.fromisoformat(now)
            except ValueError:
                click.echo(_("--now: %(value)s is not an ISO 8601 time, e.g. 2027-06-01T00:00:00+00:00",
                             value=repr(now)), err=True)
                raise SystemExit(1) from None
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
        result = purge(when)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        click.echo(_("Would remove (dry run, nothing changed):") if dry_run else _("Removed:"))
        for line in result.lines():
            click.echo(f"  {line}")

    @app.cli.command("erase-user")
    @click.option("--email", required=True, help="The person's e-mail address")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation")
    def erase_user_command(email, yes):
        """Pseudonymise a person: account, outbox and audit log; published reports stay as published."""
        from peerreview.auth.services import find_user_by_email
        from peerreview.retention import erase_user, pseudonym

        user = find_user_by_email(email)
        if user is None:
            click.echo(_("No account with the address %(email)s.", email=email), err=True)
            raise SystemExit(1)
        name, _address = pseudonym(user)
        if not yes:
            click.confirm(_("Erase %(name)s <%(email)s>? They become %(pseudonym)s; this cannot be undone.",
                            name=user.name, email=user.email, pseudonym=repr(name)), abort=True)
        rewritten = erase_user(user)
        db.session.commit()
        click.echo(_("Erased: the account is now %(pseudonym)s; %(n)d audit events rewritten.", pseudonym=repr(name),
                     n=rewritten))

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Create the demo networks, cycles and users (idempotent)."""
        from peerreview.demo import DEMO_PASSWORD, seed_demo

        created, logins = seed_demo()
        db.session.commit()
        click.echo(_("Demo data created.") if created else _("Demo data already present; nothing changed."))
        click.echo("\n" + _("Demo logins (password for all: %(password)s):", password=DEMO_PASSWORD))
        for roles, email, org in logins:
            click.echo(f"  {email:<38} {roles:<46} {org}")
