from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from peerreview.auth.models import ROLE_LABELS, ROLES
from peerreview.forms_support import choices
from peerreview.i18n import LANGUAGE_LABELS, NATIVE_NAMES


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter your e-mail address."))])
    password = PasswordField(_l("Password"), widget=GovPasswordInput(),
                             validators=[DataRequired(_l("Enter your password."))])
    submit = SubmitField(_l("Sign in"), widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter your e-mail address.")),
                                   Email(_l("Enter an e-mail address like name@example.org."),
                                         check_deliverability=False)])
    submit = SubmitField(_l("Send me a link"), widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), widget=GovPasswordInput(),
                             description=_l("At least 12 characters. A few unrelated words work well."),
                             validators=[DataRequired(_l("Enter a new password."))])
    confirm = PasswordField(_l("Repeat the new password"), widget=GovPasswordInput(),
                            validators=[DataRequired(_l("Repeat the new password.")),
                                        EqualTo("password", _l("The two passwords are not the same."))])
    submit = SubmitField(_l("Save password"), widget=GovSubmitInput())


class UserForm(FlaskForm):
    name = StringField(_l("Full name"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter the person's name.")), Length(max=200)])
    email = EmailField(_l("E-mail address"), widget=GovTextInput(),
                       validators=[DataRequired(_l("Enter an e-mail address.")),
                                   Email(_l("Enter an e-mail address like name@example.org."),
                                         check_deliverability=False)])
    role = SelectField(_l("Role"), widget=GovSelect(), choices=choices((r, ROLE_LABELS[r]) for r in ROLES))
    organisation_id = SelectField(_l("Organisation"), coerce=int, widget=GovSelect())
    network_id = SelectField(_l("Network"), coerce=int, widget=GovSelect(),
                             description=_l("The role is given in this network only."))
    submit = SubmitField(_l("Add the person and send an e-mail"), widget=GovSubmitInput())


class LanguageForm(FlaskForm):
    """The person's language, kept with the account; "" follows the browser's preference."""

    locale = RadioField(_l("Language of the pages and of your e-mails"), widget=GovRadioInput(),
                        validators=[Optional()])
    submit = SubmitField(_l("Save language"), widget=GovSubmitInput())

    def offer(self, languages: list[str]) -> None:
        self.locale.choices = choices([("", _l("The language of my browser"))] + [
            (code, f"{NATIVE_NAMES[code]} ({LANGUAGE_LABELS[code]})") for code in languages])
