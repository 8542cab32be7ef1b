from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from peerreview.cycles.services import CYCLE_FIELDS, CycleData


class DayMonthYearField(DateField):
    """A date typed as day, month and year, with a message that says what is expected."""

    def __init__(self, label, **kwargs):
        super().__init__(label, widget=GovDateInput(), validators=[Optional()], format=["%d %m %Y", "%Y-%m-%d"],
                         **kwargs)

    def process_formdata(self, valuelist):
        if len(valuelist) != 3:
            # Not the three inputs of the form (a hand-made request): the widget
            # needs raw_data to be all three or nothing.
            self.raw_data = None
            self.data = None
            if any(value.strip() for value in valuelist):
                raise ValueError(_l("Enter a real date as day, month and year, for example 13 10 2026."))
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a real date as day, month and year, for example 13 10 2026.")) from None


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
    kickoff_start = DayMonthYearField(_l("Kick-off meeting: first day"))
    kickoff_end = DayMonthYearField(_l("Kick-off meeting: last day"))
    first_year = IntegerField(_l("First reference year"), widget=GovTextInput(),
                              validators=[DataRequired(_l("Enter the first reference year.")),
                                          NumberRange(1990, 2100, _l("Enter a year between 1990 and 2100."))])
    last_year = IntegerField(_l("Last reference year"), widget=GovTextInput(),
                             validators=[DataRequired(_l("Enter the last reference year.")),
                                         NumberRange(1990, 2100, _l("Enter a year between 1990 and 2100."))])
    submission_deadline = DayMonthYearField(_l("Submission deadline"))
    review_deadline = DayMonthYearField(_l("Review deadline"))
    reporting_deadline = DayMonthYearField(_l("Reporting deadline"))
    submit = SubmitField(_l("Save cycle"), widget=GovSubmitInput())

    def service_data(self) -> CycleData:
        return CycleData(**{key: getattr(self, key).data for key in CYCLE_FIELDS})


class InviteForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation to invite"), coerce=int, widget=GovSelect())
    submit = SubmitField(_l("Invite"), widget=GovSubmitInput())


class TransitionForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])
