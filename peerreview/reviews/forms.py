from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from peerreview.forms_support import choices, to_id
from peerreview.reviews.models import INTERNAL, SHARED
from peerreview.reviews.services import MAX_COMMENT_LENGTH

VISIBILITY_LABELS = {
    INTERNAL: _l("Reviewers and secretariat only"),
    SHARED: _l("Shared with the delegation"),
}


def anchor_choices(indicators, years) -> list:
    pairs = [("submission", str(_l("The submission as a whole")))]
    for ind in indicators:
        for b in ind.breakdowns:
            for y in years:
                pairs.append((f"{ind.id}/{b.code}/{y}", f"{ind.code} · {b.label} · {y}"))
    return choices(pairs)


def parse_anchor(value: str) -> tuple[int | None, str | None, int | None]:
    if not value or value == "submission":
        return None, None, None
    try:
        indicator, breakdown, year = value.split("/")
        return to_id(indicator) or -1, breakdown, int(year)
    except ValueError:
        return -1, None, None


class CommentForm(FlaskForm):
    anchor = SelectField(_l("About"), widget=GovSelect(), validate_choice=False)
    body = TextAreaField(_l("Comment"), widget=GovTextArea(),
                         validators=[DataRequired(_l("Write a comment.")), Length(max=MAX_COMMENT_LENGTH)])
    # No default on purpose: the reviewer decides every time who will read it.
    visibility = RadioField(_l("Who may read this comment?"), widget=GovRadioInput(),
                            choices=choices(VISIBILITY_LABELS.items()),
                            validators=[DataRequired(_l("Choose who may read the comment."))])
    submit = SubmitField(_l("Add comment"), widget=GovSubmitInput())


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), widget=GovTextArea(),
                         validators=[DataRequired(_l("Write a reply.")), Length(max=MAX_COMMENT_LENGTH)])
    submit = SubmitField(_l("Reply"), widget=GovSubmitInput())


class AssignForm(FlaskForm):
    reviewer_id = SelectField(_l("Peer reviewer"), coerce=int, widget=GovSelect(), validate_choice=False)
    submit = SubmitField(_l("Assign"), widget=GovSubmitInput())
