from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from peerreview.reasons import MAX_REASON_LENGTH
from peerreview.reports.models import TIER_NETWORK, TIER_PUBLIC
from peerreview.reports.texts import MAX_TEXT


class RenderFeedbackForm(FlaskForm):
    kind = HiddenField(default="feedback")
    organisation_id = SelectField(_l("Organisation"), coerce=int, widget=GovSelect())
    submit = SubmitField(_l("Render feedback report"), widget=GovSubmitInput())


class PublishForm(FlaskForm):
    tier = RadioField(_l("Who may read it?"), widget=GovRadioInput(), choices=[
        (TIER_NETWORK, _l("The network: everyone taking part in the cycle")),
        (TIER_PUBLIC, _l("Everyone: the public register, without signing in"))],
        validators=[DataRequired(_l("Choose who may read the report."))])
    reason = TextAreaField(_l("What does this version correct?"), widget=GovTextArea(),
                           description=_l("Needed for every version after the first; it stays listed beside the "
                                          "earlier version, which remains downloadable."),
                           validators=[Length(max=MAX_REASON_LENGTH)])
    submit = SubmitField(_l("Publish"), widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why is this version withdrawn?"), widget=GovTextArea(),
                           description=_l("Listed beside the version, publicly if the report is public."),
                           validators=[DataRequired(_l("Say why the version is withdrawn.")),
                                       Length(max=MAX_REASON_LENGTH)])
    submit = SubmitField(_l("Withdraw this version"), widget=GovSubmitInput())


class FactualFlagForm(FlaskForm):
    body = TextAreaField(_l("Which fact is wrong, and what is correct?"), widget=GovTextArea(),
                         validators=[DataRequired(_l("Say what is wrong and what the correct fact is.")),
                                     Length(max=MAX_REASON_LENGTH)])
    submit = SubmitField(_l("Send to the secretariat"), widget=GovSubmitInput())


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer to the delegation"), widget=GovTextArea(),
                           validators=[DataRequired(_l("Write the answer the delegation will read.")),
                                       Length(max=MAX_REASON_LENGTH)])
    version = HiddenField()
    submit = SubmitField(_l("Save the answer"), widget=GovSubmitInput())


class ReportTextForm(FlaskForm):
    summary = TextAreaField(_l("Executive summary"), widget=GovTextArea(),
                            description=_l("Markdown: headings (##), lists, tables, links. Printed after the "
                                           "contents."), validators=[Length(max=MAX_TEXT)])
    conclusions = TextAreaField(_l("Conclusions"), widget=GovTextArea(),
                                description=_l("Markdown. Printed at the end of the report."),
                                validators=[Length(max=MAX_TEXT)])
    version = HiddenField()
    preview = SubmitField(_l("Preview"), widget=GovSubmitInput())
    submit = SubmitField(_l("Save the texts"), widget=GovSubmitInput())


class NamingForm(FlaskForm):
    naming = RadioField(_l("How does it appear in the synthesis and in other organisations' reports?"),
                        widget=GovRadioInput(), choices=[
                            ("named", _l("Under its name and country")),
                            ("anonymous", _l("Under an anonymous code, such as PES 07"))],
                        validators=[DataRequired(_l("Choose how the organisation appears."))])
    version = HiddenField()
    submit = SubmitField(_l("Save the choice"), widget=GovSubmitInput())
