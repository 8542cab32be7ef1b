from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from peerreview.forms_support import add_translation_fields, choices, translations_from_form
from peerreview.framework.breakdowns import dimension_choices
from peerreview.framework.models import REQUIRED_ALL, REQUIRED_NONE, REQUIRED_TOTAL
from peerreview.framework.services import IndicatorData
from peerreview.numbers import ValueProblem, parse_decimal

REQUIRED_LABELS = {
    REQUIRED_TOTAL: _l("The total of every reference year"),
    REQUIRED_ALL: _l("Every breakdown of every reference year"),
    REQUIRED_NONE: _l("None: every value is optional"),
}

DIRECTION_LABELS = {"higher": _l("Higher is better"), "lower": _l("Lower is better"),
                    "neutral": _l("Neutral (context figure)")}


class FrameworkForm(FlaskForm):
    version = HiddenField()  # the version the edit started from (no lost update)
    name = StringField(_l("Name"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter a name for the framework.")), Length(max=200)])
    description = TextAreaField(_l("Description"), widget=GovTextArea(), validators=[Length(max=5000)])
    submit = SubmitField(_l("Create framework"), widget=GovSubmitInput())


class DecimalTextField(StringField):
    """A number typed in any common locale format; empty is allowed."""

    def post_validate(self, form, validation_stopped):
        if validation_stopped or self.errors:
            return
        try:
            self.decimal = parse_decimal(self.data)
        except ValueProblem as problem:
            raise ValidationError(str(problem)) from None


class IndicatorForm(FlaskForm):
    version = HiddenField()
    code = StringField(_l("Code"), widget=GovTextInput(), description=_l("For example 1a"),
                       validators=[DataRequired(_l("Enter a code.")), Length(max=20)])
    name = StringField(_l("Name"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter the indicator's name.")), Length(max=300)])
    definition = TextAreaField(_l("Definition"), widget=GovTextArea(), validators=[Length(max=5000)])
    unit = StringField(_l("Unit"), widget=GovTextInput(), description=_l("For example %, persons or days"),
                       validators=[DataRequired(_l("Enter the unit.")), Length(max=40)])
    direction = RadioField(_l("Direction"), widget=GovRadioInput(), choices=choices(DIRECTION_LABELS.items()),
                           validators=[DataRequired(_l("Choose whether higher or lower values are better."))])
    decimals = IntegerField(_l("Decimal places"), widget=GovTextInput(), default=1,
                            validators=[NumberRange(0, 6, _l("Decimal places must be between 0 and 6."))])
    min_value = DecimalTextField(_l("Smallest valid value (optional)"), widget=GovTextInput())
    max_value = DecimalTextField(_l("Largest valid value (optional)"), widget=GovTextInput())
    area_id = SelectField(_l("Excellence area"), coerce=int, widget=GovSelect(), validators=[Optional()])
    dimensions = SelectMultipleField(_l("Breakdowns besides the total"), widget=GovCheckboxesInput(),
                                     choices=choices(dimension_choices()), validators=[Optional()])
    required = RadioField(_l("Values required before submitting"), widget=GovRadioInput(), default=REQUIRED_TOTAL,
                          choices=choices(REQUIRED_LABELS.items()),
                          description=_l("A required value must be filled in, or flagged not available or not "
                                         "applicable, before a delegation can submit."),
                          validators=[DataRequired(_l("Choose which values are required."))])
    additive = BooleanField(_l("The breakdowns add up to the total"), widget=GovCheckboxInput(),
                            description=_l("For counts such as jobseekers or placements: women and men, the age "
                                           "groups and the qualification levels each add up to the total. Never "
                                           "for shares, rates or averages. A value that does not add up (beyond "
                                           "0.5 per cent of the total) needs an explanation before submitting."))
    change_threshold = DecimalTextField(
        _l("Year-on-year change that needs an explanation, in per cent (optional)"), widget=GovTextInput(),
        description=_l("For example 50: a value more than 50 % above or below the previous year's needs an "
                       "explanation before submitting. Leave empty for no such check."))
    submit = SubmitField(_l("Save indicator"), widget=GovSubmitInput())

    def service_data(self) -> IndicatorData:
        return IndicatorData(
            code=self.code.data, name=self.name.data, definition=self.definition.data,
            unit=self.unit.data, direction=self.direction.data, decimals=self.decimals.data,
            min_value=getattr(self.min_value, "decimal", None),
            max_value=getattr(self.max_value, "decimal", None),
            area_id=self.area_id.data or None, dimensions=" ".join(self.dimensions.data or []),
            required=self.required.data, additive=bool(self.additive.data),
            change_threshold=getattr(self.change_threshold, "decimal", None),
            translations=translations_from_form(self),
        )


class AreaForm(FlaskForm):
    version = HiddenField()
    name = StringField(_l("Name"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter the excellence area's name.")), Length(max=200)])
    submit = SubmitField(_l("Save excellence area"), widget=GovSubmitInput())


add_translation_fields(AreaForm, {"name": (_l("Name"), 200, False)})
add_translation_fields(FrameworkForm, {"name": (_l("Name"), 200, False),
                                       "description": (_l("Description"), 5000, True)})
add_translation_fields(IndicatorForm, {"name": (_l("Name"), 300, False),
                                       "definition": (_l("Definition"), 5000, True)})
