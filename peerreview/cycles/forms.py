from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class CycleForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("Title"), widget=GovTextInput(),
                        validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    theme = TextAreaField(_l("Theme"), widget=GovTextArea(), validators=[Length(max=5000)])
    framework_id = SelectField(_l("Indicator framework"), coerce=int, widget=GovSelect())
    host_organisation_id = SelectField(_l("Host organisation"), coerce=int, widget=GovSelect(),
                                       validators=[Optional()])
    kickoff_place = StringField(_l("Kick-off meeting: place"), widget=GovTextInput(),
                                validators=[Length(max=200)])
    kickoff_start = DateField(_l("Kick-off meeting: first day"), widget=GovDateInput(),
                              validators=[Optional()], format=["%d %m %Y", "%Y-%m-%d"])
    kickoff_end = DateField(_l("Kick-off meeting: last day"), widget=GovDateInput(),
                            validators=[Optional()], format=["%d %m %Y", "%Y-%m-%d"])
    first_year = IntegerField(_l("First reference year"), widget=GovTextInput(),
                              validators=[DataRequired(_l("Enter the first reference year.")),
                                          NumberRange(1990, 2100, _l("Enter a year between 1990 and 2100."))])
    last_year = IntegerField(_l("Last reference year"), widget=GovTextInput(),
                             validators=[DataRequired(_l("Enter the last reference year.")),
                                         NumberRange(1990, 2100, _l("Enter a year between 1990 and 2100."))])
    submission_deadline = DateField(_l("Submission deadline"), widget=GovDateInput(), validators=[Optional()],
                                    format=["%d %m %Y", "%Y-%m-%d"])
    review_deadline = DateField(_l("Review deadline"), widget=GovDateInput(), validators=[Optional()],
                                format=["%d %m %Y", "%Y-%m-%d"])
    reporting_deadline = DateField(_l("Reporting deadline"), widget=GovDateInput(), validators=[Optional()],
                                   format=["%d %m %Y", "%Y-%m-%d"])
    submit = SubmitField(_l("Save cycle"), widget=GovSubmitInput())

    def service_data(self) -> dict:
        keys = ("title", "theme", "framework_id", "host_organisation_id", "kickoff_place", "kickoff_start",
                "kickoff_end", "first_year", "last_year", "submission_deadline", "review_deadline",
                "reporting_deadline")
        return {key: getattr(self, key).data for key in keys}


class InviteForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation to invite"), coerce=int, widget=GovSelect())
    submit = SubmitField(_l("Invite"), widget=GovSubmitInput())


class TransitionForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])
