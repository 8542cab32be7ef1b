from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from peerreview.forms_support import choices, to_id
from peerreview.reviews.assessments import AreaInput
from peerreview.reviews.models import INTERNAL, SHARED
from peerreview.reviews.services import MAX_COMMENT_LENGTH

VISIBILITY_LABELS = {
    INTERNAL: _l("Reviewers and secretariat only"),
    SHARED: _l("Shared with the delegation"),
}


def anchor_choices(indicators, years, areas=()) -> list:
    pairs = [("submission", str(_l("The submission as a whole")))]
    for area in areas:
        pairs.append((f"area/{area.id}", f"{_l('Self-assessment')} · {area.code} {area.name}"))
    for ind in indicators:
        for b in ind.breakdowns:
            for y in years:
                pairs.append((f"{ind.id}/{b.code}/{y}", f"{ind.code} · {b.label} · {y}"))
    return choices(pairs)


def parse_anchor(value: str) -> dict:
    """The anchor field ("submission", "area/<id>" or "<indicator>/<breakdown>/<year>") as add_comment's keywords."""
    if not value or value == "submission":
        return {}
    parts = value.split("/")
    if len(parts) == 2 and parts[0] == "area":
        return {"area_id": to_id(parts[1]) or -1}
    try:
        indicator, breakdown, year = parts
        return {"indicator_id": to_id(indicator) or -1, "breakdown": breakdown, "year": int(year)}
    except ValueError:
        return {"indicator_id": -1}


class CommentForm(FlaskForm):
    anchor = SelectField(_l("About"), widget=GovSelect(), validate_choice=False)
    body = TextAreaField(_l("Comment"), widget=GovTextArea(),
                         validators=[DataRequired(_l("Write a comment.")), Length(max=MAX_COMMENT_LENGTH)])
    # No default on purpose: the reviewer decides every time who will read it.
    visibility = RadioField(_l("Who may read this comment?"), widget=GovRadioInput(),
                            choices=choices(VISIBILITY_LABELS.items()),
                            validators=[DataRequired(_l("Choose who may read the comment."))])
    is_request = BooleanField(_l("This is a clarification request: the delegation is asked to answer, and the "
                                 "request stays open until a reviewer resolves it"), widget=GovCheckboxInput())
    submit = SubmitField(_l("Add comment"), widget=GovSubmitInput())


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), widget=GovTextArea(),
                         validators=[DataRequired(_l("Write a reply.")), Length(max=MAX_COMMENT_LENGTH)])
    submit = SubmitField(_l("Reply"), widget=GovSubmitInput())


class CorrectionForm(FlaskForm):
    """The delegation's answer to a clarification request on a value: the corrected value and why."""

    value = StringField(_l("Corrected value"), widget=GovTextInput(),
                        description=_l("The submission stays submitted; the reviewers see the value as changed "
                                       "since submission, with the value it was submitted with."))
    started_from = HiddenField()
    body = TextAreaField(_l("What did you correct, and why?"), widget=GovTextArea(),
                         validators=[Length(max=MAX_COMMENT_LENGTH)])
    submit = SubmitField(_l("Correct the value and answer"), widget=GovSubmitInput())


class AssessmentForm(FlaskForm):
    """CSRF only: the fields, one set per excellence area, are read by `assessment_inputs`."""


ASSESSMENT_TEXT_LABELS = {
    "strengths": _l("Strengths"),
    "improvements": _l("Areas for improvement"),
    "recommendations": _l("Recommendations"),
    "good_practices": _l("Good practices worth sharing"),
}


def assessment_inputs(formdata, areas, *, with_texts: bool) -> list[AreaInput]:
    """One AreaInput per excellence area from fields named `<field>-<area id>`."""
    inputs = []
    for area in areas:
        version = formdata.get(f"version-{area.id}", "")
        entry = AreaInput(area_id=area.id, score=formdata.get(f"score-{area.id}", ""),
                          version=int(version) if version.isdigit() and len(version) < 10 else None)
        if with_texts:
            for name in ASSESSMENT_TEXT_LABELS:
                setattr(entry, name, formdata.get(f"{name}-{area.id}", ""))
        inputs.append(entry)
    return inputs


class ProfileForm(FlaskForm):
    languages = StringField(_l("Languages"), widget=GovTextInput(), validators=[Length(max=200)],
                            description=_l("Separated by commas, for example: en, fr, de"))
    expertise = StringField(_l("Expertise (excellence areas)"), widget=GovTextInput(), validators=[Length(max=200)],
                            description=_l("Area codes separated by commas, for example: A, D"))
    submit = SubmitField(_l("Save profile"), widget=GovSubmitInput())


class ConflictForm(FlaskForm):
    target = SelectField(_l("Organisation you have a conflict of interest with"), widget=GovSelect())
    declared_as = RadioField(_l("Declared"), widget=GovRadioInput(), choices=[])
    reason = TextAreaField(_l("What is the conflict?"), widget=GovTextArea(), validators=[Length(max=2000)])
    submit = SubmitField(_l("Declare the conflict of interest"), widget=GovSubmitInput())


class EditCommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), widget=GovTextArea(),
                         validators=[DataRequired(_l("Write a comment.")), Length(max=MAX_COMMENT_LENGTH)],
                         description=_l("Markdown: **bold**, *italic*, lists starting with “-”, links."))
    submit = SubmitField(_l("Save the change"), widget=GovSubmitInput())


class ShareForm(FlaskForm):
    confirm = BooleanField(_l("Yes, the delegation may read this whole thread, replies included"),
                           widget=GovCheckboxInput(), validators=[DataRequired(_l("Confirm to share the thread."))])
    submit = SubmitField(_l("Share with the delegation"), widget=GovSubmitInput())


DELIVERY_CHOICES = [("immediate", _l("One mail for each notice, at once")), ("digest", _l("One summary mail a day"))]


class MailPreferenceForm(FlaskForm):
    delivery = RadioField(_l("How do you want to be told about assignments, comments, answers and phase moves?"),
                          widget=GovRadioInput(), choices=choices(DELIVERY_CHOICES),
                          validators=[DataRequired(_l("Choose how you want to be told."))])
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())
