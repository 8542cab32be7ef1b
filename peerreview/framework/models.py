from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerreview.extensions import db
from peerreview.framework.breakdowns import Breakdown, breakdowns_for
from peerreview.organisations.models import Network

DIRECTIONS = ("higher", "lower", "neutral")

# Which of an indicator's values must be filled (or flagged not available / not applicable) to submit.
REQUIRED_NONE = "none"
REQUIRED_TOTAL = "total"  # the total of every reference year
REQUIRED_ALL = "all"  # every breakdown of every reference year
REQUIRED_CHOICES = (REQUIRED_NONE, REQUIRED_TOTAL, REQUIRED_ALL)


class Framework(db.Model):
    """The catalogue of indicators a cycle collects, grouped in excellence areas."""

    __tablename__ = "framework"
    __table_args__ = (UniqueConstraint("network_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"), index=True)
    network: Mapped[Network] = relationship()
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # {"fr": {"name": ..., "description": ...}, "es": {...}}: see peerreview/i18n.py.
    translations: Mapped[dict | None] = mapped_column(JSON)
    areas: Mapped[list["ExcellenceArea"]] = relationship(
        back_populates="framework", order_by="ExcellenceArea.code"
    )
    indicators: Mapped[list["Indicator"]] = relationship(
        back_populates="framework", order_by="Indicator.position"
    )
    # Optimistic lock: an edit based on an older version is refused, not applied (the edit page).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class ExcellenceArea(db.Model):
    __tablename__ = "excellence_area"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    framework: Mapped[Framework] = relationship(back_populates="areas")
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    # {"fr": {"name": ...}, "es": {...}}: see peerreview/i18n.py.
    translations: Mapped[dict | None] = mapped_column(JSON)
    # Optimistic lock: an edit based on an older version is refused, not applied (the edit page).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class Indicator(db.Model):
    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    framework: Mapped[Framework] = relationship(back_populates="indicators")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("excellence_area.id"), index=True)
    area: Mapped[ExcellenceArea | None] = relationship()
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str] = mapped_column(Text, default="")
    # {"fr": {"name": ..., "definition": ...}, "es": {...}}: see peerreview/i18n.py.
    translations: Mapped[dict | None] = mapped_column(JSON)
    unit: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(10), default="higher")
    decimals: Mapped[int] = mapped_column(default=1)
    min_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    max_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    # Space-separated dimension names from framework.breakdowns.DIMENSIONS ("sex age").
    dimensions: Mapped[str] = mapped_column(String(100), default="")
    # Checks (issue 7): which values are required; whether breakdowns add up to the total (counts do,
    # shares never); the year-on-year change in per cent beyond which a value needs an explanation.
    required: Mapped[str] = mapped_column(String(10), default=REQUIRED_TOTAL, server_default=REQUIRED_TOTAL)
    additive: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    change_threshold: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    # Optimistic lock: an edit based on an older version is refused, not applied.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    @property
    def breakdowns(self) -> list[Breakdown]:
        return breakdowns_for(self.dimensions)
