from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class VersionForm(FlaskForm):
    """CSRF and the version of the submission the user started from.

    The value cells (v-<indicator>-<breakdown>-<year>) and narrative texts
    (narrative-<area>) are read from the request by name because their number
    depends on the framework.
    """

    version = HiddenField()


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Why is the submission returned?"), widget=GovTextArea(),
                           description=_l("The delegation reads this."),
                           validators=[DataRequired(_l("Say why the submission is returned.")), Length(max=2000)])
    submit = SubmitField(_l("Return to the delegation"), widget=GovSubmitInput())
