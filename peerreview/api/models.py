from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peerreview.auth.models import User
from peerreview.db_types import UTCDateTime, utcnow
from peerreview.extensions import db

SCOPE_READ = "read"
SCOPE_SUBMIT = "submit"
TOKEN_SCOPES = (SCOPE_READ, SCOPE_SUBMIT)


class AccessToken(db.Model):
    """A personal access token: a person lets a program use the API in their name, within its scopes.

    Only the SHA-256 of the token is stored (the token itself is shown once, when it is made): reading
    this table does not let anyone use a token. A token stops working when it expires or is revoked,
    and never does more than its owner may (permissions.can() asks both).
    """

    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship()
    name: Mapped[str] = mapped_column(String(100))
    # Space-separated scopes from TOKEN_SCOPES ("read submit").
    scopes: Mapped[str] = mapped_column(String(40))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
