from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField

from peerreview.api.models import SCOPE_READ, SCOPE_SUBMIT
from peerreview.api.tokens import LIFETIMES_DAYS, TokenRequest
from peerreview.forms_support import choices


class TokenForm(FlaskForm):
    """Checks live in tokens.token_problems (one rule for the form and any other caller)."""

    name = StringField(_l("Name"), widget=GovTextInput(),
                       description=_l("What the token is for, e.g. \"Statistics unit upload script\"."))
    scopes = SelectMultipleField(
        _l("What the token may do"), widget=GovCheckboxesInput(), default=[SCOPE_READ],
        choices=choices([(SCOPE_READ, _l("Read: frameworks, cycles, submissions, comparisons and reports you may see")),
                 (SCOPE_SUBMIT, _l("Submit: change your delegation's values while the cycle is open"))]))
    lifetime_days = RadioField(_l("Works for"), widget=GovRadioInput(), default="90", choices=choices(
        (str(days), _l("%(n)d days", n=days)) for days in LIFETIMES_DAYS))
    submit = SubmitField(_l("Make token"), widget=GovSubmitInput())

    def service_data(self) -> TokenRequest:
        try:
            lifetime = int(self.lifetime_days.data or 0)
        except ValueError:
            lifetime = 0
        return TokenRequest(name=self.name.data or "", scopes=tuple(self.scopes.data or ()), lifetime_days=lifetime)
