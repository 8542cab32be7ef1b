from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import SelectField, StringField, SubmitField, TextAreaField
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


class ValuesFileForm(FlaskForm):
    """A filled XLSX template or CSV file of one submission."""

    file = FileField(_l("Filled spreadsheet (.xlsx or .csv)"), widget=GovFileInput(),
                     description=_l("The template or CSV file downloaded from this submission, at most 5 MB. "
                                    "Valid changed cells are saved; every other cell is listed with the reason."),
                     validators=[FileRequired(_l("Choose the file to upload."))])
    submit = SubmitField(_l("Upload and save"), widget=GovSubmitInput())


class DocumentForm(FlaskForm):
    document = FileField(_l("Supporting document (PDF, XLSX or DOCX)"), widget=GovFileInput(),
                         description=_l("At most 5 MB. Reviewers and the secretariat can read it."),
                         validators=[FileRequired(_l("Choose the document to attach."))])
    submit = SubmitField(_l("Attach document"), widget=GovSubmitInput())


class CellForm(FlaskForm):
    """One cell's value, flag and source note (the flag-and-note editor)."""

    value = StringField(_l("Value"), widget=GovTextInput(),
                        description=_l("Leave it empty for a value that is not available or not applicable."))
    flag = SelectField(_l("Flag"), widget=GovSelect(), validate_choice=True,
                       description=_l("Not available and not applicable go without a number; the other flags "
                                      "qualify the number. Confidential values are never shown to other "
                                      "organisations."))
    note = TextAreaField(_l("Source note (optional)"), widget=GovTextArea(),
                         description=_l("Where the figure comes from, or what readers should know about it."))
    submit = SubmitField(_l("Save this value"), widget=GovSubmitInput())
