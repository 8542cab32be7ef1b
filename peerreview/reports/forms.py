from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import HiddenField, SelectField, SubmitField


class RenderFeedbackForm(FlaskForm):
    kind = HiddenField(default="feedback")
    organisation_id = SelectField(_l("Organisation"), coerce=int, widget=GovSelect())
    submit = SubmitField(_l("Render feedback report"), widget=GovSubmitInput())
