from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextArea
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
