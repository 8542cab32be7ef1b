from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from peerreview.forms_support import choices

KIND_LABELS = {"pes": _l("Public employment service"), "secretariat": _l("Network secretariat"),
               "expert": _l("Expert body")}


class OrganisationForm(FlaskForm):
    version = HiddenField()
    name = StringField(_l("Name"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter the organisation's name.")), Length(max=200)])
    short_name = StringField(_l("Short name"), widget=GovTextInput(), description=_l("For example BA or ESDC"),
                             validators=[DataRequired(_l("Enter a short name.")), Length(max=40)])
    country = StringField(_l("Country code"), widget=GovTextInput(),
                          description=_l("ISO 3166 code such as DE, CA or UK-ENG"),
                          validators=[DataRequired(_l("Enter the country code.")), Length(max=8)])
    kind = SelectField(_l("Kind"), widget=GovSelect(), choices=choices(KIND_LABELS.items()))
    network_id = SelectField(_l("Member of the network"), coerce=int, widget=GovSelect())
    submit = SubmitField(_l("Save organisation"), widget=GovSubmitInput())


def offer_networks(form, networks) -> None:
    """Ask which network only of someone who runs several; others act in their one network."""
    if len(networks) > 1:
        form.network_id.choices = choices((n.id, n.name) for n in networks)
    else:
        del form.network_id


def chosen_network_id(form) -> int | None:
    return form.network_id.data if "network_id" in form else None
