from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerreview.extensions import db

DEFAULT_TIME_ZONE = "Europe/Brussels"


class Network(db.Model):
    """A network of PES (WAPES, the European PES Network) with its secretariat: the tenant."""

    __tablename__ = "network"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), unique=True)
    # The network's deadlines end at midnight in this zone (an IANA name).
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE, server_default=DEFAULT_TIME_ZONE)

    def __repr__(self) -> str:
        return f"<Network {self.short_name}>"


# Which networks an organisation belongs to: Germany's PES can be a member of WAPES and
# of the European PES Network at once; each network's cycles, mail and audit stay its own.
network_membership = Table(
    "network_membership",
    db.metadata,
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Organisation(db.Model):
    """One PES, a secretariat or an expert body.

    Names are unique within a network (checked by the service), not across the server:
    a clash with another network's organisation must not reveal that it exists.
    """

    __tablename__ = "organisation"
    KINDS = ("pes", "secretariat", "expert")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40))
    # ISO 3166-1 alpha-2, or "UK-ENG" style codes for sub-national PES such as England.
    country: Mapped[str] = mapped_column(String(8), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="pes")
    networks: Mapped[list[Network]] = relationship(secondary=network_membership, lazy="selectin",
                                                   order_by=Network.short_name)
    # Optimistic lock: an edit based on an older version is refused, not applied.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    @property
    def network_ids(self) -> set[int]:
        return {n.id for n in self.networks}

    def __repr__(self) -> str:
        return f"<Organisation {self.short_name}>"

