from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class CsrfForm(FlaskForm):
    """CSRF only. The value cells (v-<cell>, and o-<cell>: the value the form was loaded with) and the
    narrative texts (narrative-<area>, nv-<area>: the version of the text the form was loaded with) are
    read from the request by name because their number depends on the framework.
    """


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Why is the submission returned?"), widget=GovTextArea(),
                           description=_l("The delegation reads this."),
                           validators=[DataRequired(_l("Say why the submission is returned.")), Length(max=2000)])
    submit = SubmitField(_l("Return to the delegation"), widget=GovSubmitInput())
