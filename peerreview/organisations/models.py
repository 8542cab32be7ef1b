from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerreview.extensions import db


class Network(db.Model):
    """A network of PES (WAPES, the European PES Network) with its secretariat."""

    __tablename__ = "network"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), unique=True)

    def __repr__(self) -> str:
        return f"<Network {self.short_name}>"


class Organisation(db.Model):
    """One PES, a secretariat or an expert body."""

    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("short_name", "country"),)
    KINDS = ("pes", "secretariat", "expert")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40))
    # ISO 3166-1 alpha-2, or "UK-ENG" style codes for sub-national PES such as England.
    country: Mapped[str] = mapped_column(String(8), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="pes")
    network_id: Mapped[int | None] = mapped_column(ForeignKey("network.id"), index=True)
    network: Mapped[Network | None] = relationship()
    # Optimistic lock: an edit based on an older version is refused, not applied.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Organisation {self.short_name}>"
