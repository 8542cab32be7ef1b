from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from peerreview.cycles.services import CYCLE_FIELDS, CycleData
from peerreview.forms_support import add_translation_fields, choices, translations_from_form
from peerreview.i18n import LOCALES, NATIVE_NAMES, SOURCE_LOCALE


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
    illustrative_data = BooleanField(_l("Its figures are illustrative (demo or test data), not official statistics: "
                                        "every report of the cycle says so"), widget=GovCheckboxInput())
    forbid_reciprocal_reviews = BooleanField(_l("Two organisations never review each other in this cycle"),
                                             widget=GovCheckboxInput())
    hide_reviewer_names = BooleanField(_l("Hide reviewer names from the delegations (pages, mails and PDFs)"),
                                       widget=GovCheckboxInput())
    report_locale = SelectField(_l("Language of the reports"), widget=GovSelect(), default=SOURCE_LOCALE,
                                choices=choices((code, NATIVE_NAMES[code]) for code in LOCALES),
                                description=_l("The feedback and synthesis reports (PDF) are written in it."))
    submit = SubmitField(_l("Save cycle"), widget=GovSubmitInput())

    def service_data(self) -> CycleData:
        data = {key: getattr(self, key).data for key in CYCLE_FIELDS if key != "translations"}
        return CycleData(**data, translations=translations_from_form(self))


add_translation_fields(CycleForm, {"title": (_l("Title"), 200, False), "theme": (_l("Theme"), 5000, True)})


class InviteForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation to invite"), coerce=int, widget=GovSelect())
    submit = SubmitField(_l("Invite"), widget=GovSubmitInput())


class TransitionForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])
    expected_status = HiddenField()
    reason = TextAreaField(_l("Why move on although reviews are not complete?"), widget=GovTextArea(),
                           validators=[Length(max=2000)])
    submit = SubmitField(_l("Confirm the move"), widget=GovSubmitInput())


class RevertForm(FlaskForm):
    expected_status = HiddenField()
    reason = TextAreaField(_l("Why revert the move?"), widget=GovTextArea(), validators=[Length(max=2000)])
    submit = SubmitField(_l("Revert the move"), widget=GovSubmitInput())


class ExtensionForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, widget=GovSelect())
    submission_deadline = DayMonthYearField(_l("New submission deadline for this organisation"))
    reason = TextAreaField(_l("Reason"), widget=GovTextArea(), validators=[Length(max=2000)])
    submit = SubmitField(_l("Extend the deadline"), widget=GovSubmitInput())
